"""Compare validation curves across runs.

This module does not import Keras or TensorFlow, so `python -m keras_dl compare` starts
fast.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from keras_dl.plots import overlay_figure
from keras_dl.runs import atomic_replace, atomic_write, read_history

MAXIMIZED = ("acc", "auc", "precision", "recall", "f1", "r2")
TABLE_COLUMNS = ("run", "best_epoch", "best_value", "last_value", "nan_epochs", "status")
PNG_SIGNATURE = "keras-dl compare"  # written into the PNG's metadata: how compare knows its own


def metric_mode(metric: str) -> str:
    """Return "max" for accuracy-like metrics and "min" for losses and errors.

    Example:
        >>> metric_mode("val_accuracy"), metric_mode("val_mae")
        ('max', 'min')
    """
    name = metric.lower()
    return "max" if any(word in name for word in MAXIMIZED) else "min"


def smooth_curve(values: Sequence[float], smooth: float = 0.0) -> np.ndarray:
    """Exponential moving average: ``s[t] = smooth * s[t-1] + (1 - smooth) * v[t]``.

    ``smooth=0`` returns the values unchanged; the book smooths Boston MAE with 0.9. A NaN
    epoch stays NaN and is skipped: the average goes on from the last finite value.

    Example:
        >>> smooth_curve([1.0, 0.0, 0.0], smooth=0.5).tolist()
        [1.0, 0.5, 0.25]
    """
    if not 0.0 <= smooth < 1.0:
        raise ValueError(f"smooth={smooth!r}: expected a factor in [0, 1), e.g. 0.9")
    values = np.asarray(values, dtype=float)
    out = values.copy()
    last = np.nan
    for t in range(len(out)):
        if np.isnan(values[t]):
            continue
        out[t] = values[t] if np.isnan(last) else smooth * last + (1.0 - smooth) * values[t]
        last = out[t]
    return out


def best_epoch(values: Sequence[float], metric: str) -> tuple[int, float]:
    """Return the 1-based epoch and value of the best point (min or max by `metric_mode`).

    Example:
        >>> best_epoch([0.9, 0.4, 0.6], "val_loss")
        (2, 0.4)
    """
    values = np.asarray(values, dtype=float)
    if np.isnan(values).all():
        raise ValueError(f"{metric} has no finite value in any of its {len(values)} epochs")
    index = int(np.nanargmax(values) if metric_mode(metric) == "max" else np.nanargmin(values))
    return index + 1, float(values[index])


def compare(
    run_dirs: Sequence[str | os.PathLike],
    metric: str = "val_loss",
    smooth: float = 0.0,
    out: str | os.PathLike | None = "compare.png",
    *,
    overwrite: bool = False,
) -> list[dict]:
    """Overlay `metric` across runs, mark each run's best epoch, and summarize.

    Writes the overlay to `out` and the summary table (run, best_epoch, best_value,
    last_value, nan_epochs, status) beside it as CSV (same name, ``.csv``), prints the table
    and returns its rows. Best and last values are read from the plotted (smoothed) curve;
    NaN epochs are skipped and counted. A run that did not finish (interrupted, failed, or
    killed before writing metrics.json) is compared on the epochs it finished, and its
    status says so.

    Args:
        run_dirs: run directories (each holding a history.csv).
        metric: a history column, e.g. "val_loss", "val_accuracy", "val_mae".
        smooth: exponential smoothing factor in [0, 1) applied before plotting.
        out: the PNG to write; None prints the table and writes nothing.
        overwrite: replace an `out` PNG and CSV that an earlier `compare` wrote (never
            another file, and never inside a run directory).

    Example:
        >>> rows = compare(["runs/digits/20261123-101500", "runs/digits/20261123-101620"],
        ...                metric="val_accuracy", out="digits.png")
    """
    if not run_dirs:
        raise ValueError("run_dirs is empty: pass at least one run directory")
    if not 0.0 <= smooth < 1.0:
        raise ValueError(f"smooth={smooth!r}: expected a factor in [0, 1), e.g. 0.9")
    if out is not None and Path(out).suffix.lower() != ".png":
        raise ValueError(f"out={str(out)!r}: expected a .png file name")
    curves, best, rows = {}, {}, []
    for run_dir in run_dirs:
        label = _run_label(Path(run_dir))
        history = read_history(run_dir)
        if metric not in history:
            available = ", ".join(k for k in history if k != "epoch")
            raise ValueError(
                f"metric={metric!r} is not in {run_dir}/history.csv (has: {available})"
            )
        if label in curves:
            raise ValueError(f"run_dirs lists {run_dir} twice")
        values = smooth_curve(history[metric], smooth)
        try:
            curves[label], best[label] = values, best_epoch(values, metric)
        except ValueError as err:
            raise ValueError(f"{run_dir}: {err}") from None
        finite = values[~np.isnan(values)]
        rows.append(
            {
                "run": label,
                "best_epoch": best[label][0],
                "best_value": round(best[label][1], 6),
                "last_value": round(float(finite[-1]), 6),
                "nan_epochs": int(np.isnan(values).sum()),
                "status": run_status(run_dir),
            }
        )

    table = _table_csv(rows)
    print(table, end="")
    if out is not None:
        title = f"{metric}" + (f", smoothed {smooth}" if smooth else "") + " (star: best epoch)"
        _write_outputs(
            Path(out), table, overlay_figure(curves, best, metric=metric, title=title), overwrite
        )
    return rows


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


def _write_outputs(out: Path, table: str, figure, overwrite: bool) -> None:
    table_path = out.with_suffix(".csv")
    for parent in (out.parent, *out.parent.parents):
        if (parent / "config.json").is_file():
            raise ValueError(
                f"out={str(out)!r} is inside the run directory {parent}: compare never writes "
                "into a run; choose another --out"
            )
    for path in (out, table_path):
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path} exists: choose another --out, or pass --overwrite")
        if path.exists() and not _written_by_compare(path):
            raise FileExistsError(
                f"{path} exists and was not written by compare: it is never replaced; "
                "choose another --out"
            )
    out.parent.mkdir(parents=True, exist_ok=True)

    def write_png(f) -> None:
        figure.savefig(f, format="png", dpi=110, metadata={"Software": PNG_SIGNATURE})

    def write_csv(f) -> None:
        f.write(table.encode())

    for path, write in ((out, write_png), (table_path, write_csv)):
        # The new file is complete before it replaces the old one, in one atomic step.
        (atomic_replace if path.exists() else atomic_write)(path, write)
    print(f"wrote {out} and {table_path}")


def _written_by_compare(path: Path) -> bool:
    """Whether `path` is a PNG or CSV that compare wrote (its signature or its header)."""
    try:
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    if path.suffix.lower() == ".png":
        return PNG_SIGNATURE.encode() in head
    return head.split(b"\n", 1)[0].decode(errors="replace") == ",".join(TABLE_COLUMNS)


def _run_label(run_dir: Path) -> str:
    run_dir = run_dir.resolve()
    return f"{run_dir.parent.name}/{run_dir.name}"


def _table_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(TABLE_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
