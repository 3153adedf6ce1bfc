"""The one way to read run records: a run's config, metrics, history and status, and a
group's member runs. Every other module reads run files through here.

Example:
    >>> from keras_dl.records.run import start_run
    >>> with start_run("demo", {"seed": 0}) as run:
    ...     _ = run.save_history({"loss": [0.9, 0.5], "val_loss": [1.0, 0.7]})
    ...     _ = run.save_metrics({"status": "complete"})
    >>> read_history(run.path)["val_loss"].tolist(), run_status(run.path)
    ([1.0, 0.7], 'complete')
"""

from __future__ import annotations

import csv
import json
import os
import stat
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CONFIG, METRICS, HISTORY, CURVES = "config.json", "metrics.json", "history.csv", "curves.png"
RUN_FILES = (CONFIG, HISTORY, METRICS, CURVES)
FITS = "fits"  # the run's other fits' epochs, fits/fit-2.csv, ...
STATUSES = ("complete", "interrupted", "failed")  # metrics.json "status"
# A group's kind -> (its record file, the key of its member list).
GROUP_RECORDS = {"reproduce": ("group.json", "members"), "sweep": ("sweep.json", "points")}
_RAISE = object()


class RecordError(ValueError):
    """A run file that cannot be read: missing, not JSON, or not what it should hold."""


class RecordMissingError(RecordError, FileNotFoundError):
    """A run file that is not there."""


MAX_BYTES = 64 * 2**20  # larger than any run file keras-dl writes


def read_text(path: str | os.PathLike) -> str:
    """A run file's text: from a regular file only (a FIFO or a device would hang the
    reader), at most `MAX_BYTES`, UTF-8; a `RecordError` naming the file otherwise."""
    path = Path(path)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise RecordMissingError(f"{path}: not found") from None
    except OSError as err:
        raise RecordError(f"{path}: cannot be read ({err.strerror})") from None
    with os.fdopen(descriptor, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise RecordError(f"{path}: not a regular file; expected a file a run wrote")
        if info.st_size > MAX_BYTES:
            raise RecordError(
                f"{path}: {info.st_size} bytes; expected a run file of at most {MAX_BYTES}"
            )
        data = f.read(MAX_BYTES + 1)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RecordError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None


def read_json(path: str | os.PathLike, default=_RAISE) -> dict:
    """A JSON object from `path`; `default` (if given) when the file is missing, unreadable
    or holds no JSON object, else a `RecordError` saying which."""
    path = Path(path)
    try:
        data = json.loads(read_text(path))
    except RecordError as err:
        problem = err
    except ValueError as err:  # JSON's own errors, and numbers too long to read
        problem = RecordError(f"{path}: not readable JSON ({str(err)[:200]})")
    else:
        if isinstance(data, dict):
            return data
        problem = RecordError(f"{path}: expected a JSON object, found {type(data).__name__}")
    if default is not _RAISE:
        return default
    raise problem


def read_config(run_dir: str | os.PathLike, default=_RAISE) -> dict:
    """A run's config.json: recipe, arguments, seed, dataset, variant, environment."""
    return read_json(Path(run_dir) / CONFIG, default)


def read_metrics(run_dir: str | os.PathLike, default=_RAISE) -> dict:
    """A run's metrics.json: its numbers, status, result, figures and claims."""
    return read_json(Path(run_dir) / METRICS, default)


def is_run(path: str | os.PathLike) -> bool:
    """Whether `path` is a run directory (it holds a config.json)."""
    return (Path(path) / CONFIG).is_file()


def read_history(run_dir: str | os.PathLike, filename: str = HISTORY) -> dict[str, np.ndarray]:
    """A run's history.csv (or another per-epoch CSV of it) as ``{column: array}``,
    ``epoch`` included.

    A last row without its line end was cut off by a killed write: it is left out, and
    said so on stderr (the epochs before it are whole).
    """
    path = Path(run_dir) / filename
    try:
        lines, torn = _lines(path)
    except RecordMissingError:
        raise RecordMissingError(
            f"{path} not found: expected a run directory such as runs/digits/20261123-101500"
        ) from None
    if torn:
        print(
            f"note: {path}: left out its last row, {torn!r}, cut off by a killed write",
            file=sys.stderr,
        )
    rows = list(csv.reader(lines))
    if len(rows) < 2:
        raise RecordError(f"{path} has no epochs: the run finished none")
    header, columns = rows[0], {key: [] for key in rows[0]}
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise RecordError(
                f"{path}, row {number}: expected {len(header)} values ({','.join(header)}), "
                f"found {len(row)} (the file is truncated or edited)"
            )
        for key, cell in zip(header, row, strict=True):
            try:
                columns[key].append(float(cell))
            except ValueError:
                raise RecordError(
                    f"{path}, row {number}, column {key!r}: {cell[:40]!r} is not a number"
                ) from None
    return {key: np.array(values) for key, values in columns.items()}


def _lines(path: Path) -> tuple[list[str], str]:
    """The whole lines of a per-epoch CSV, and the torn last one ("" if none)."""
    text = read_text(path)
    lines = text.splitlines(keepends=True)
    torn = lines.pop() if lines and not lines[-1].endswith("\n") else ""
    return [line for line in lines if line.strip()], torn


def epochs_logged(path: str | os.PathLike) -> int:
    """How many whole epochs a per-epoch CSV holds (0 when there is none yet)."""
    try:
        lines, _ = _lines(Path(path))
    except RecordMissingError:
        return 0
    return max(0, len(lines) - 1)


def torn_tail(path: str | os.PathLike) -> str:
    """The last row of a per-epoch CSV if a killed write cut it off, else ""."""
    try:
        return _lines(Path(path))[1]
    except RecordMissingError:
        return ""


def log_columns(path: str | os.PathLike) -> list[str]:
    """The columns of a per-epoch CSV after ``epoch`` (its metrics, in the file's order)."""
    lines, _ = _lines(Path(path))
    return next(csv.reader(lines[:1]), ["epoch"])[1:]


def run_status(run_dir: str | os.PathLike) -> str:
    """How a run ended: its metrics.json ``status`` ("complete", "interrupted", "failed"),
    "complete" for a record written before runs had a status, or "partial" when it has no
    readable metrics.json (the process was killed)."""
    metrics = read_metrics(run_dir, default=None)
    return "partial" if metrics is None else str(metrics.get("status", "complete"))


def run_figures(metrics: dict) -> list[dict]:
    """A run's figure records: its ``result`` first, then its other ``figures``."""
    return ([metrics["result"]] if metrics.get("result") else []) + list(
        metrics.get("figures") or []
    )


def run_claims(metrics: dict) -> list[dict]:
    """The claims across several runs that this run's metrics.json carries (the recipe's
    overlay puts them in the last run they are about)."""
    return list(metrics.get("claims") or [])


def runs_in(folder: str | os.PathLike) -> list[Path]:
    """The run directories in `folder` (one recipe's), newest first."""
    folder = Path(folder)
    runs = [p for p in folder.iterdir() if p.is_dir() and is_run(p)] if folder.is_dir() else []
    return sorted(runs, key=lambda p: ((p / CONFIG).stat().st_mtime_ns, p.name), reverse=True)


@dataclass(frozen=True)
class GroupRecord:
    """A group of runs on disk: a reproduction over seeds or a sweep over a grid.

    Attributes:
        path: the group's directory, ``<out>/<recipe>/<kind>-<stamp>``.
        kind: "reproduce" or "sweep".
        data: its record (group.json or sweep.json) as written.
    """

    path: Path
    kind: str
    data: dict

    @property
    def record_file(self) -> Path:
        """The record's file, group.json or sweep.json."""
        return self.path / GROUP_RECORDS[self.kind][0]

    @property
    def members(self) -> list[dict]:
        """The member records, one per seed or grid point, in the order they ran."""
        return list(self.data.get(GROUP_RECORDS[self.kind][1]) or [])

    def runs(self, members: Iterable[dict] | None = None) -> list[Path]:
        """The run directories of the members (of `members`, default all), in order."""
        out = self.path.parent.parent  # member runs are named relative to the out folder
        chosen = self.members if members is None else members
        return [out / run for member in chosen for run in member.get("runs", [])]


def read_group(path: str | os.PathLike) -> GroupRecord | None:
    """The group whose directory is `path`, or None when `path` holds no group record; a
    `RecordError` when its record is not one (unreadable, or its members not a list of
    records with their runs as lists of folder names)."""
    path = Path(path)
    if is_run(path):
        return None
    for kind, (name, key) in GROUP_RECORDS.items():
        if (path / name).exists():
            data = read_json(path / name)
            members = data.get(key, [])
            if not isinstance(members, list) or not all(_member(m) for m in members):
                raise RecordError(
                    f"{path / name}: {key!r}: expected a list of records, each with its runs "
                    f"as a list of folder names. Received: {str(members)[:80]}"
                )
            return GroupRecord(path, kind, data)
    return None


def _member(member) -> bool:
    runs = member.get("runs", []) if isinstance(member, dict) else None
    return isinstance(runs, list) and all(isinstance(run, str) for run in runs)


def groups_in(folder: str | os.PathLike) -> list[GroupRecord]:
    """The groups of runs in `folder` (one recipe's), newest first; a group whose record
    cannot be read is said in one line on stderr and left out."""
    folder = Path(folder)
    found = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        try:
            group = read_group(path) if path.is_dir() else None
        except RecordError as err:
            print(f"note: skipped {err}", file=sys.stderr)
            continue
        if group is not None:
            found.append(group)
    return sorted(found, key=lambda g: g.path.name, reverse=True)


def expand_groups(paths: Sequence[str | os.PathLike]) -> list[Path]:
    """The run directories, with each group directory replaced by its member runs."""
    expanded: list[Path] = []
    for path in map(Path, paths):
        group = read_group(path)
        expanded += group.runs() if group else [path]
    return expanded
