"""Training-curve figures, drawn with matplotlib's object API (no pyplot, no global state).

This module does not import Keras.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

LOSS = "loss"
MARKER_EPOCHS = 40  # beyond this many epochs, point markers hide the curve


def main_metric(history: Mapping[str, Sequence[float]]) -> str | None:
    """Return the first training metric that is not the loss (e.g. "accuracy" or "mae")."""
    for key in history:
        if key not in ("epoch", LOSS) and not key.startswith("val_"):
            return key
    return None


def history_figure(history: Mapping[str, Sequence[float]], *, title: str = "") -> Figure:
    """Plot loss and the main metric per epoch, training vs validation.

    The best validation epoch (lowest val_loss) is marked on both panels. Points are
    marked only up to `MARKER_EPOCHS` epochs; longer curves are drawn as plain lines.

    Example:
        >>> fig = history_figure({"loss": [1.0, 0.6], "val_loss": [1.1, 0.9]}, title="demo")
        >>> fig.savefig("curves.png")
    """
    panels = [LOSS] + ([m] if (m := main_metric(history)) else [])
    fig = Figure(figsize=(5.2 * len(panels), 4.0), layout="constrained")
    best = None
    if f"val_{LOSS}" in history and len(history[f"val_{LOSS}"]):
        best = int(np.argmin(history[f"val_{LOSS}"])) + 1
    for i, metric in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), i + 1)
        for key, style, label in (
            (metric, "o-", "training"),
            (f"val_{metric}", "s-", "validation"),
        ):
            if key in history:
                values = np.asarray(history[key], dtype=float)
                epochs = np.arange(1, len(values) + 1)
                if len(values) > MARKER_EPOCHS:
                    style = "-"
                ax.plot(epochs, values, style, markersize=3, label=label)
        if best is not None:
            ax.axvline(best, color="grey", linestyle=":", label=f"best val_loss (epoch {best})")
        _style_axes(ax, metric)
        ax.legend()
    if title:
        fig.suptitle(title)
    return fig


def overlay_figure(
    curves: Mapping[str, np.ndarray],
    best: Mapping[str, tuple[int, float]],
    *,
    metric: str,
    title: str = "",
) -> Figure:
    """Overlay one curve per run; `best` maps a run to its (epoch, value), marked with a star."""
    fig = Figure(figsize=(8.0, 5.0), layout="constrained")
    ax = fig.add_subplot()
    for label, values in curves.items():
        epochs = np.arange(1, len(values) + 1)
        (line,) = ax.plot(epochs, values, "-", label=label)
        epoch, value = best[label]
        ax.plot([epoch], [value], "*", color=line.get_color(), markersize=14, markeredgecolor="k")
        ax.annotate(
            f"{epoch}", (epoch, value), textcoords="offset points", xytext=(5, 6), fontsize=8
        )
    _style_axes(ax, metric)
    ax.legend(fontsize=8)
    ax.set_title(title or f"{metric} (star: best epoch)")
    return fig


def band_figure(groups: Mapping[str, object], *, metric: str, title: str = "") -> Figure:
    """One mean curve per seed group with its shaded band and a star at its best epoch;
    `groups` maps a label to a `keras_dl.curves.GroupCurve` (mean, low, high, best)."""
    fig = Figure(figsize=(8.0, 5.0), layout="constrained")
    ax = fig.add_subplot()
    for label, group in groups.items():
        epochs = np.arange(1, len(group.mean) + 1)
        (line,) = ax.plot(epochs, group.mean, "-", label=label)
        ax.fill_between(epochs, group.low, group.high, color=line.get_color(), alpha=0.2)
        epoch, value = group.best
        ax.plot([epoch], [value], "*", color=line.get_color(), markersize=14, markeredgecolor="k")
        ax.annotate(
            f"{epoch}", (epoch, value), textcoords="offset points", xytext=(5, 6), fontsize=8
        )
    _style_axes(ax, metric)
    ax.legend(fontsize=8)
    ax.set_title(title or f"{metric}: mean over seeds (star: best epoch)", fontsize=10)
    return fig


def _style_axes(ax, metric: str) -> None:
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
