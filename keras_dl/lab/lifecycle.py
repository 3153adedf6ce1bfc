"""The life of a recipe's run: `start` opens it (seeded, configured, new or resumed),
`RecipeRun.fit` trains through the run's safety net, `RecipeRun.finish` writes what the run
found, and `overlay` compares several runs and records the claims about them."""

from __future__ import annotations

import argparse
import contextlib
import shlex
import shutil
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import keras
import numpy as np
from keras.callbacks import TerminateOnNaN

from keras_dl import runtime
from keras_dl.lab import context, inline
from keras_dl.lab.callbacks import Backup, CtrlC, EpochLog, LiveTensorBoard
from keras_dl.lab.flags import DEFAULT_EDITION, QUICK_NOTE
from keras_dl.lab.invocation import RunRefusedError
from keras_dl.lab.resume import resumed_run
from keras_dl.records import tensorboard as event_logs
from keras_dl.records.book import ANY_DATASET, BookFigure, Result, ordinal
from keras_dl.records.files import TAG_PATTERN
from keras_dl.records.plots import history_figure, signed
from keras_dl.records.read import (
    FITS,
    HISTORY,
    epochs_logged,
    read_history,
)
from keras_dl.records.run import (
    EpochWriter,
    Run,
    RunBusyError,
    RunFailedError,
    deferred_interrupts,
    start_run,
)


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
        self.ctrl_c_pressed = False
        self._fits = 0
        self._history_taken = False  # history.csv belongs to the first unnamed fit or loop
        self._logged_live = False  # history.csv's epochs went to TensorBoard as they finished
        self._loops: list[EpochWriter] = []
        self._live: list[LiveTensorBoard] = []
        self._named: set[str] = set()  # each fit's epoch log, and resume state, is its own
        self._scope = contextlib.ExitStack()
        self._tensorboard = not getattr(args, "no_tensorboard", False)

    def __enter__(self) -> RecipeRun:
        """Open the run inside its distribution's scope: the models built, compiled and
        fitted in the body train on every replica (``--distribute``); Ctrl-C is remembered
        until the run ends (see `CtrlC`)."""
        self._scope.enter_context(self.distribution.scope())
        previous = signal.getsignal(signal.SIGINT)
        # Python's handler, or the command line's (which remembers a press the same way).
        ours = previous is signal.default_int_handler or hasattr(previous, "stop_if_pressed")
        if ours and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, self._on_ctrl_c)
            self._scope.callback(signal.signal, signal.SIGINT, previous)
        return self

    def open(self) -> RecipeRun:
        """Enter the run without a ``with`` block, for a notebook whose steps are cells of
        their own (``run = recipe.start(...).open()``, then `close` after `finish`)."""
        return self.__enter__()

    def close(self) -> None:
        """Leave a run opened with `open`: the ``with`` block's end, after `finish`."""
        self.__exit__(None, None, None)

    def _on_ctrl_c(self, signum: int, frame) -> None:
        self.ctrl_c_pressed = True
        raise KeyboardInterrupt

    def _stop_if_pressed(self) -> None:
        if self.ctrl_c_pressed:
            raise KeyboardInterrupt

    def __exit__(self, exc_type, exc, tb) -> None:
        with deferred_interrupts():
            self._close(exc_type, exc, tb)

    def _close(self, exc_type, exc, tb) -> None:
        self._scope.close()
        for loop in self._loops:
            loop.close()
        super().__exit__(exc_type, exc, tb)
        if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
            exc.said = True  # the command line says no more
            print(
                f"\ninterrupted: {self.path} keeps its {self.epochs_finished()} finished "
                f"epoch(s); resume with:\n  python -m keras_dl run {shlex.quote(self.recipe)} "
                f"--resume {shlex.quote(str(self.path))}",
                file=sys.stderr,
            )

    def fit(self, model: keras.Model, *args, log: str | None = None, callbacks=(), **kwargs):
        """``model.fit(*args, **kwargs)`` through the run's safety net; returns its History.

        Each finished epoch is written at once to the run's epoch log: history.csv for the
        run's first fit (or loop) without a `log` name, fits/fit-<N>.csv for a later one
        (the run's N-th), fits/<log>.csv for a named one (``log="fold-1"``); Keras'
        `BackupAndRestore` state lets ``--resume`` continue the fit from its last finished
        epoch; a NaN loss stops it (the run is then recorded as failed); Ctrl-C stops it at
        the next batch. `callbacks` are the fit's own, called before the run's.
        """
        return model.fit(*args, callbacks=[*callbacks, *self.callbacks(log)], **kwargs)

    def callbacks(self, log: str | None = None, *, each_fit: bool = False) -> list:
        """The safety net of `fit`, for a fit the recipe does not make itself.

        ``each_fit=True`` gives callbacks that may serve many fits, and copies of them too
        (a scikit-learn estimator's ``callbacks=`` inside GridSearchCV): each fit logs its
        epochs to the next free fits/<log>-<n>.csv, with no resume state.
        """
        if each_fit:
            return [EpochLog.each_fit(self.path / FITS, log or "fit"), *self._guards()]
        self._fits += 1
        path, key = self._log_path(log)
        callbacks = [EpochLog(path), Backup(str(self.path / "backup" / key)), *self._guards()]
        if self._tensorboard and path.name == HISTORY:  # the run's own curves, live
            live = LiveTensorBoard.where_possible(self.path / event_logs.LOG_DIR)
            if live is not None:
                callbacks.append(live)
                self._live.append(live)
                self._logged_live = True
        return callbacks

    def _guards(self) -> list:
        return [TerminateOnNaN(), CtrlC(lambda: self.ctrl_c_pressed)]

    def epoch_log(self, log: str | None = None) -> EpochWriter:
        """The epoch log of a training loop of the recipe's own (a GradientTape loop, NumPy
        updates): call ``.append(logs)`` after each epoch, with the epoch's numbers by name.
        Named as for `fit`; Ctrl-C stops the loop once the epoch is on disk."""
        self._fits += 1
        writer = EpochWriter(self._log_path(log)[0], after=self._stop_if_pressed)
        self._loops.append(writer)
        return writer

    def _log_path(self, log: str | None) -> tuple[Path, str]:
        """The CSV of the next fit's epochs, and the key of its resume state."""
        if log is not None:
            if not TAG_PATTERN.match(log):
                raise ValueError(f"log={log!r}: expected letters, digits, '.', '_' or '-'")
            if log in self._named:
                raise ValueError(f"log={log!r}: another fit of this run has that name already")
            self._named.add(log)
            return self.path / FITS / f"{log}.csv", log
        key = f"fit-{self._fits}"
        if not self._history_taken:
            self._history_taken = True
            return self.path / HISTORY, key
        return self.path / FITS / f"{key}.csv", key

    def save_figure(self, figure, filename: str = "curves.png") -> Path:
        """Save a figure into the run, signed with the run's name (and "--quick")."""
        signed(figure, f"{self.recipe}/{self.path.name}", quick=bool(self.args.quick))
        path = super().save_figure(figure, filename)
        inline.show(path)
        return path

    def result(self, metric: str, value: float | str, book: BookFigure | None = None, **kw):
        """A `Result` measured on this run's dataset (keywords: digits, holds, detail,
        comparisons); under ``--quick`` a smoke run's, unless `book` is an exact identity."""
        kw.setdefault("smoke", bool(self.args.quick) and not _identity(book))
        return Result(metric, value, self.dataset, book, **kw)

    def figure_record(self, result: Result) -> dict:
        """A result's metrics.json form. A quick run's number is a smoke test: it says so,
        and is never judged against a published figure (an identity, exact on any data,
        still is)."""
        record = {**result.as_dict(), "quick": bool(self.args.quick)}
        if result.smoke or (self.args.quick and not _identity(result.book)):
            record["inside"] = record["verdict"] = None
            record["not_judged"] = f"--quick: {QUICK_NOTE}"
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
        """Write history.csv and metrics.json, print the result, then write what is only to
        look at: curves.png (unless --no-plots) and the TensorBoard logs.

        Args:
            history: a Keras ``History`` (what ``fit`` returns) or its ``.history`` dict;
                None when nothing was trained epoch by epoch.
            metrics: anything else worth keeping (test metrics, sizes, ...).
            result: the headline number beside the book's, printed last.
            figures: the recipe's other numbers beside the book's (best epoch, baseline, ...).
            title: the curves' title (default: the run's name).

        The best epoch (lowest val_loss) is added to the metrics when the history has one.
        What the run found is on disk and printed before anything optional is written, so
        that a full disk or a kill at the end costs only the pictures.
        """
        history = getattr(history, "history", history) or {}
        metrics = dict(metrics or {})
        for key, value in _best_val_loss(history).items():
            metrics.setdefault(key, value)  # a recipe's own reading of it comes first
        if history and not (self.path / HISTORY).is_file():
            self.save_history(history)
        nan_epoch = _first_nan_epoch(history)
        problems = [f"the loss became NaN at epoch {nan_epoch}"] if nan_epoch else []
        if result is not None:
            metrics["result"] = self.figure_record(result)
        if figures:
            metrics["figures"] = [self.figure_record(figure) for figure in figures]
        self.save_metrics(_with_status(metrics, problems))
        if not problems:
            self._announce(result)
        problems += self._pictures(history, title)
        if problems:
            with contextlib.suppress(OSError):  # a full disk: the first record stays
                self.save_metrics(_with_status(metrics, problems), replace=True)
            raise RunFailedError(f"{'; '.join(problems)}; {self.path} keeps what the run finished")
        shutil.rmtree(self.path / "backup", ignore_errors=True)  # nothing left to resume

    def _pictures(self, history: Mapping, title: str) -> list[str]:
        """Write curves.png and the TensorBoard logs no live callback wrote (the run's
        history, each other fit's epochs); returns what could not be written."""
        problems = []
        if self._tensorboard:
            problems += self._write_event_logs(history)
        if history and not self.args.no_plots:
            try:
                self.save_figure(history_figure(history, title=title or self.name))
            except OSError as err:
                problems.append(f"could not write curves.png ({err.strerror or err})")
        return problems

    def _write_event_logs(self, history: Mapping) -> list[str]:
        folder = self.path / event_logs.LOG_DIR
        failed = [callback.failed for callback in self._live if callback.failed]
        if not history and (self.path / HISTORY).is_file():  # a recipe's own save_history
            history = read_history(self.path)
        logs = {folder: history} if history and not self._logged_live else {}
        for fit in sorted((self.path / FITS).glob("*.csv")):
            if epochs_logged(fit) and not (folder / fit.stem).exists():
                logs[folder / fit.stem] = read_history(fit.parent, fit.name)
        try:
            for log_dir, epochs in logs.items():
                event_logs.write_history({k: v for k, v in epochs.items() if k != "epoch"}, log_dir)
        except OSError as err:
            failed.append(f"{err.filename or folder}: {err.strerror or err}")
        return [f"could not write the TensorBoard logs ({failed[0]})"] if failed else []

    def _announce(self, result: Result | None) -> None:
        if self._tensorboard and (reason := event_logs.missing()):
            print(f"note: no TensorBoard logs: {reason}")
        print(f"run directory: {self.path}")
        if result is not None:
            print(result.line())


def _identity(book: BookFigure | None) -> bool:
    """Whether `book` is an exact identity, true on any data (judged even under --quick)."""
    return book is not None and book.exact and book.dataset == ANY_DATASET


def _with_status(metrics: dict, problems: Sequence[str]) -> dict:
    """The metrics with the run's status: "complete", or "failed" and why."""
    if not problems:
        return {**metrics, "status": "complete"}
    return {**metrics, "status": "failed", "error": "; ".join(problems)}


def _best_val_loss(history: Mapping) -> dict:
    """The best epoch (1-based) and its val_loss, when the history has any."""
    val_loss = history.get("val_loss")
    if val_loss is None or not len(val_loss) or np.isnan(val_loss).all():
        return {}
    best = int(np.nanargmin(val_loss))
    return {"best_epoch": best + 1, "best_val_loss": float(val_loss[best])}


def _first_nan_epoch(history: Mapping) -> int | None:
    """The first (1-based) epoch whose training loss is NaN or infinite, if any."""
    loss = np.asarray(history.get("loss", ()), dtype=float)
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
    edition = getattr(args, "edition", None)
    print(
        f"[{name}{' ' + variant if variant else ''}] backend {environment['backend']}, "
        f"{environment['device']}, dataset {dataset}{replicas}"
        + (f", the book's {ordinal(edition)} edition" if edition else "")
    )
    resumed = resumed_run(name, args, variant)
    if resumed is not None:
        run = RecipeRun(
            resumed, name, args=args, dataset=dataset, resumed=True, distribution=distribution
        )
        try:
            run.hold()
        except RunBusyError as err:
            raise RunRefusedError(f"--resume {resumed}: {err}") from None
        print(f"resuming {resumed}: {run.epochs_finished()} epoch(s) of it on disk")
    else:
        # A run of another edition than the default is named so: reuters/<time>-ed3.
        other_edition = edition not in (None, DEFAULT_EDITION)
        parts = (args.tag, variant, f"ed{edition}" if other_edition else "")
        tag = "-".join(part for part in parts if part) or None
        config = {
            "arguments": vars(args),
            "seed": args.seed,
            "dataset": dataset,
            "variant": variant or None,
            **({"edition": edition} if edition else {}),
            **environment,
            **distribution.as_dict(),
            "command": context.command_line(),
        }
        record = start_run(name, config, out=args.out, tag=tag)
        run = RecipeRun(record.path, name, args=args, dataset=dataset, distribution=distribution)
        run.hold()
    context.opened(run.path)
    return run


def _as_flag(message: str) -> str:
    """The runtime's "cpu_devices=3: ..." as the flag a user typed: "--cpu-devices 3: ..."."""
    setting, _, reason = message.partition(": ")
    key, _, value = setting.partition("=")
    flag = "--" + key.replace("_", "-") + ("" if value == "True" else f" {value}")
    return f"{flag}: {reason}"
