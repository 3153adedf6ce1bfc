"""Run records: one directory per run, written atomically and never overwritten.

    runs/<recipe>/<YYYYmmdd-HHMMSS>[-tag]/
        config.json    recipe, arguments, seed, library versions, backend, device
        history.csv    per-epoch logs (epoch, loss, metrics, val_*)
        metrics.json   test metrics, best epoch, wall time, the book's figure
        curves.png     loss and the main metric, train vs validation

This module does not import Keras, so reading runs is fast.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

import numpy as np

TAG_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")  # at most 100 characters
RUN_FILES = ("config.json", "history.csv", "metrics.json", "curves.png")
STATUSES = ("complete", "interrupted", "failed")  # metrics.json "status"


class Run:
    """An open run directory. Use it as a context manager: a run that raises keeps what it
    finished, marked "interrupted" (Ctrl-C) or "failed" in metrics.json; only a failed run
    that finished nothing (its directory holds just config.json) is removed.

    Example:
        >>> with start_run("demo", {"seed": 0}, out="runs", tag="try") as run:
        ...     run.save_history({"loss": [0.9, 0.5], "val_loss": [1.0, 0.7]})
        ...     run.save_metrics({"test": {"loss": 0.71}})
    """

    def __init__(self, path: Path, recipe: str, *, resumed: bool = False):
        self.path = path
        self.recipe = recipe
        self.resumed = resumed
        self.started = time.perf_counter()

    def __enter__(self) -> Run:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None or isinstance(exc, RunFailedError):
            return  # finished, or finish() recorded the failure itself
        interrupted = issubclass(exc_type, KeyboardInterrupt)  # kept: --resume can go on
        nothing = {p.name for p in self.path.iterdir()} <= {"config.json"}
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
        path = self.path / "history.csv"
        if not path.is_file():
            return 0
        with path.open(newline="") as f:
            return max(0, sum(1 for row in csv.reader(f) if row) - 1)

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
        text = json.dumps(data, indent=2, default=_json_default, allow_nan=True) + "\n"
        return self._write(filename, lambda f: f.write(text.encode()), replace)

    def save_history(self, history: Mapping[str, Sequence[float]], filename: str = "history.csv"):
        """Write per-epoch logs (a Keras ``History.history`` dict) as CSV, epochs from 1."""
        return self._write(filename, lambda f: f.write(history_csv(history).encode()))

    def save_metrics(self, metrics: Mapping, *, replace: bool = False) -> Path:
        """Write metrics.json, adding the wall time so far."""
        data = {**metrics, "wall_time_s": round(self.elapsed(), 3)}
        return self.save_json("metrics.json", data, replace=replace)

    def save_figure(self, figure, filename: str = "curves.png") -> Path:
        """Save a matplotlib Figure as PNG into the run directory."""
        return self._write(filename, lambda f: figure.savefig(f, format="png", dpi=110))

    def _write(self, filename: str, write: Callable, replace: bool = False) -> Path:
        """Write a file of the run atomically: a new one, or (``replace``, or on a resumed
        run, which makes its files anew) in place of the old one."""
        path = self.path / filename
        if (replace or self.resumed) and path.exists():
            return atomic_replace(path, write)
        return atomic_write(path, write)


class RunFailedError(RuntimeError):
    """A run ended without its full record (NaN loss, an unwritable plot); what it finished
    is kept, and metrics.json says ``"status": "failed"`` and why."""


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
    stem = datetime.now().strftime("%Y%m%d-%H%M%S") + (f"-{tag}" if tag else "")
    for attempt in range(1, 1000):
        path = parent / (stem if attempt == 1 else f"{stem}-{attempt}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        run = Run(path, recipe)
        with run:
            run.save_json("config.json", {"recipe": recipe, **config})
        return run
    raise FileExistsError(f"could not create a new run directory under {parent}")


TEMPORARY = re.compile(r"^\..+\.(\d+)\.tmp$")  # what atomic_write leaves if it is killed


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove the hidden temporary files of writes that were killed mid-way (SIGKILL, power
    loss) from the run directories under `folder`: those whose process is gone."""
    removed = []
    for path in folder.glob("*/.*.tmp"):
        match = TEMPORARY.match(path.name)
        if match and not _process_alive(int(match.group(1))):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def history_csv(history: Mapping[str, Sequence[float]]) -> str:
    """Render per-epoch logs as CSV text: ``epoch`` first, then the logs' keys in order."""
    lengths = {len(values) for values in history.values()}
    if len(lengths) > 1:
        raise ValueError(f"history columns have different lengths {sorted(lengths)}")
    rows = lengths.pop() if lengths else 0
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["epoch", *history])
    for i in range(rows):
        writer.writerow([i + 1, *(format_number(history[key][i]) for key in history)])
    return buffer.getvalue()


def read_history(
    run_dir: str | os.PathLike, filename: str = "history.csv"
) -> dict[str, np.ndarray]:
    """Read a run's history.csv (or another per-epoch CSV of it) into ``{column: array}``,
    ``epoch`` included."""
    path = Path(run_dir) / filename
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: expected a run directory such as runs/digits/20261123-101500"
        )
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    if len(rows) < 2:
        raise ValueError(f"{path} has no epochs: the run finished none")
    header, columns = rows[0], {key: [] for key in rows[0]}
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise ValueError(
                f"{path}, row {number}: expected {len(header)} values ({','.join(header)}), "
                f"found {len(row)} (the file is truncated or edited)"
            )
        for key, cell in zip(header, row, strict=True):
            try:
                columns[key].append(float(cell))
            except ValueError:
                raise ValueError(
                    f"{path}, row {number}, column {key!r}: {cell!r} is not a number"
                ) from None
    return {key: np.array(values) for key, values in columns.items()}


def run_status(run_dir: str | os.PathLike) -> str:
    """How a run ended: its metrics.json ``status`` ("complete", "interrupted", "failed"),
    "complete" for a record written before runs had a status, or "partial" when it has no
    metrics.json (the process was killed)."""
    path = Path(run_dir) / "metrics.json"
    if not path.is_file():
        return "partial"
    try:
        return str(json.loads(path.read_text()).get("status", "complete"))
    except (OSError, ValueError):
        return "partial"


def atomic_write(path: Path, write: Callable) -> Path:
    """Write a new file through `write(binary_file)`: all or nothing, never overwriting.

    The bytes go to a hidden temporary file first, which is then linked into place (an
    atomic step that fails if `path` exists) and removed.
    """
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} already exists; run outputs are never overwritten")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:  # a filesystem without hard links
            if path.exists():
                raise FileExistsError(f"{path} already exists") from None
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def atomic_replace(path: Path, write: Callable) -> Path:
    """Replace `path` with a new file written through `write(binary_file)`, atomically.

    The new bytes are complete on disk before they take the old file's place, so a failed
    write leaves the old file as it was.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def format_number(value) -> str:
    """A history value as history.csv writes it: 8 significant digits."""
    return f"{float(value):.8g}"


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
