"""Shared test set-up: a private Keras cache, quiet TensorFlow, and recipe runners.

KERAS_HOME points at a fresh temporary folder before Keras is imported, so tests never
read (or download into) the user's ~/.keras: datasets are absent unless a test asks for
the verified copies in ../shared/datasets with the `real_keras_datasets` fixture.
"""

import contextlib
import functools
import io
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

os.environ["KERAS_HOME"] = tempfile.mkdtemp(prefix="keras-dl-tests-")
# On JAX, XLA compiles each new model's steps; the suite builds the same small models again
# and again (and in the recipes it starts as subprocesses, which inherit this): JAX's own
# persistent compilation cache, fresh for each session, compiles each of them once
# (smoke and bad-input tests: 394 s without, 329 s with it). Other backends ignore it.
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", tempfile.mkdtemp(prefix="keras-dl-jax-"))
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Under pytest-xdist the workers share the cores: torch's OpenMP threads, each asking for all
# of them, slow a worker down more than the second worker gains (the torch suite on 2 cores:
# 409 s with two threads per worker, 261 s with one; 400 s in one process with one thread).
# So each worker gets its share of the cores.
if "PYTEST_XDIST_WORKER_COUNT" in os.environ:  # before torch is imported
    _share = (os.cpu_count() or 1) // int(os.environ["PYTEST_XDIST_WORKER_COUNT"])
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, _share)))
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest

from keras_dl.datasets import keras_cache_dir
from keras_dl.lab.invocation import invoke
from keras_dl.records.read import RUN_FILES

SHARED_DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def run_main(name: str, argv: tuple[str, ...], out: Path) -> tuple[int, list[Path]]:
    """Run recipe `name` in this process as ``keras-dl run`` does, with ``--out out`` (and
    with ``--seed $KERAS_DL_TEST_SEED`` when that is set and `argv` names no seed).

    Returns ``(exit_code, run_dirs)``, the run directories in the order the recipe made
    them. Ctrl-C stays an exception, as it does up to the command line.
    """
    seed = os.environ.get("KERAS_DL_TEST_SEED")
    if seed is not None and "--seed" not in argv:
        argv = (*argv, "--seed", seed)  # a sweep: the recipe tests at another seed
    outcome = invoke(name, [*argv, "--out", str(out)])
    return outcome.exit, list(outcome.runs)


@pytest.fixture
def run_recipe(tmp_path):
    """``run(name, *argv)``: `run_main` with --out in the test's temporary folder."""

    return lambda name, *argv: run_main(name, argv, tmp_path / "runs")


@dataclass(frozen=True)
class QuickRun:
    """A recipe's ``--quick`` run: exit code, run directories, what it printed, and what it
    trained: every Keras fit it made, and the epochs appended to each epoch log."""

    code: int
    run_dirs: list[Path]
    out: str
    err: str
    fits: list["Fit"]
    appended: dict[Path, int]


@dataclass(frozen=True)
class Fit:
    """One ``fit`` of a Keras model: its model's class, the epochs it ran, and the files of
    the epoch logs among its callbacks."""

    model: str
    epochs: int
    logs: list[Path]


@contextlib.contextmanager
def recording_training():
    """Record every Keras ``fit`` (any model class) and every epoch appended to an epoch
    log while the body runs: ``(fits, appended)``."""
    import keras

    from keras_dl.lab.callbacks import EpochLog
    from keras_dl.records.run import EpochWriter

    fits: list[Fit] = []
    appended: dict[Path, int] = {}
    fit, append = keras.Model.fit, EpochWriter.append

    @functools.wraps(fit)  # its signature stays fit's (keras_dl.fast binds arguments to it)
    def recorded_fit(self, *args, **kwargs):
        history = fit(self, *args, **kwargs)
        logs = [c.writer.path for c in kwargs.get("callbacks") or () if isinstance(c, EpochLog)]
        fits.append(Fit(type(self).__name__, len(history.epoch), logs))
        return history

    def recorded_append(self, logs, epoch=None):
        before = self.rows
        append(self, logs, epoch)
        appended[self.path] = appended.get(self.path, 0) + self.rows - before

    keras.Model.fit, EpochWriter.append = recorded_fit, recorded_append
    try:
        yield fits, appended
    finally:
        keras.Model.fit, EpochWriter.append = fit, append


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``make test`` runs one worker per core, ``--dist loadgroup``),
    the tests that read one recipe's `quick_run` go to one worker, so each quick run is
    still made once: the smoke test's ``name`` parameter, or the recipe a test file is
    named after (tests/recipes/book/test_boston.py: boston)."""
    for item in items:
        if "quick_run" in getattr(item, "fixturenames", ()):
            params = getattr(getattr(item, "callspec", None), "params", {})
            recipe = params.get("name", item.path.stem.removeprefix("test_"))
            item.add_marker(pytest.mark.xdist_group(recipe))


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory):
    """``quick_run(name)``: the recipe's ``--quick`` run, made once per test session and
    shared by the smoke test and the recipe's own tests (which read it, never change it)."""

    made: dict[str, QuickRun] = {}

    def run(name: str) -> QuickRun:
        if name not in made:
            out, err = io.StringIO(), io.StringIO()
            with (
                contextlib.redirect_stdout(out),
                contextlib.redirect_stderr(err),
                recording_training() as (fits, appended),
            ):
                code, run_dirs = run_main(name, ("--quick",), tmp_path_factory.mktemp(name))
            made[name] = QuickRun(code, run_dirs, out.getvalue(), err.getvalue(), fits, appended)
        return made[name]

    return run


@pytest.fixture
def real_keras_datasets():
    """Put the verified Keras dataset files of ../shared/datasets into the test cache.

    Skips (with the reason) where that folder does not exist; removes the files afterwards
    so that other tests see an empty cache again.
    """
    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"verified Keras datasets not found at {SHARED_DATASETS}")
    cache = keras_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    copied = []
    for source in sorted(SHARED_DATASETS.iterdir()):
        if source.suffix in (".npz", ".json") and not (cache / source.name).exists():
            shutil.copy(source, cache / source.name)
            copied.append(cache / source.name)
    yield cache
    for path in copied:
        path.unlink(missing_ok=True)


@pytest.fixture
def assert_complete_run():
    """A checker: the run directory holds the run record's files and no temporary files."""

    def check(run_dir: Path, *, plots: bool = True) -> None:
        expected = set(RUN_FILES) if plots else set(RUN_FILES) - {"curves.png"}
        present = {p.name for p in run_dir.iterdir()}
        assert expected <= present, f"{run_dir} lacks {sorted(expected - present)}"
        assert not [name for name in present if name.endswith(".tmp")], "temporary files left"

    return check
