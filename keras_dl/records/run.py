"""A run directory being written: `start_run` makes it, `Run` fills it, `EpochWriter` appends
each finished epoch the moment it ends (see `keras_dl.records` for the files)."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

try:
    import fcntl  # POSIX: a run directory's lock
except ImportError:  # Windows: runs are not locked
    fcntl = None

from keras_dl.records.files import (
    TAG_PATTERN,
    atomic_replace,
    atomic_write,
    format_number,
    history_csv,
    new_directory,
    remove_stale_temporaries,
    stamp,
    write_json,
)
from keras_dl.records.read import (
    CONFIG,
    HISTORY,
    METRICS,
    epochs_logged,
    log_columns,
    read_metrics,
    torn_tail,
)


class Run:
    """An open run directory. Use it as a context manager: a run that raises keeps what it
    finished, marked "interrupted" (Ctrl-C) or "failed" in metrics.json; only a failed run
    that finished nothing (its directory holds just config.json) is removed.

    Example:
        >>> with start_run("demo", {"seed": 0}, out="runs", tag="try") as run:
        ...     _ = run.save_history({"loss": [0.9, 0.5], "val_loss": [1.0, 0.7]})
        ...     _ = run.save_metrics({"test": {"loss": 0.71}})
        >>> sorted(path.name for path in run.path.iterdir())
        ['config.json', 'history.csv', 'metrics.json']
    """

    def __init__(self, path: Path, recipe: str, *, resumed: bool = False):
        self.path = Path(path)
        self.recipe = recipe
        self.resumed = resumed
        self.started = time.perf_counter()
        self._lock: int | None = None

    def hold(self) -> None:
        """Make the run directory this process's to write until the run ends (an exclusive
        lock on it): a second process writing the same run, a second resume say, is
        refused with `RunBusyError`."""
        if fcntl is None:
            return
        descriptor = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(descriptor)
            raise RunBusyError(
                f"{self.path} is being written by another process (a run belongs to one "
                "process at a time): wait for it to end, or stop it"
            ) from None
        self._lock = descriptor

    def __enter__(self) -> Run:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        with deferred_interrupts():  # a second Ctrl-C waits until the record is written
            try:
                self._record_end(exc_type, exc)
            finally:
                if self._lock is not None:
                    os.close(self._lock)  # lets go of the lock
                    self._lock = None

    def _record_end(self, exc_type, exc) -> None:
        if exc_type is None or isinstance(exc, RunFailedError):
            return  # finished, or finish() recorded the failure itself
        interrupted = issubclass(exc_type, KeyboardInterrupt)  # kept: --resume can go on
        nothing = {p.name for p in self.path.iterdir()} <= {CONFIG}
        if nothing and not interrupted and not self.resumed:
            shutil.rmtree(self.path, ignore_errors=True)
            return
        status = "interrupted" if interrupted else "failed"
        reason = f"{exc_type.__name__}: {exc}" if str(exc) else exc_type.__name__
        record = {"status": status, "error": reason, "epochs_finished": self.epochs_finished()}
        with contextlib.suppress(OSError):  # a full disk: what is on it stays, unmarked
            self.save_metrics(record, replace=True)

    def epochs_finished(self) -> int:
        """How many epochs history.csv holds (0 when there is none yet)."""
        return epochs_logged(self.path / HISTORY)

    @property
    def name(self) -> str:
        """``<recipe>/<run>``, how the run is labelled in comparisons."""
        return f"{self.recipe}/{self.path.name}"

    def elapsed(self) -> float:
        """Seconds since the run started."""
        return time.perf_counter() - self.started

    def save_json(self, filename: str, data: Mapping, *, replace: bool = False) -> Path:
        """Write `data` as JSON into the run directory, atomically; an existing file is
        replaced only with ``replace=True`` (a run's status, a resumed run's record)."""
        return write_json(self.path / filename, data, replace=replace or self.resumed)

    def save_history(self, history: Mapping[str, Sequence[float]], filename: str = HISTORY):
        """Write per-epoch logs (a Keras ``History.history`` dict) as CSV, epochs from 1."""
        return self._write(filename, lambda f: f.write(history_csv(history).encode()))

    def save_metrics(self, metrics: Mapping, *, replace: bool = False) -> Path:
        """Write metrics.json, adding the wall time so far."""
        data = {**metrics, "wall_time_s": round(self.elapsed(), 3)}
        return self.save_json(METRICS, data, replace=replace)

    def add_claims(self, claims: Sequence[Mapping]) -> Path:
        """Add claims across runs (`keras_dl.records.book.Result.as_dict` records, each with
        the ``runs`` it is about) to this finished run's metrics.json."""
        metrics = read_metrics(self.path)
        metrics["claims"] = [*metrics.get("claims", []), *claims]
        return write_json(self.path / METRICS, metrics, replace=True)

    def save_figure(self, figure, filename: str = "curves.png") -> Path:
        """Save a matplotlib Figure as PNG into the run directory."""
        return self._write(filename, lambda f: figure.savefig(f, format="png", dpi=110))

    def _write(self, filename: str, write: Callable) -> Path:
        """Write a file of the run atomically: a new one, or (on a resumed run, which makes
        its files anew) in place of the old one."""
        path = self.path / filename
        if self.resumed and path.exists():
            return atomic_replace(path, write)
        return atomic_write(path, write)


@contextlib.contextmanager
def deferred_interrupts():
    """Hold Ctrl-C (SIGINT) back while the body writes a record, and deliver it after, so
    that a record is never left half-said (in the main thread, where Python handles it)."""
    main = threading.current_thread() is threading.main_thread()
    if not main or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


class RunFailedError(RuntimeError):
    """A run ended without its full record (NaN loss, an unwritable plot); what it finished
    is kept, and metrics.json says ``"status": "failed"`` and why."""


class RunBusyError(RuntimeError):
    """Another process is writing the run (see `Run.hold`)."""


def start_run(
    recipe: str, config: Mapping, *, out: str | os.PathLike = "runs", tag: str | None = None
) -> Run:
    """Create ``<out>/<recipe>/<YYYYmmdd-HHMMSS>[-tag]/`` and write its config.json.

    The directory is created exclusively: if the name is taken (two runs in one second),
    ``-2``, ``-3``... is appended, so an existing run is never overwritten.
    """
    if tag is not None and not TAG_PATTERN.match(tag):
        raise ValueError(
            f"tag={tag!r}: expected up to 100 letters, digits, '.', '_' or '-' (starting with "
            "a letter or digit), e.g. --tag lr-0.01"
        )
    parent = Path(out) / recipe
    parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(parent)
    run = Run(new_directory(parent, stamp() + (f"-{tag}" if tag else "")), recipe)
    with run:
        run.save_json(CONFIG, {"recipe": recipe, **config})
    return run


class EpochWriter:
    """Append the epochs of one fit, or one training loop, to a CSV as each one ends.

    Every row is written whole, in one write, and flushed at once, so a killed process
    keeps every epoch it finished; the file is synced to disk at most once a second (and
    by `close`), so a loop of thousands of tiny epochs does not wait on the disk. A resumed
    fit continues the file: the epochs it holds already are not written again, and a last
    row a killed write cut off is dropped first (and said so). The file is never written
    through a link: a run writes its own files only.

    Example:
        >>> log = EpochWriter(Path("history.csv"))
        >>> log.append({"loss": 0.5}); log.append({"loss": 0.25}); log.close()
        >>> print(Path("history.csv").read_text(), end="")
        epoch,loss
        1,0.5
        2,0.25
    """

    SYNC_SECONDS = 1.0

    def __init__(self, path: Path, *, after: Callable[[], None] | None = None):
        """`after` is called once each new row is on disk (e.g. to stop on Ctrl-C)."""
        self.path = Path(path)
        if self.path.is_symlink():
            raise RunFailedError(f"{self.path} is a link: a run writes its own files only")
        _drop_torn_tail(self.path)
        self.rows = epochs_logged(self.path)
        self.columns: list[str] | None = log_columns(self.path) if _has_header(path) else None
        self.after = after
        self._synced = time.monotonic()

    def append(self, logs: Mapping[str, float], epoch: int | None = None) -> None:
        """Write `epoch` (1-based; default: the next one) unless the file holds it."""
        epoch = self.rows + 1 if epoch is None else epoch
        if epoch <= self.rows:
            return
        text = io.StringIO()
        if self.columns is None:
            self.columns = list(logs)
            text.write(",".join(["epoch", *self.columns]) + "\n")
        if set(logs) != set(self.columns):
            raise ValueError(
                f"{self.path}: epoch {epoch} logs {sorted(logs)}, expected {self.columns}"
            )
        values = (format_number(logs[key]) for key in self.columns)
        text.write(",".join([str(epoch), *values]) + "\n")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # O_NOFOLLOW: a link put in the file's place is refused, never written through.
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
            descriptor = os.open(self.path, flags, 0o644)
            try:
                os.write(descriptor, text.getvalue().encode())
                if time.monotonic() - self._synced >= self.SYNC_SECONDS:
                    os.fsync(descriptor)
                    self._synced = time.monotonic()
            finally:
                os.close(descriptor)
        except OSError as err:
            raise OSError(err.errno, err.strerror, str(self.path)) from None
        self.rows = epoch
        if self.after is not None:
            self.after()

    def close(self) -> None:
        """Sync what was written to disk."""
        if self.path.is_file() and not self.path.is_symlink():
            with self.path.open("rb") as f:
                os.fsync(f.fileno())


def _drop_torn_tail(path: Path) -> None:
    """Cut a last row that a killed write left without its line end (said on stderr), so
    that the next epoch starts a line of its own."""
    torn = torn_tail(path)
    if torn:
        whole = path.read_bytes()[: -len(torn.encode())]
        atomic_replace(path, lambda f: f.write(whole))
        print(
            f"note: {path}: dropped its last row, {torn!r}, cut off by a killed write; "
            f"the epochs before it are kept",
            file=sys.stderr,
        )


def _has_header(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0
