"""``compare``: overlay a metric's curves across runs, mark each best epoch, summarize.

Runs whose config.json differs only in the seed (the members of a `reproduce` group, or
runs made by hand with --seed) form a seed group: one mean curve, a shaded band (min-max,
or mean +- std), a star at the mean curve's best epoch, and one table row per group. With
exactly two groups the table adds the difference of their best values with a 95% Welch
interval: is A really better than B? Runs that are each alone are drawn and tabled run by
run: a single run is a group of one.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from keras_dl.records.curves import (
    BANDS,
    GroupCurve,
    best_epoch,
    group_curve,
    metric_mode,
    smooth_curve,
)
from keras_dl.records.files import atomic_replace, atomic_write
from keras_dl.records.labels import folder_label, run_labels, seed_groups
from keras_dl.records.plots import curves_figure
from keras_dl.records.read import expand_groups, is_run, read_history, run_status
from keras_dl.records.spread import summarize, welch

RUN_COLUMNS = ("run", "best_epoch", "best_value", "last_value", "nan_epochs", "status")
GROUP_COLUMNS = (
    "group", "n", "best_epoch_mean", "best_epoch_min", "best_epoch_max", "best_value_mean",
    "best_value_std", "last_value_mean", "ci_low", "ci_high", "excludes_zero",
)  # fmt: skip
BEST_WORD = {"min": "lowest", "max": "highest"}
PNG_SIGNATURE = "keras-dl compare"  # written into the PNG's metadata: how compare knows its own


@dataclass(frozen=True)
class RunCurve:
    """One run's (smoothed) curve of the metric and its best epoch."""

    run_dir: Path
    values: np.ndarray
    best: tuple[int, float]

    @property
    def last(self) -> float:
        """The last finite value."""
        return float(self.values[~np.isnan(self.values)][-1])


def compare(
    run_dirs: Sequence[str | os.PathLike],
    metric: str = "val_loss",
    smooth: float = 0.0,
    out: str | os.PathLike | None = "compare.png",
    *,
    overwrite: bool = False,
    group: bool = True,
    band: str = "range",
    log: bool | None = None,
    mode: str | None = None,
) -> list[dict]:
    """Overlay `metric` across runs, mark each run's (or group's) best epoch, and summarize.

    Runs that differ only in their seed are drawn as one seed group (see the module's
    docstring) unless ``group=False``. A group directory (`reproduce`, `sweep`) stands for
    its member runs. Writes the figure to `out` and the table beside it as CSV (same name,
    ``.csv``), prints the table and returns its rows: one per run (`RUN_COLUMNS`) when no
    two runs share a group, else one per group (`GROUP_COLUMNS`). Best and last values
    are read from the plotted (smoothed) curve; NaN epochs are skipped and counted. A run
    that did not finish is compared on the epochs it finished, and its status says so.

    Args:
        run_dirs: run directories (each holding a history.csv) or group directories (one
            such directory may be given alone); a run given twice counts once.
        metric: a history column, e.g. "val_loss", "val_accuracy", "val_mae".
        smooth: exponential smoothing factor in [0, 1) applied before plotting.
        out: the PNG to write; None prints the table and writes nothing.
        overwrite: replace an `out` PNG and CSV that an earlier `compare` wrote (never
            another file, and never inside a run directory).
        group: draw runs that differ only in their seed as one group (False: every run).
        band: a group's shaded band: "range" (min to max over its runs) or "std"
            (mean +- sample std).
        log: a log-scale y axis; None: when the plotted values span more than two decades.
        mode: "min" or "max", which way is better, for a metric whose name does not say.

    Example:
        >>> from keras_dl.records.run import start_run
        >>> runs = []
        >>> for tag, val_loss in (("a", [0.9, 0.4, 0.6]), ("b", [0.8, 0.7, 0.5])):
        ...     with start_run("demo", {}, tag=tag) as run:
        ...         _ = run.save_history({"val_loss": val_loss})
        ...     runs.append(run.path)
        >>> rows = compare(runs, out="demo.png")  # doctest: +ELLIPSIS
        run,best_epoch,best_value,last_value,nan_epochs,status
        demo/...-a,2,0.4,0.6,0,partial
        demo/...-b,3,0.5,0.5,0,partial
        wrote demo.png and demo.csv
    """
    if isinstance(run_dirs, str | os.PathLike):
        run_dirs = [run_dirs]  # one run (or group) directory
    if not run_dirs:
        raise ValueError("run_dirs is empty: pass at least one run directory")
    if not 0.0 <= smooth < 1.0:
        raise ValueError(f"smooth={smooth!r}: expected a factor in [0, 1), e.g. 0.9")
    if out is not None and Path(out).suffix.lower() != ".png":
        raise ValueError(f"out={str(out)!r}: expected a .png file name")
    if band not in BANDS:
        raise ValueError(f"band={band!r}: expected one of {', '.join(BANDS)}")
    run_dirs = _once_each(expand_groups(run_dirs))
    groups = seed_groups(run_dirs) if group else {}
    by_run = not any(len(members) > 1 for members in groups.values())
    if by_run:
        groups = {label: [run] for label, run in zip(run_labels(run_dirs), run_dirs, strict=True)}
    curves = {
        label: [_curve(r, metric, smooth, mode) for r in runs] for label, runs in groups.items()
    }
    mode = metric_mode(metric, mode)
    if by_run:
        rows = [_run_row(curve) for (curve,) in curves.values()]
        drawn = {label: _alone(curve) for label, (curve,) in curves.items()}
    else:
        rows = [_group_row(label, members) for label, members in curves.items()]
        rows += _difference(curves, metric)
        drawn = {
            f"{label} (n={len(members)})": group_curve(
                [c.values for c in members], metric, band, mode
            )
            for label, members in curves.items()
        }
    table = _table_csv(rows, RUN_COLUMNS if by_run else GROUP_COLUMNS)
    print(table, end="")
    if out is not None:
        title = _title(metric, smooth, mode, band, runs=len(run_dirs) if by_run else None)
        figure = curves_figure(drawn, metric=metric, title=title, log=log)
        _write_outputs(Path(out), table, figure, overwrite)
    return rows


def _once_each(run_dirs: Sequence[Path]) -> list[Path]:
    """Each run once: a run listed twice (as itself, or through a group) counts once, so
    that no spread or interval is made of one run seen twice."""
    seen: set[Path] = set()
    once = []
    for run_dir in run_dirs:
        if run_dir.resolve() not in seen:
            seen.add(run_dir.resolve())
            once.append(run_dir)
    return once


def _curve(run_dir: Path, metric: str, smooth: float, mode: str | None) -> RunCurve:
    """The run's smoothed `metric` curve and its best epoch; a clear error when the run
    has no such column or no finite value in it."""
    history = read_history(run_dir)
    if metric not in history:
        available = ", ".join(k for k in history if k != "epoch")
        raise ValueError(f"metric={metric!r} is not in {run_dir}/history.csv (has: {available})")
    values = smooth_curve(history[metric], smooth)
    mode = metric_mode(metric, mode)
    try:
        return RunCurve(run_dir, values, best_epoch(values, metric, mode))
    except ValueError as err:
        raise ValueError(f"{run_dir}: {err}") from None


def _alone(curve: RunCurve) -> GroupCurve:
    """A run drawn on its own: its curve, no band, its best epoch."""
    return GroupCurve(curve.values, curve.values, curve.values, curve.best)


def _run_row(curve: RunCurve) -> dict:
    epoch, value = curve.best
    return {
        "run": folder_label(curve.run_dir),
        "best_epoch": epoch,
        "best_value": round(value, 6),
        "last_value": round(curve.last, 6),
        "nan_epochs": int(np.isnan(curve.values).sum()),
        "status": run_status(curve.run_dir),
    }


def _group_row(label: str, members: Sequence[RunCurve]) -> dict:
    epochs = [c.best[0] for c in members]
    spread = summarize([c.best[1] for c in members])
    return {
        "group": label,
        "n": len(members),
        "best_epoch_mean": round(float(np.mean(epochs)), 2),
        "best_epoch_min": min(epochs),
        "best_epoch_max": max(epochs),
        "best_value_mean": round(spread.mean, 6),
        "best_value_std": _rounded(spread.std),
        "last_value_mean": round(float(np.mean([c.last for c in members])), 6),
        "ci_low": _rounded(spread.low),
        "ci_high": _rounded(spread.high),
        "excludes_zero": "",
    }


def _difference(curves: dict[str, list[RunCurve]], metric: str) -> list[dict]:
    """With exactly two groups of two runs or more, the row of their difference in best
    value, with its Welch interval (and the same said in one line)."""
    if len(curves) != 2 or min(len(members) for members in curves.values()) < 2:
        return []
    (first, a), (second, b) = ((k, [c.best[1] for c in v]) for k, v in curves.items())
    difference, low, high = welch(a, b)
    excludes = low > 0 or high < 0
    verdict = "excludes 0" if excludes else "includes 0: no real difference shown"
    print(
        f"best {metric}: {first} - {second} = {difference:.4g}, Welch 95% interval "
        f"[{low:.4g}, {high:.4g}] ({verdict})"
    )
    return [
        {
            "group": f"difference: {first} - {second}",
            "n": f"{len(a)}+{len(b)}",
            **dict.fromkeys(GROUP_COLUMNS[2:5], ""),
            "best_value_mean": round(difference, 6),
            "best_value_std": "",
            "last_value_mean": "",
            "ci_low": round(low, 6),
            "ci_high": round(high, 6),
            "excludes_zero": "yes" if excludes else "no",
        }
    ]


def _title(metric: str, smooth: float, mode: str, band: str, *, runs: int | None) -> str:
    smoothed = f", smoothed {smooth}" if smooth else ""
    best = f"its {BEST_WORD[mode]} {metric}"
    if runs is not None:
        plural = "s" if runs > 1 else ""
        first = f"{metric} per epoch of {runs} run{plural}{smoothed}"
        return f"{first}\n(star: each run's best epoch, {best})"
    spread = "min-max" if band == "range" else "mean +- std"
    first = f"{metric}{smoothed}: mean over seeds, band {spread}"
    return f"{first}\n(star: the best epoch of each mean, {best})"


def _rounded(value: float) -> float | str:
    return "" if np.isnan(value) else round(float(value), 6)


def _table_csv(rows: list[dict], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _write_outputs(out: Path, table: str, figure, overwrite: bool) -> None:
    table_path = out.with_suffix(".csv")
    folder = out.resolve().parent  # from inside a run, "compare.png" is in that run
    for parent in (folder, *folder.parents):
        if is_run(parent):
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
    header = head.split(b"\n", 1)[0].decode(errors="replace")
    return header in (",".join(RUN_COLUMNS), ",".join(GROUP_COLUMNS))
