"""What a recipe script needs, behind one import: ``from keras_dl import recipe``.

A recipe reads like this::

    BOOK = recipe.BookFigure("test accuracy", 0.978, "MNIST", "ch. 2.1", band=(0.975, 1))

    @recipe.command
    def main(argv=None):
        args = recipe.parser(__doc__, epochs=5, batch_size=128).parse_args(argv)
        data = load_images("mnist", quick=args.quick, seed=args.seed)
        with recipe.start("mnist", args, dataset=data.name) as run:
            ...build, fit, evaluate...
            run.finish(history=history, metrics={"test": test},
                       result=run.result("test accuracy", test["accuracy"], BOOK))

`start` seeds everything from ``--seed`` and opens the run record; `RecipeRun.finish` writes
history.csv, curves.png and metrics.json and prints the closing line beside the book's.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import shutil
import signal
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

import keras
import numpy as np
from keras.callbacks import TerminateOnNaN

from keras_dl import event_logs, runtime
from keras_dl.book import ANY_DATASET, BookFigure, Comparison, Result, around
from keras_dl.curves import compare
from keras_dl.datasets import DatasetUnavailableError
from keras_dl.flags import QUICK_EPOCHS, QUICK_NOTE, parser, positive_float, positive_int
from keras_dl.plots import history_figure
from keras_dl.runs import (
    Run,
    RunFailedError,
    atomic_replace,
    atomic_write,
    format_number,
    read_history,
    start_run,
)

__all__ = [
    "ANY_DATASET",
    "QUICK_EPOCHS",
    "BookFigure",
    "Comparison",
    "RecipeRun",
    "Result",
    "around",
    "command",
    "overlay",
    "parser",
    "positive_float",
    "positive_int",
    "print_table",
    "start",
]


class EpochLog(keras.callbacks.Callback):
    """Append each finished epoch to the run's history.csv at once (flushed to disk), so that
    an interrupted or killed run keeps every epoch it finished.

    On a resumed run the earlier epochs are already in the file: the new ones continue it,
    and the `History` that ``fit`` returns is given the earlier epochs back at the end.
    """

    def __init__(self, path: Path):
        super().__init__()
        self.path = path
        self.earlier = read_history(path.parent) if path.is_file() else {}
        self.rows = len(self.earlier.get("epoch", ()))
        self.first_epoch: int | None = None

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Note where this fit starts (after `BackupAndRestore` has restored its epoch)."""
        if self.first_epoch is None:
            self.first_epoch = epoch

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Write the epoch's row (1-based), unless the file holds it already."""
        logs = logs or {}
        if epoch + 1 <= self.rows:
            return
        new_file = not self.path.is_file()
        with self.path.open("a", newline="") as f:
            if new_file:
                f.write(",".join(["epoch", *logs]) + "\n")
            f.write(",".join([str(epoch + 1), *(format_number(v) for v in logs.values())]) + "\n")
            f.flush()
            os.fsync(f.fileno())
        self.rows = epoch + 1

    def on_train_end(self, logs: dict | None = None) -> None:
        """Give a resumed fit's `History` the epochs finished before the interruption."""
        history = getattr(self.model, "history", None)
        if not self.earlier or not isinstance(history, keras.callbacks.History):
            return
        before = self.first_epoch or 0
        for key, values in history.history.items():
            earlier = [float(v) for v in self.earlier.get(key, [])[:before]]
            history.history[key] = earlier + list(values)
        history.epoch = list(range(before + len(history.epoch)))


class Backup(keras.callbacks.BackupAndRestore):
    """Keras' `BackupAndRestore`, which never leaves a half-written backup and skips a backup
    the disk has no room for.

    Each backup is written beside the last one and then replaces it in one step, so a Ctrl-C
    in the middle of writing keeps the previous backup intact (Keras writes in place, and an
    interrupted write leaves weights that cannot be loaded). Writing the HDF5 checkpoint onto
    a full disk can crash the process (h5py), which would cost the run what it finished;
    without the backup the run goes on, and only ``--resume`` past that epoch is lost (said
    once).
    """

    def _save_model(self) -> None:
        """Write the weights, then the epoch, each to a temporary file that then replaces
        the previous one (interrupted in between, a resume repeats at most one epoch)."""
        folder = Path(self.backup_dir)
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f"partial-{os.getpid()}.weights.h5"
        self.model.save_weights(filepath=str(partial), overwrite=True)
        os.replace(partial, self._weights_path)
        state = json.dumps({"epoch": self._current_epoch, "batch": self._last_batch_seen})
        metadata = Path(self._training_metadata_path)
        (atomic_replace if metadata.exists() else atomic_write)(
            metadata, lambda f: f.write(state.encode())
        )

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Back up the epoch if the disk has room for the weights and optimizer state."""
        variables = [*self.model.weights, *self.model.optimizer.variables]
        needed = sum(int(np.prod(v.shape)) * 8 for v in variables) + 2**20
        folder = Path(self.backup_dir)
        while not folder.exists():
            folder = folder.parent
        if shutil.disk_usage(folder).free >= needed:
            super().on_epoch_end(epoch, logs)
        elif not getattr(self, "warned", False):
            self.warned = True
            print(f"warning: no room on disk for the resume state after epoch {epoch + 1}")


class CtrlC(keras.callbacks.Callback):
    """Stop the fit at the next batch or epoch end once Ctrl-C was pressed during the run.

    Python raises `KeyboardInterrupt` wherever the main thread happens to be, and code that
    swallows it would make the run carry on as if nothing was pressed: NumPy's ``np.array``
    of a JAX array, which Keras calls for every batch's logs, sometimes does. `RecipeRun`
    remembers the press; this raises it again where nothing can swallow it.
    """

    async_safe = True  # it only reads a flag: Keras may keep dispatching batch ends in a thread

    def __init__(self, pressed: Callable[[], bool]):
        super().__init__()
        self.pressed = pressed

    def _check(self, *_args, **_kwargs) -> None:
        if self.pressed():
            raise KeyboardInterrupt

    on_train_batch_end = on_test_batch_end = on_predict_batch_end = on_epoch_end = _check


class RecipeRun(Run):
    """A run of a recipe: the run record plus the parsed flags and the dataset's name."""

    def __init__(
        self,
        path: Path,
        recipe: str,
        *,
        args: argparse.Namespace,
        dataset: str,
        resumed: bool = False,
        distribution: runtime.Distribution = runtime.SINGLE_DEVICE,
    ):
        super().__init__(path, recipe, resumed=resumed)
        self.args = args
        self.dataset = dataset
        self.distribution = distribution
        self._fits = 0
        self._scope = contextlib.ExitStack()
        self._tensorboard = not getattr(args, "no_tensorboard", False)
        self._logged_live = False  # history.csv's epochs went to TensorBoard as they finished
        self.ctrl_c_pressed = False

    def __enter__(self) -> RecipeRun:
        """Open the run inside its distribution's scope: the models built, compiled and
        fitted in the body train on every replica (``--distribute``); Ctrl-C is remembered
        until the run ends (see `CtrlC`)."""
        self._scope.enter_context(self.distribution.scope())
        default = signal.getsignal(signal.SIGINT) is signal.default_int_handler
        if default and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, self._on_ctrl_c)
            self._scope.callback(signal.signal, signal.SIGINT, signal.default_int_handler)
        return self

    def _on_ctrl_c(self, signum: int, frame) -> None:
        self.ctrl_c_pressed = True
        raise KeyboardInterrupt

    def callbacks(self) -> list[keras.callbacks.Callback]:
        """Callbacks for the run's ``fit``: pass ``callbacks=run.callbacks()``.

        The first fit of a run logs every finished epoch to history.csv (`EpochLog`); each
        fit keeps Keras' `BackupAndRestore` state in the run directory, so that ``--resume``
        continues it from its last finished epoch; `TerminateOnNaN` stops a diverging fit,
        and the run is then recorded as failed; `CtrlC` makes sure Ctrl-C stops it.
        """
        self._fits += 1
        backup = self.path / "backup" / f"fit-{self._fits}"
        callbacks = [] if self._fits > 1 else [EpochLog(self.path / "history.csv")]
        callbacks += [Backup(str(backup)), TerminateOnNaN(), CtrlC(lambda: self.ctrl_c_pressed)]
        if self._tensorboard:
            # Live TensorBoard logs: the first fit's (the one history.csv keeps) in
            # tensorboard/, any later fit's in tensorboard/fit-N.
            folder = self.path / event_logs.LOG_DIR
            live = event_logs.live_callback(
                folder / f"fit-{self._fits}" if self._fits > 1 else folder
            )
            if live is not None:
                callbacks.append(live)
                self._logged_live = self._logged_live or self._fits == 1
        return callbacks

    def __exit__(self, exc_type, exc, tb) -> None:
        self._scope.close()
        super().__exit__(exc_type, exc, tb)
        if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
            finished = self.epochs_finished()
            print(
                f"\ninterrupted: {self.path} keeps its {finished} finished epoch(s); resume with:"
                f"\n  python -m keras_dl run {self.recipe} --resume {self.path}",
                file=sys.stderr,
            )

    def result(self, metric: str, value: float | str, book: BookFigure | None = None, **kw):
        """A `Result` measured on this run's dataset (keywords: digits, holds, detail,
        comparisons)."""
        return Result(metric, value, self.dataset, book, **kw)

    def _write_event_logs(self, history: Mapping[str, Sequence[float]]) -> None:
        """TensorBoard logs of a history that no live callback logged (a note if none can be)."""
        reason = event_logs.missing()
        if reason:
            print(f"note: no TensorBoard logs: {reason}")
        else:
            event_logs.write_history(history, self.path / event_logs.LOG_DIR)

    def _figure(self, result: Result) -> dict:
        """A result's metrics.json form. A quick run's number is a smoke test: it says so,
        and is never judged against the book's (an identity, true on any data, still is)."""
        record = {**result.as_dict(), "quick": bool(self.args.quick)}
        if self.args.quick and not (result.book and result.book.dataset == ANY_DATASET):
            record["inside"] = record["verdict"] = None
        return record

    def finish(
        self,
        *,
        history=None,
        metrics: Mapping | None = None,
        result: Result | None = None,
        figures: Sequence[Result] = (),
        title: str = "",
    ) -> None:
        """Write history.csv, curves.png (unless --no-plots) and metrics.json; print the result.

        Args:
            history: a Keras ``History`` (what ``fit`` returns) or its ``.history`` dict;
                None when nothing was trained epoch by epoch.
            metrics: anything else worth keeping (test metrics, sizes, ...).
            result: the headline number beside the book's, printed last.
            figures: the recipe's other numbers beside the book's (best epoch, baseline, ...).
            title: the curves' title (default: the run's name).

        The best epoch (lowest val_loss) is added to the metrics when the history has one.
        """
        history = getattr(history, "history", history)
        metrics = dict(metrics or {})
        missing = []
        if history:
            if not (self.path / "history.csv").is_file():
                self.save_history(history)
            if self._tensorboard and not self._logged_live:
                self._write_event_logs(history)
            if not self.args.no_plots:
                figure = history_figure(history, title=title or self.name)
                try:
                    self.save_figure(figure)
                except OSError as err:
                    missing.append(f"curves.png ({err.strerror or err})")
            val_loss = history.get("val_loss")
            if val_loss is not None and len(val_loss) and not np.isnan(val_loss).all():
                best = int(np.nanargmin(val_loss))
                metrics.setdefault("best_epoch", best + 1)
                metrics.setdefault("best_val_loss", float(val_loss[best]))
        nan_epoch = _first_nan_epoch(history)
        if result is not None:
            metrics["result"] = self._figure(result)
        if figures:
            metrics["figures"] = [self._figure(figure) for figure in figures]
        problems = [f"the loss became NaN at epoch {nan_epoch}"] if nan_epoch else []
        problems += [f"could not write {name}" for name in missing]
        metrics["status"] = "failed" if problems else "complete"
        if problems:
            metrics["error"] = "; ".join(problems)
        self.save_metrics(metrics)
        if not problems:  # a complete run needs no state to resume from
            shutil.rmtree(self.path / "backup", ignore_errors=True)
        if problems:
            raise RunFailedError(f"{'; '.join(problems)}; {self.path} keeps what the run finished")
        if self.args.quick and result is not None and result.book is not None:
            print(f"--quick: {QUICK_NOTE}; not comparable with the book's figure")
        print(f"run directory: {self.path}")
        if result is not None:
            print(result.line())


def _first_nan_epoch(history) -> int | None:
    """The first (1-based) epoch whose training loss is NaN or infinite, if any."""
    loss = np.asarray((history or {}).get("loss", ()), dtype=float)
    bad = np.flatnonzero(~np.isfinite(loss))
    return int(bad[0]) + 1 if bad.size else None


def start(
    name: str,
    args: argparse.Namespace,
    *,
    dataset: str,
    variant: str = "",
    tensorflow_only: str = "",
) -> RecipeRun:
    """Configure the runtime, seed everything, print backend and device, open the run.

    `variant` names one of several runs of a recipe (it is added to the run's tag), so
    that each variant is a run of its own that `overlay` can compare. The run is a context
    manager: if its body raises, the run keeps what it finished, marked interrupted or failed.
    `tensorflow_only` is the reason a recipe needs TensorFlow (e.g. "it reproduces the
    book's tf.GradientTape loop"): on another backend the run is refused with it.
    """
    if tensorflow_only and runtime.backend() != "tensorflow":
        raise RunRefusedError(
            f"{name} needs the tensorflow backend ({tensorflow_only}); this is "
            f"{runtime.backend()}: run it with KERAS_BACKEND=tensorflow"
        )
    try:
        distribution = runtime.configure(
            mixed_precision=args.mixed_precision,
            xla=args.xla,
            distribute=args.distribute,
            cpu_devices=args.cpu_devices,
        )
    except ValueError as err:
        raise RunRefusedError(_as_flag(str(err))) from None
    runtime.seed_everything(args.seed)
    environment = runtime.describe()
    replicas = (
        f", {distribution.strategy} on {distribution.replicas} replicas" if args.distribute else ""
    )
    print(
        f"[{name}{' ' + variant if variant else ''}] backend {environment['backend']}, "
        f"{environment['device']}, dataset {dataset}{replicas}"
    )
    resumed = _resumed_run(name, args, variant)
    if resumed is not None:
        run = RecipeRun(
            resumed, name, args=args, dataset=dataset, resumed=True, distribution=distribution
        )
        print(f"resuming {resumed} from its epoch {run.epochs_finished()}")
        return run
    tag = "-".join(part for part in (args.tag, variant) if part) or None
    config = {
        "arguments": vars(args),
        "seed": args.seed,
        "dataset": dataset,
        "variant": variant or None,
        **environment,
        **distribution.as_dict(),
        "command": sys.argv,
    }
    record = start_run(name, config, out=args.out, tag=tag)
    return RecipeRun(record.path, name, args=args, dataset=dataset, distribution=distribution)


def _as_flag(message: str) -> str:
    """The runtime's "cpu_devices=3: ..." as the flag a user typed: "--cpu-devices 3: ..."."""
    setting, _, reason = message.partition(": ")
    key, _, value = setting.partition("=")
    flag = "--" + key.replace("_", "-") + ("" if value == "True" else f" {value}")
    return f"{flag}: {reason}"


def _resumed_run(name: str, args: argparse.Namespace, variant: str) -> Path | None:
    """The run directory ``--resume`` names, when this is the run it made; refuse what cannot
    be resumed (another recipe's run, a complete one)."""
    resume = getattr(args, "resume", None)
    if not resume:
        return None
    path = Path(resume)
    config = json.loads((path / "config.json").read_text())
    if config.get("recipe") != name:
        raise RunRefusedError(
            f"--resume {resume}: a run of the recipe {config.get('recipe')!r}, not {name!r}; "
            f"resume it with: python -m keras_dl run {config.get('recipe')} --resume {resume}"
        )
    if (config.get("variant") or "") != variant:
        return None  # another run of a recipe that makes several: made anew
    metrics = path / "metrics.json"
    if metrics.is_file() and json.loads(metrics.read_text()).get("status", "complete") == (
        "complete"
    ):
        raise RunRefusedError(f"--resume {resume}: the run is complete; there is nothing to resume")
    return path


def overlay(runs: Sequence[RecipeRun], *, metric: str = "val_loss", label: str = "") -> list[dict]:
    """Overlay `metric` across a recipe's variant runs with `keras_dl.curves.compare`.

    Writes ``<out>/<recipe>/compare-<YYYYmmdd-HHMMSS>[-tag][-label]-<metric>.png`` and its
    CSV table (only the table is printed with --no-plots) and returns the table's rows.
    """
    args, recipe = runs[0].args, runs[0].recipe
    out = None
    if not args.no_plots:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        suffix = "".join(f"-{part}" for part in (args.tag, label) if part)
        out = Path(args.out) / recipe / f"compare-{stamp}{suffix}-{metric}.png"
        attempt = 2
        while out.exists() or out.with_suffix(".csv").exists():
            out = out.with_name(f"compare-{stamp}{suffix}-{metric}-{attempt}.png")
            attempt += 1
    return compare([run.path for run in runs], metric, 0.0, out)


def print_table(rows: Sequence[Mapping[str, object]], *, title: str = "") -> None:
    """Print rows (dicts with the same keys) as an aligned table, e.g. one line per variant.

    Floats print with 4 decimals, or in scientific notation below 0.001.

    Example:
        >>> print_table([{"variant": "l2", "best epoch": 5, "val_loss": 0.3612}])
        variant  best epoch  val_loss
        l2                5    0.3612
    """
    if not rows:
        return
    cells = [[_cell(value) for value in row.values()] for row in rows]
    header = [str(key) for key in rows[0]]
    widths = [max(len(text) for text in column) for column in zip(header, *cells, strict=True)]
    numeric = [not isinstance(value, str) for value in rows[0].values()]

    def line(texts: Sequence[str]) -> str:
        parts = zip(texts, widths, numeric, strict=True)
        return "  ".join(t.rjust(w) if n else t.ljust(w) for t, w, n in parts).rstrip()

    if title:
        print(f"\n{title}")
    print(line(header))
    for texts in cells:
        print(line(texts))


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2e}" if value and abs(value) < 1e-3 else f"{value:.4f}"
    return "-" if value is None else str(value)


class RunRefusedError(ValueError):
    """``--resume`` names a run that cannot be continued."""


def command(main: Callable[[list[str] | None], int | None]) -> Callable[..., int]:
    """Wrap a recipe's ``main(argv)``: a missing dataset, a failed run or a refused resume
    prints one ``error:`` line and returns 2; Ctrl-C returns 130 without a traceback."""

    @functools.wraps(main)
    def wrapper(argv: list[str] | None = None) -> int:
        try:
            return main(argv) or 0
        except (DatasetUnavailableError, RunFailedError, RunRefusedError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            return 130  # the run said what it kept and how to resume it

    return wrapper
