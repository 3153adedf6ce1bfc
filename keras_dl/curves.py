"""Compare validation curves across runs, and across seeds.

Runs whose config.json differs only in the seed (the members of a `reproduce` group, or
runs made by hand with --seed) form a seed group: one mean curve, a shaded band (min-max,
or mean +- std), a star at the mean curve's best epoch, and one table row per group. With
exactly two groups the table adds the difference of their best values with a 95% Welch
interval: is A really better than B?

This module does not import Keras or TensorFlow, so `python -m keras_dl compare` starts
fast.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from keras_dl.plots import band_figure, overlay_figure
from keras_dl.runs import atomic_replace, atomic_write, read_history, run_status

MAXIMIZED = ("acc", "auc", "precision", "recall", "f1", "r2")
TABLE_COLUMNS = ("run", "best_epoch", "best_value", "last_value", "nan_epochs", "status")
GROUP_COLUMNS = (
    "group", "n", "best_epoch_mean", "best_epoch_min", "best_epoch_max", "best_value_mean",
    "best_value_std", "last_value_mean", "ci_low", "ci_high", "excludes_zero",
)  # fmt: skip
BANDS = ("range", "std")
BEST_WORD = {"min": "lowest", "max": "highest"}
NOT_A_LABEL = ("tag", "out", "resume", "no_plots", "no_tensorboard")  # never tell runs apart
NOT_THE_SETUP = ("seed", *NOT_A_LABEL)  # the arguments a seed group ignores
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
    group: bool = True,
    band: str = "range",
    log: bool | None = None,
) -> list[dict]:
    """Overlay `metric` across runs, mark each run's best epoch, and summarize.

    Runs that differ only in their seed are drawn as one seed group (see the module's
    docstring) unless ``group=False``; the table then has one row per group
    (`GROUP_COLUMNS`). A `reproduce` group directory stands for its member runs.

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
        group: draw runs that differ only in their seed as one group (False: every run).
        band: a group's shaded band: "range" (min to max over its runs) or "std"
            (mean +- sample std).
        log: a log-scale y axis; None: when the plotted values span more than two decades.

    The legend labels each run by what differs between the runs (`run_labels`) with its
    best epoch and value; with many runs it stands outside the axes.

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
    if band not in BANDS:
        raise ValueError(f"band={band!r}: expected one of {', '.join(BANDS)}")
    run_dirs = expand_groups(run_dirs)
    if group:
        groups = seed_groups(run_dirs)
        if any(len(members) > 1 for members in groups.values()):
            return _compare_groups(groups, metric, smooth, out, overwrite, band, log)
    curves, best, rows, legend = {}, {}, [], {}
    for run_dir, legend_label in zip(run_dirs, run_labels(run_dirs), strict=True):
        label = _run_label(Path(run_dir))
        legend[label] = legend_label
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
        title = (
            f"{metric} per epoch of {len(curves)} run{'s' if len(curves) > 1 else ''}"
            + (f", smoothed {smooth}" if smooth else "")
            + f"\n(star: each run's best epoch, its {BEST_WORD[metric_mode(metric)]} {metric})"
        )
        figure = overlay_figure(
            {legend[k]: v for k, v in curves.items()},
            {legend[k]: v for k, v in best.items()},
            metric=metric,
            title=title,
            log=log,
        )
        _write_outputs(Path(out), table, figure, overwrite)
    return rows


def expand_groups(run_dirs: Sequence[str | os.PathLike]) -> list[Path]:
    """The run directories, with each `reproduce` group directory (its group.json) replaced
    by its member runs."""
    expanded = []
    for run_dir in map(Path, run_dirs):
        record = run_dir / "group.json"
        if record.is_file() and not (run_dir / "config.json").is_file():
            members = json.loads(record.read_text()).get("members", [])
            expanded += [run_dir.parent.parent / run for m in members for run in m["runs"]]
        else:
            expanded.append(run_dir)
    return expanded


def seed_groups(run_dirs: Sequence[str | os.PathLike]) -> dict[str, list[Path]]:
    """Group runs whose config.json is the same but for the seed (and tag, output folder).

    Returns {label: run directories}; a run without config.json is a group of its own. A
    label is the recipe (and variant), plus the arguments that tell its group apart from
    the others, e.g. "generalization/lr-1.0" or "digits epochs=10".
    """
    keys: dict[str, list[Path]] = {}
    setups: dict[str, dict] = {}
    for run_dir in map(Path, run_dirs):
        setup = _setup(run_dir)
        key = json.dumps(setup, sort_keys=True, default=str) if setup else str(run_dir)
        keys.setdefault(key, []).append(run_dir)
        setups[key] = setup
    names = {}
    for key, members in keys.items():
        setup = setups[key]
        if not setup:
            names[key] = _run_label(members[0])
            continue
        name = setup["recipe"] + (f"/{setup['variant']}" if setup.get("variant") else "")
        others = [setups[k] for k in keys if k != key and setups[k]]
        differing = [
            f"{arg}={value}"
            for arg, value in sorted(setup["arguments"].items())
            if any(
                o["arguments"].get(arg) != value
                for o in others
                if o["recipe"] == setup["recipe"] and o.get("variant") == setup.get("variant")
            )
        ]
        names[key] = " ".join([name, *differing])
    labels: dict[str, list[Path]] = {}
    for key, members in keys.items():
        label = names[key]
        if label in labels:
            label = f"{label} ({_run_label(members[0])})"
        labels[label] = members
    return labels


@dataclass(frozen=True)
class GroupCurve:
    """A seed group's curve: per epoch the mean over its runs and the band around it."""

    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    best: tuple[int, float]  # the mean curve's best (1-based) epoch and value


def group_curve(curves: Sequence[np.ndarray], metric: str, band: str = "range") -> GroupCurve:
    """The mean curve of runs (shorter runs count where they have epochs; NaN epochs are
    skipped), its band (min-max or mean +- std) and its best epoch.

    Example:
        >>> g = group_curve([np.array([3.0, 1.0, 2.0]), np.array([1.0, 3.0, 2.0])], "val_loss")
        >>> g.mean.tolist(), g.low.tolist(), g.best
        ([2.0, 2.0, 2.0], [1.0, 1.0, 2.0], (1, 2.0))
    """
    length = max(len(c) for c in curves)
    stacked = np.full((len(curves), length), np.nan)
    for row, values in zip(stacked, curves, strict=True):
        row[: len(values)] = values
    counts = (~np.isnan(stacked)).sum(axis=0)
    keep = counts > 0
    stacked = stacked[:, keep]
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(stacked, axis=0)
        if band == "std":
            std = np.nan_to_num(np.nanstd(stacked, axis=0, ddof=1)) if len(curves) > 1 else 0
            low, high = mean - std, mean + std
        else:
            low, high = np.nanmin(stacked, axis=0), np.nanmax(stacked, axis=0)
    return GroupCurve(mean, low, high, best_epoch(mean, metric))


def _compare_groups(
    groups: dict[str, list[Path]],
    metric: str,
    smooth: float,
    out,
    overwrite: bool,
    band: str,
    log: bool | None,
) -> list[dict]:
    """`compare` over seed groups: the mean curves with bands, one table row per group."""
    from keras_dl.spread import summarize, welch

    drawn, rows, bests = {}, [], {}
    for label, members in groups.items():
        curves = []
        for run_dir in members:
            history = read_history(run_dir)
            if metric not in history:
                available = ", ".join(k for k in history if k != "epoch")
                raise ValueError(
                    f"metric={metric!r} is not in {run_dir}/history.csv (has: {available})"
                )
            curves.append(smooth_curve(history[metric], smooth))
        try:
            per_run = [best_epoch(c, metric) for c in curves]
        except ValueError as err:
            raise ValueError(f"{label}: {err}") from None
        drawn[label] = group_curve(curves, metric, band)
        epochs = [e for e, _ in per_run]
        values = bests[label] = [v for _, v in per_run]
        spread = summarize(values)
        lasts = [float(c[~np.isnan(c)][-1]) for c in curves]
        rows.append(
            {
                "group": label,
                "n": len(members),
                "best_epoch_mean": round(float(np.mean(epochs)), 2),
                "best_epoch_min": min(epochs),
                "best_epoch_max": max(epochs),
                "best_value_mean": round(spread.mean, 6),
                "best_value_std": _rounded(spread.std),
                "last_value_mean": round(float(np.mean(lasts)), 6),
                "ci_low": _rounded(spread.low),
                "ci_high": _rounded(spread.high),
                "excludes_zero": "",
            }
        )
    if len(groups) == 2:
        (first, a), (second, b) = bests.items()
        if min(len(a), len(b)) >= 2:
            difference, low, high = welch(a, b)
            rows.append(
                {
                    "group": f"difference: {first} - {second}",
                    "n": f"{len(a)}+{len(b)}",
                    **dict.fromkeys(GROUP_COLUMNS[2:5], ""),
                    "best_value_mean": round(difference, 6),
                    "best_value_std": "",
                    "last_value_mean": "",
                    "ci_low": round(low, 6),
                    "ci_high": round(high, 6),
                    "excludes_zero": "yes" if low > 0 or high < 0 else "no",
                }
            )
            verdict = (
                "excludes 0" if low > 0 or high < 0 else "includes 0: no real difference shown"
            )
            print(
                f"best {metric}: {first} - {second} = {difference:.4g}, Welch 95% interval "
                f"[{low:.4g}, {high:.4g}] ({verdict})"
            )
    table = _table_csv(rows, GROUP_COLUMNS)
    print(table, end="")
    if out is not None:
        spread_text = "min-max" if band == "range" else "mean +- std"
        title = (
            f"{metric}"
            + (f", smoothed {smooth}" if smooth else "")
            + f": mean over seeds, band {spread_text}\n(star: the best epoch of each mean, "
            + f"its {BEST_WORD[metric_mode(metric)]} {metric})"
        )
        figure = band_figure(
            {f"{label} (n={len(groups[label])})": curve for label, curve in drawn.items()},
            metric=metric,
            title=title,
            log=log,
        )
        _write_outputs(Path(out), table, figure, overwrite)
    return rows


def _rounded(value: float) -> float | str:
    return "" if np.isnan(value) else round(float(value), 6)


def _setup(run_dir: Path) -> dict:
    """What a recipe's run was asked to do, without its seed: recipe, variant, dataset and
    arguments ({} for a run whose config.json has no seeded arguments)."""
    try:
        config = json.loads((run_dir / "config.json").read_text())
    except (OSError, ValueError):
        return {}
    if "seed" not in (config.get("arguments") or {}):
        return {}  # not a recipe's run: nothing says which runs differ only in the seed
    arguments = {k: v for k, v in (config.get("arguments") or {}).items() if k not in NOT_THE_SETUP}
    return {
        "recipe": config.get("recipe"),
        "variant": config.get("variant"),
        "dataset": config.get("dataset"),
        "arguments": arguments,
    }


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
    header = head.split(b"\n", 1)[0].decode(errors="replace")
    return header in (",".join(TABLE_COLUMNS), ",".join(GROUP_COLUMNS))


def run_labels(run_dirs: Sequence[str | os.PathLike]) -> list[str]:
    """A legend label per run: what tells it apart from the other runs, read from the
    config.json files: the recipe and variant where they differ, then each argument that
    differs ("epochs=10 seed=1"); the tag where no argument differs; the run's folder where
    nothing does (and to keep two labels apart).

    Example:
        >>> run_labels(["runs/digits/20261201-101500", "runs/digits/20261201-101620-lr"])
        ['epochs=5', 'epochs=10']
    """
    configs = [_config(Path(r)) for r in run_dirs]
    known = [c for c in configs if c]
    labels = []
    for run_dir, config in zip(run_dirs, configs, strict=True):
        if not config:
            labels.append(_run_label(Path(run_dir)))
            continue
        parts = [
            str(config.get(key))
            for key in ("recipe", "variant")
            if config.get(key) and any(o.get(key) != config.get(key) for o in known)
        ]
        arguments = config.get("arguments") or {}
        parts += [
            f"{arg}={value}"
            for arg, value in arguments.items()
            if arg not in NOT_A_LABEL
            and any((o.get("arguments") or {}).get(arg) != value for o in known)
        ]
        if not parts and arguments.get("tag"):
            parts = [str(arguments["tag"])]
        labels.append(" ".join(parts) or _run_label(Path(run_dir)))
    for label in set(labels):
        if labels.count(label) > 1:
            labels = [
                f"{text} ({_run_label(Path(r))})" if text == label else text
                for text, r in zip(labels, run_dirs, strict=True)
            ]
    return labels


def _config(run_dir: Path) -> dict:
    try:
        return json.loads((run_dir / "config.json").read_text())
    except (OSError, ValueError):
        return {}


def _run_label(run_dir: Path) -> str:
    run_dir = run_dir.resolve()
    return f"{run_dir.parent.name}/{run_dir.name}"


def _table_csv(rows: list[dict], columns: Sequence[str] = TABLE_COLUMNS) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
