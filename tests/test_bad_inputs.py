"""Every bad input a user can give, and every way a run can be cut short, walked through the
library and the CLI: one clear error each (a ValueError naming the argument, the value and
what was expected; from the CLI one `error:` line and exit status 2), and nothing lost."""

import contextlib
import io
import json
import os
import resource
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

import keras
import numpy as np
import pytest
import scipy.sparse

from keras_dl import build_dense_model, infer_task, kfold, output_head, train_val_test_split

X = np.random.default_rng(0).normal(size=(40, 3))
Y = np.arange(40) % 2

LIBRARY_CASES = [
    (build_dense_model, (None, "binary"), {}, ["input_shape=None", "positive int"]),
    (build_dense_model, (3, "binary"), {"hidden_units": None}, ["hidden_units=None", "integer"]),
    (build_dense_model, (3, "binary"), {"hidden_units": 64}, ["hidden_units=64", "(64,)"]),
    (build_dense_model, (3, "binary"), {"dropout": "0.2"}, ["dropout='0.2'", "expected a number"]),
    (build_dense_model, (3, "binary"), {"l2": float("inf")}, ["l2=inf", "finite"]),
    (
        build_dense_model,
        (3, "binary"),
        {"learning_rate": float("inf")},
        ["learning_rate=inf", "finite number above 0"],
    ),
    (
        build_dense_model,
        (3, "multiclass"),
        {"num_classes": 2.5},
        ["num_classes=2.5", "expected an integer"],
    ),
    (output_head, ("regression",), {"num_classes": 3}, ["num_classes=3", "regression"]),
    (infer_task, ([0, 10**9],), {}, ["non-contiguous", "did you mean regression", "float"]),
    (infer_task, ([0, 2, 5],), {}, ["missing [1, 3, 4]"]),
    (
        train_val_test_split,
        (np.where(X > 2, np.nan, X), Y),
        {},
        ["X contains", "NaN or infinite", "allow_nan=True"],
    ),
    (train_val_test_split, (X, Y), {"seed": -1}, ["seed=-1", "0..4294967295"]),
    (train_val_test_split, (X, Y), {"test_size": "0.2"}, ["test_size='0.2'", "fraction"]),
    (lambda *a, **k: list(kfold(*a, **k)), (X, Y), {"seed": 2**40}, ["seed=1099511627776"]),
    (lambda *a, **k: list(kfold(*a, **k)), (X, Y), {"seed": "1"}, ["seed='1'"]),
    (
        train_val_test_split,
        (np.array([[1, 2], [3]] * 10, dtype=object), np.arange(20) % 2),
        {},
        ["dtype object", "multi_hot"],
    ),
]


@pytest.mark.parametrize(("function", "args", "kwargs", "words"), LIBRARY_CASES)
def test_library_inputs_raise_one_clear_value_error(function, args, kwargs, words):
    with pytest.raises(ValueError) as err:
        function(*args, **kwargs)
    message = str(err.value)
    assert "\n" not in message
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


def test_what_is_right_is_accepted():
    split = train_val_test_split(X, Y, val_size=np.float32(0.2), test_size=np.float64(0.2))
    assert split.sizes == {"train": 24, "val": 8, "test": 8}
    allowed = train_val_test_split(np.where(X > 2, np.nan, X), Y, allow_nan=True)
    assert np.isnan(np.concatenate([allowed.train[0], allowed.val[0], allowed.test[0]])).any()
    model = build_dense_model(
        (3,), "binary", dropout=np.float32(0.2), learning_rate=np.float64(0.01)
    )
    assert model.output_shape == (None, 1)


def test_sparse_rows_split_and_fold_and_stay_sparse():
    rows = scipy.sparse.random(60, 500, density=0.02, format="csr", random_state=0)
    labels = np.arange(60) % 3
    split = train_val_test_split(rows, labels, seed=1, standardize=True)
    assert scipy.sparse.issparse(split.train[0]) and split.train[0].shape == (42, 500)
    assert sorted([*split.train_index, *split.val_index, *split.test_index]) == list(range(60))
    dense = train_val_test_split(rows.toarray(), labels, seed=1)
    np.testing.assert_array_equal(split.test_index, dense.test_index)
    folds = list(kfold(rows, labels, k=3, seed=2))
    assert all(scipy.sparse.issparse(train[0]) for train, _ in folds)
    assert sum(val[0].shape[0] for _, val in folds) == 60


def test_large_labels_are_checked_in_little_memory():
    """infer_task and the auto-stratified split on unix-timestamp targets, under 1 GiB."""
    code = """
import resource, numpy as np
resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))
from keras_dl.tasks import infer_task
from keras_dl.splits import train_val_test_split
try:
    infer_task([0, 10**9])
except ValueError as err:
    print("refused:", "did you mean regression" in str(err))
y = 1_700_000_000 + np.arange(1000) * 86_400
split = train_val_test_split(np.zeros((1000, 2)), y, seed=0)
print("split:", split.stratified, split.sizes["train"])
"""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    assert hard == resource.RLIM_INFINITY or hard >= 2**30
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["refused: True", "split: False 700"]


def cli(*args: str, env=None, cwd=None) -> subprocess.CompletedProcess:
    """``python -m keras_dl ...`` as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "keras_dl", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=cwd,
    )


def cli_here(*args: str) -> subprocess.CompletedProcess:
    """``python -m keras_dl ...`` in this process (no interpreter and TensorFlow to start:
    seconds less each): keras_dl.cli.main with its output captured, argparse's exit and any
    escaping exception (as the traceback a user would see) turned into what a process shows."""
    from keras_dl.lab import cli as command_line

    out, err, saved = io.StringIO(), io.StringIO(), sys.argv
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = command_line.main(list(args))
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 2
        except Exception:
            traceback.print_exc()
            code = 1
        finally:
            sys.argv = saved
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def assert_one_error_line(done: subprocess.CompletedProcess, *words: str) -> None:
    """Exit status 2, and stderr ends on one ``error: ...`` line naming the words."""
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(("error: ", "usage: ")) or "error: " in last, last
    for word in words:
        assert word in done.stderr, f"{word!r} not in {done.stderr[-500:]!r}"


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["run", "activations", "--seed", "-1"], ["--seed", "0..4294967295"]),
        (["run", "activations", "--seed", str(2**40)], ["--seed", "0..4294967295"]),
        (["run", "activations", "--tag", "x" * 300], ["--tag", "up to 100"]),
        (["run", "activations", "--out", "{file}"], ["/file", "Not a directory"]),
        (["run", "activations", "--out", "{file}/sub"], ["/file", "Not a directory"]),
        (["run", "activations", "--out", "/proc/keras-dl"], ["/proc/keras-dl"]),
        (["compare", "{truncated}"], ["history.csv, row 3", "expected 3 values"]),
        (["compare", "{nonnumeric}"], ["row 2, column 'val_loss'", "'abc' is not a number"]),
        (["compare", "{truncated}", "--out", "{file}.png", "--smooth", "2"], ["smooth=2.0"]),
    ],
)
def test_the_cli_answers_bad_input_with_one_error_line(argv, words, tmp_path):
    (tmp_path / "file").write_text("a user's file\n")
    for name, text in (
        ("truncated", "epoch,loss,val_loss\n1,0.9,1.0\n2,0.5\n3,0.4,0.3\n"),
        ("nonnumeric", "epoch,loss,val_loss\n1,0.9,abc\n"),
    ):
        (tmp_path / name).mkdir()
        (tmp_path / name / "history.csv").write_text(text)
    argv = [
        a.format(file=tmp_path / "file", **{n: tmp_path / n for n in ("truncated", "nonnumeric")})
        for a in argv
    ]
    assert_one_error_line(cli_here(*argv), *words)
    assert (tmp_path / "file").read_text() == "a user's file\n"


def test_a_broken_recipe_is_listed_as_broken_and_the_rest_still_run(tmp_path):

    copy = tmp_path / "recipes"
    (copy / "notes").mkdir(parents=True)
    (copy / "notes" / "broken.py").write_text('"""A recipe with a slip"""\n\ndef main(:\n')
    env = {**os.environ, "KERAS_DL_RECIPES": str(copy)}
    listed = cli("list", env=env)
    assert listed.returncode == 0, listed.stderr
    broken = next(line for line in listed.stdout.splitlines() if "broken" in line.split()[0])
    assert "BROKEN: " in broken and "line 3" in broken
    assert any(line.split()[0] == "gates" for line in listed.stdout.splitlines() if line.strip())
    assert_one_error_line(cli("run", "broken", env=env), "cannot be loaded", "line 3")


# Runs are never lost: Ctrl-C, SIGKILL, a full disk, a diverging loss.


def start_digits(out, *extra: str, command: str = "run") -> subprocess.Popen:
    """``python -m keras_dl run digits`` (or `command`) in its own process, as a user starts it."""

    return subprocess.Popen(
        [sys.executable, "-m", "keras_dl", command, "digits", "--out", str(out), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        # A terminal delivers Ctrl-C; a test runner started in the background ignores SIGINT,
        # and its children would inherit that: give the run the terminal's default back.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def wait_for_epochs(out, count: int, process: subprocess.Popen, timeout: float = 180) -> Path:
    """The run directory, once its history.csv holds `count` finished epochs."""

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for history in Path(out).glob("digits/*/history.csv"):
            if len(history.read_text().splitlines()) > count:
                return history.parent
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError(f"no {count} epochs within {timeout} s")


def test_ctrl_c_keeps_the_finished_epochs_and_resume_goes_on_to_the_end(tmp_path):

    # Long enough to be interrupted on every backend (JAX trains digits' epochs fastest).
    epochs, batch = ("100", "16") if keras.backend.backend() == "jax" else ("40", "128")
    process = start_digits(tmp_path, "--epochs", epochs, "--batch-size", batch, "--no-plots")
    run_dir = wait_for_epochs(tmp_path, 2, process)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130 and "Traceback" not in err
    command = f"python -m keras_dl run digits --resume {run_dir}"
    assert err.strip().splitlines()[-1].strip() == command
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["status"] == "interrupted"
    kept = (run_dir / "history.csv").read_text().splitlines()
    assert metrics["epochs_finished"] == len(kept) - 1 >= 2

    # The resume and its refusals in this process (the interruption above is a real one).
    refused = cli_here("run", "digits", "--resume", str(run_dir), "--epochs", "3")
    assert_one_error_line(refused, f"made with --epochs {epochs}, not 3")
    done = cli_here("run", "digits", "--resume", str(run_dir))
    assert done.returncode == 0, done.stderr[-2000:]
    lines = (run_dir / "history.csv").read_text().splitlines()
    assert lines[: len(kept)] == kept  # the old epochs, untouched...
    assert [int(line.split(",")[0]) for line in lines[1:]] == list(range(1, int(epochs) + 1))
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["status"] == "complete" and not (run_dir / "backup").exists()
    assert_one_error_line(
        cli_here("run", "digits", "--resume", str(run_dir)), "the run is complete"
    )
    assert_one_error_line(cli_here("run", "gates", "--resume", str(run_dir)), "recipe 'digits'")
    # mnist is digits --dataset mnist: the same recipe, on other data than this run's
    assert_one_error_line(
        cli_here("run", "mnist", "--resume", str(run_dir)), "made with --dataset digits, not mnist"
    )


def test_ctrl_c_stops_a_reproduction_and_keeps_its_record(tmp_path):

    # Far more epochs than the test waits for: the signal comes at epoch 2 of seed 0 however
    # fast the backend (JAX finished all 3 seeds of 40 epochs before the signal once, in CI).
    process = start_digits(tmp_path, "--seeds", "3", "--epochs", "1000", command="reproduce")
    run_dir = wait_for_epochs(tmp_path, 2, process)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130 and "Traceback" not in err
    (group,) = (tmp_path / "digits").glob("reproduce-*")
    said = err.strip().splitlines()
    assert said[-2].startswith("interrupted: ") and said[-1].endswith(f"reproduce --resume {group}")
    record = json.loads((group / "group.json").read_text())
    assert record["status"] == "interrupted"
    assert [(m["seed"], m["exit"]) for m in record["members"]] == [(0, 130)]
    assert record["members"][0]["runs"] == [f"digits/{run_dir.name}"]  # the other seeds never ran
    assert json.loads((run_dir / "metrics.json").read_text())["status"] == "interrupted"


def test_sigkill_mid_run_leaves_a_partial_run_that_compare_reads(tmp_path):

    process = start_digits(tmp_path, "--epochs", "1000", "--no-plots")  # killed at epoch 3
    run_dir = wait_for_epochs(tmp_path, 3, process)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    assert not [p for p in run_dir.iterdir() if p.name.endswith(".tmp")]
    done = cli("compare", str(run_dir), "--out", str(tmp_path / "partial.png"))
    assert done.returncode == 0, done.stderr[-2000:]
    row = done.stdout.splitlines()[1].split(",")
    assert row[-1] == "partial" and int(row[1]) >= 1


@pytest.fixture
def full_disk(tmp_path):
    """A 512 KiB tmpfs filled to all but about 24 KiB (skipped where mount is not allowed)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here to fill: {done.stderr.strip()}")
    try:
        free = os.statvfs(mount_point).f_bavail * os.statvfs(mount_point).f_frsize
        (mount_point / "filler").write_bytes(b"x" * (free - 24 * 1024))
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)


def test_a_full_disk_while_plotting_keeps_the_history_and_says_what_is_missing(full_disk):

    done = cli("run", "digits", "--quick", "--out", str(full_disk / "runs"))
    assert_one_error_line(done, "could not write curves.png", "No space left on device")
    (run_dir,) = (full_disk / "runs" / "digits").iterdir()
    files = sorted(p.name for p in run_dir.iterdir())
    # No .tmp, no half PNG (the TensorBoard folder holds what its writer managed to write).
    assert files == ["config.json", "history.csv", "metrics.json", "tensorboard"]
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["status"] == "failed" and "curves.png" in metrics["error"]
    assert metrics["result"]["value"] > 0.5  # the numbers were kept


def test_a_diverging_loss_stops_training_and_fails_the_run(tmp_path, capsys):

    from keras_dl import recipe
    from keras_dl.records.run import RunFailedError

    args = recipe.parser("Title", epochs=5, batch_size=8).parse_args(["--out", str(tmp_path)])
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 3)).astype("float32"), rng.normal(size=64).astype("float32") * 1e4
    failed = pytest.raises(RunFailedError, match="the loss became NaN at epoch 1")
    with failed, recipe.start("demo", args, dataset="generated") as run:
        model = build_dense_model(3, "regression", optimizer="sgd", learning_rate=1e6)
        history = model.fit(x, y, epochs=5, callbacks=run.callbacks(), verbose=0)
        run.finish(history=history)
    assert len(history.history["loss"]) == 1  # TerminateOnNaN stopped it at once
    metrics = json.loads((run.path / "metrics.json").read_text())
    assert metrics["status"] == "failed" and "NaN at epoch 1" in metrics["error"]
    assert (run.path / "history.csv").is_file()
