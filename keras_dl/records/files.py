"""Writing run files: all or nothing, never over what someone else made.

Every file of a run is written to a hidden temporary file first and then linked or moved
into place in one step, so a reader never sees half a file and a killed process leaves
at most a temporary file (removed by the next run in that folder). New run and group
directories are created exclusively: two runs started in the same second get ``-2``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

import numpy as np

TAG_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")  # at most 100 characters
TEMPORARY = re.compile(r"^\..+\.(\d+)\.keras-dl\.tmp$")  # what a killed atomic write leaves


def new_directory(parent: str | os.PathLike, stem: str) -> Path:
    """Create ``parent/stem`` exclusively, or ``stem-2``, ``stem-3``... if it is taken.

    Example:
        >>> first, second = new_directory("runs/demo", "x"), new_directory("runs/demo", "x")
        >>> first.name, second.name
        ('x', 'x-2')
    """
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    for name in _names(stem):
        try:
            (parent / name).mkdir()
        except FileExistsError:
            continue
        return parent / name
    raise FileExistsError(f"could not create a new directory {stem!r} under {parent}")


def unused_name(parent: str | os.PathLike, stem: str, suffixes: Sequence[str]) -> Path:
    """``parent/stem``, or ``stem-2``... the first name that no file takes with any of
    `suffixes` (returned with the first): for files made together later, each written by
    `atomic_write`, which never overwrites."""
    parent = Path(parent)
    for name in _names(stem):
        if not any((parent / (name + suffix)).exists() for suffix in suffixes):
            return parent / (name + suffixes[0])
    raise FileExistsError(f"no free name {stem!r} under {parent}")


def new_numbered_file(folder: str | os.PathLike, stem: str, suffix: str) -> Path:
    """Create the empty file ``folder/stem-1<suffix>`` exclusively, or ``stem-2``... the
    first number free (one for each of many fits, whoever makes them)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(1, 100_000):
        path = folder / f"{stem}-{number}{suffix}"
        try:
            path.open("x").close()
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free file name {stem!r}-N{suffix} under {folder}")


def _names(stem: str):
    yield stem
    yield from (f"{stem}-{attempt}" for attempt in range(2, 1000))


def stamp() -> str:
    """The time now as a directory name: ``YYYYmmdd-HHMMSS``."""
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def atomic_write(path: str | os.PathLike, write: Callable) -> Path:
    """Write a new file through `write(binary_file)`: all or nothing, never overwriting.

    The bytes go to a hidden temporary file first, which is then linked into place (an
    atomic step that fails if `path` exists, a link included) and removed.

    Example:
        >>> atomic_write("note.txt", lambda f: f.write(b"hello")).read_text()
        'hello'
    """
    path = Path(path)
    if path.exists() or path.is_symlink():
        raise FileExistsError(f"{path} already exists; run outputs are never overwritten")
    tmp = temporary(path)
    try:
        _write_synced(tmp, write, path)
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:  # a filesystem without hard links
            if path.exists() or path.is_symlink():
                raise FileExistsError(f"{path} already exists") from None
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def atomic_replace(path: str | os.PathLike, write: Callable) -> Path:
    """Replace `path` with a new file written through `write(binary_file)`, atomically.

    The new bytes are complete on disk before they take the old file's place (a link is
    replaced, never followed), so a failed write leaves the old file as it was.
    """
    path = Path(path)
    tmp = temporary(path)
    try:
        _write_synced(tmp, write, path)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def temporary(path: Path) -> Path:
    """The hidden temporary file beside `path` that this process writes first, by a name
    no one else makes (`remove_stale_temporaries` removes only these)."""
    return path.with_name(f".{path.name}.{os.getpid()}.keras-dl.tmp")


def _write_synced(tmp: Path, write: Callable, path: Path) -> None:
    """Write `tmp` as a new file (never through a link left at its name) and sync it; an
    error names `path`, the file being written."""
    tmp.unlink(missing_ok=True)  # a temporary this process id left before
    try:
        with tmp.open("xb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
    except OSError as err:
        if err.filename is None and err.strerror:
            raise OSError(err.errno, err.strerror, str(path)) from None
        raise


def write_json(path: str | os.PathLike, data: Mapping, *, replace: bool = False) -> Path:
    """Write `data` as indented JSON, atomically: a new file, or with ``replace=True`` in
    place of the one there (a record this program keeps up to date)."""
    text = (json.dumps(data, indent=2, default=json_default, allow_nan=True) + "\n").encode()
    path = Path(path)
    write = atomic_replace if replace and path.exists() else atomic_write
    return write(path, lambda f: f.write(text))


def json_default(value):
    """JSON for what `json` cannot write itself: NumPy numbers and arrays, paths."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def history_csv(history: Mapping[str, Sequence[float]]) -> str:
    """Render per-epoch logs (a Keras ``History.history`` dict) as CSV text: ``epoch``
    (from 1) first, then the logs' keys in order.

    Example:
        >>> print(history_csv({"loss": [0.5, 0.25]}), end="")
        epoch,loss
        1,0.5
        2,0.25
    """
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


def format_number(value) -> str:
    """A history value as history.csv writes it: 8 significant digits.

    Example:
        >>> format_number(0.123456789), format_number(2)
        ('0.12345679', '2')
    """
    return f"{float(value):.8g}"


def remove_stale_temporaries(folder: str | os.PathLike) -> list[Path]:
    """Remove the hidden temporary files of writes that were killed mid-way (SIGKILL, power
    loss) from the run directories under `folder`: only temporaries by the name keras-dl
    makes (`temporary`), only in run directories, only those whose process is gone."""
    removed = []
    for path in Path(folder).glob("*/.*.keras-dl.tmp"):
        match = TEMPORARY.match(path.name)
        if (
            match
            and (path.parent / "config.json").is_file()
            and not _process_alive(int(match.group(1)))
        ):
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
