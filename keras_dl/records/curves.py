"""Per-epoch curves: which way is better, smoothing, the best epoch, and a group's mean curve
with its band over seeds."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MODES = ("min", "max")
BANDS = ("range", "std")
# Words in Keras' metric names that say which way is better (val_ prefixes are ignored).
MINIMIZED = (
    "loss", "error", "mae", "mse", "mape", "msle", "crossentropy", "hinge", "divergence",
    "poisson", "logcosh", "huber", "false_positives", "false_negatives",
)  # fmt: skip
MAXIMIZED = (
    "acc", "auc", "precision", "recall", "f1", "fbeta", "r2", "cosine_similarity", "iou",
    "true_positives", "true_negatives", "specificity", "sensitivity",
)  # fmt: skip


def metric_mode(metric: str, mode: str | None = None) -> str:
    """Whether a lower ("min") or a higher ("max") value of `metric` is better.

    `mode` says it outright; without it, the direction is read from Keras' metric names
    (losses and errors: min; accuracy, AUC, precision, recall...: max). A name that says
    neither raises, as Keras' callbacks do, rather than guess.

    Example:
        >>> metric_mode("val_accuracy"), metric_mode("val_mae"), metric_mode("lr", "max")
        ('max', 'min', 'max')
        >>> metric_mode("val_score")
        Traceback (most recent call last):
        ...
        ValueError: metric='val_score': cannot tell whether lower or higher is better; expected a Keras metric such as val_loss or val_accuracy, or say it with mode='min' or mode='max' (--mode on the command line)
    """  # noqa: E501
    if mode is not None:
        if mode not in MODES:
            raise ValueError(f"mode={mode!r}: expected 'min' or 'max'")
        return mode
    name = metric.lower().removeprefix("val_")
    lower = any(word in name for word in MINIMIZED)
    higher = any(word in name for word in MAXIMIZED) and not name.startswith("false_")
    if lower != higher:
        return "min" if lower else "max"
    raise ValueError(
        f"metric={metric!r}: cannot tell whether lower or higher is better; expected a Keras "
        "metric such as val_loss or val_accuracy, or say it with mode='min' or mode='max' "
        "(--mode on the command line)"
    )


def smooth_curve(values: Sequence[float], smooth: float = 0.0) -> np.ndarray:
    """Exponential moving average: ``s[t] = smooth * s[t-1] + (1 - smooth) * v[t]``.

    ``smooth=0`` returns the values unchanged; the book smooths Boston MAE with 0.9. A NaN
    or infinite epoch stays as it is and is skipped: the average goes on from the last
    finite value.

    Example:
        >>> smooth_curve([1.0, 0.0, 0.0], smooth=0.5).tolist()
        [1.0, 0.5, 0.25]
    """
    if not 0.0 <= smooth < 1.0:
        raise ValueError(f"smooth={smooth!r}: expected a factor in [0, 1), e.g. 0.9")
    values = np.asarray(values, dtype=float)
    out = values.copy()
    if smooth == 0.0:
        return out  # unchanged: an infinite epoch stays where it is, and alone
    last = np.nan
    for t in range(len(out)):
        if not np.isfinite(values[t]):  # NaN or infinite: kept, and not carried on
            continue
        out[t] = values[t] if np.isnan(last) else smooth * last + (1.0 - smooth) * values[t]
        last = out[t]
    return out


def best_epoch(values: Sequence[float], metric: str, mode: str | None = None) -> tuple[int, float]:
    """The 1-based epoch and value of the best point (lowest or highest, `metric_mode`).

    Example:
        >>> best_epoch([0.9, 0.4, 0.6], "val_loss")
        (2, 0.4)
    """
    values = np.asarray(values, dtype=float)
    if np.isnan(values).all():
        raise ValueError(f"{metric} has no finite value in any of its {len(values)} epochs")
    highest = metric_mode(metric, mode) == "max"
    index = int(np.nanargmax(values) if highest else np.nanargmin(values))
    return index + 1, float(values[index])


@dataclass(frozen=True)
class GroupCurve:
    """A group's curve: per epoch the mean over its runs and the band around it (for a
    single run, its own curve, with no band)."""

    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    best: tuple[int, float]  # the mean curve's best (1-based) epoch and value
    runs: int = 1


def group_curve(
    curves: Sequence[np.ndarray], metric: str, band: str = "range", mode: str | None = None
) -> GroupCurve:
    """The mean curve of runs (shorter runs count where they have epochs; NaN epochs are
    skipped), its band (min-max or mean +- std) and its best epoch.

    Example:
        >>> g = group_curve([np.array([3.0, 1.0, 2.0]), np.array([1.0, 3.0, 2.0])], "val_loss")
        >>> g.mean.tolist(), g.low.tolist(), g.best
        ([2.0, 2.0, 2.0], [1.0, 1.0, 2.0], (1, 2.0))
    """
    if band not in BANDS:
        raise ValueError(f"band={band!r}: expected one of {', '.join(BANDS)}")
    length = max(len(c) for c in curves)
    stacked = np.full((len(curves), length), np.nan)
    for row, values in zip(stacked, curves, strict=True):
        row[: len(values)] = values
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        # An epoch where every run's value is NaN stays NaN, without NumPy's warning.
        warnings.filterwarnings("ignore", "Mean of empty|All-NaN|Degrees of", RuntimeWarning)
        mean = np.nanmean(stacked, axis=0)
        if band == "range":
            low, high = np.nanmin(stacked, axis=0), np.nanmax(stacked, axis=0)
        else:
            std = np.nan_to_num(np.nanstd(stacked, axis=0, ddof=1)) if len(curves) > 1 else 0.0
            low, high = mean - std, mean + std
    return GroupCurve(mean, low, high, best_epoch(mean, metric, mode), len(curves))
