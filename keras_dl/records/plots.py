"""Training-curve figures, drawn with matplotlib's object API (no pyplot, no global state)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

LOSS = "loss"
MARKER_EPOCHS = 40  # beyond this many epochs, point markers hide the curve
COLORS = 10  # matplotlib's default cycle, C0..C9
DASHES = ("-", "--", ":", "-.")
LEGEND_INSIDE = 8  # runs whose legend still fits inside the axes
LEGEND_ROWS = 40  # legend entries per column beside the axes


def main_metric(history: Mapping[str, Sequence[float]]) -> str | None:
    """Return the first training metric that is not the loss (e.g. "accuracy" or "mae")."""
    for key in history:
        if key not in ("epoch", LOSS) and not key.startswith("val_"):
            return key
    return None


def history_figure(history: Mapping[str, Sequence[float]], *, title: str = "") -> Figure:
    """Plot loss and the main metric per epoch, training vs validation.

    The best validation epoch (lowest val_loss) is marked on both panels. Points are
    marked only up to `MARKER_EPOCHS` epochs; longer curves are drawn as plain lines. A
    panel whose values span more than two decades gets a log-scale y axis.

    Example:
        >>> fig = history_figure({"loss": [1.0, 0.6], "val_loss": [1.1, 0.9]}, title="demo")
        >>> fig.savefig("curves.png")  # into the current folder
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
        drawn = [history[k] for k in (metric, f"val_{metric}") if k in history]
        if spans_decades(drawn):  # e.g. a loss from 2 down to 1e-6
            ax.set_yscale("log")
            ax.set_ylabel(f"{metric} (log scale)")
        ax.legend()
    if title:
        fig.suptitle(title)
    return fig


def signed(fig: Figure, run: str, *, quick: bool = False) -> Figure:
    """Write the run's name in the figure's bottom-right corner, and under ``--quick`` that
    it is a smoke run: a PNG seen on its own says which run, and what kind, drew it.

    Example:
        >>> fig = signed(Figure(), "digits/20261204-101500-quick", quick=True)
        >>> fig.get_supxlabel()
        'digits/20261204-101500-quick · --quick smoke run: not comparable with the book'
    """
    text = f"{run} · --quick smoke run: not comparable with the book" if quick else run
    # As the figure's x label (below every panel) its layout keeps room for it.
    fig.supxlabel(text, x=0.995, ha="right", fontsize=7, color="dimgrey")
    return fig


def curves_figure(
    curves: Mapping[str, object], *, metric: str, title: str = "", log: bool | None = None
) -> Figure:
    """One curve per run or seed group, with a star at its best epoch (given in its legend
    entry, so that no two labels overlap) and, for a group, its band shaded.

    `curves` maps a label to a `keras_dl.records.curves.GroupCurve` (mean, low, high,
    best); a single run's low and high are its curve. Each curve gets its own style
    (`line_style`, 40 before one repeats); `log` puts the y axis on a log scale (None: when
    the values span more than two decades); with more than `LEGEND_INSIDE` curves the
    legend stands beside the axes.

    Example:
        >>> from keras_dl.records.curves import group_curve
        >>> seeds = [np.array([0.9, 0.5, 0.6]), np.array([0.8, 0.6, 0.4])]
        >>> fig = curves_figure({"demo (n=2)": group_curve(seeds, "val_loss")}, metric="val_loss")
        >>> [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
        ['demo (n=2)  (best 0.5 at 3)']
    """
    labels = [f"{label}  (best {_number(c.best[1])} at {c.best[0]})" for label, c in curves.items()]
    fig, ax = _overlay_axes(len(curves), max(map(len, labels), default=0))
    for index, curve in enumerate(curves.values()):
        epochs = np.arange(1, len(curve.mean) + 1)
        epoch, value = curve.best
        style = line_style(index)
        ax.plot(epochs, curve.mean, label=labels[index], **style)
        if not np.array_equal(curve.low, curve.high, equal_nan=True):
            ax.fill_between(epochs, curve.low, curve.high, color=style["color"], alpha=0.2)
        ax.plot([epoch], [value], "*", color=style["color"], markersize=13, markeredgecolor="k")
    values = [np.concatenate([c.low, c.high]) for c in curves.values()]
    _finish_overlay(fig, ax, metric, title or f"{metric} (star: best epoch)", values, log)
    return fig


def line_style(index: int) -> dict:
    """The `index`-th run's colour and dash: 10 colours, then the 10 again dashed, dotted
    and dash-dotted (40 styles)."""
    return {
        "color": f"C{index % COLORS}",
        "linestyle": DASHES[(index // COLORS) % len(DASHES)],
        "linewidth": 1.6,
    }


def spans_decades(values: Iterable[np.ndarray], decades: float = 2.0) -> bool:
    """Whether the positive `values` span more than `decades` powers of ten (none <= 0).

    Example:
        >>> spans_decades([np.array([5.0, 0.01]), np.array([1e-4])])
        True
    """
    finite = np.concatenate([np.asarray(v, float).ravel() for v in values])
    finite = finite[np.isfinite(finite)]
    if finite.size == 0 or finite.min() <= 0:
        return False
    return bool(np.log10(finite.max() / finite.min()) > decades)


def _overlay_axes(runs: int, longest: int = 40):
    """A figure and its axes, wide and tall enough for a legend beside them when there are
    many: `LEGEND_ROWS` entries a column, as many columns as they take, each as wide as the
    `longest` entry (in characters)."""
    columns = _legend_columns(runs)
    rows = math.ceil(runs / columns)
    column = 0.065 * longest + 0.8  # inches: a 7-point character, and the line beside it
    width = 8.0 + (column * columns if runs > LEGEND_INSIDE else 0.0)
    height = max(5.0, 0.15 * rows + 1.2)  # a 7-point legend row takes about 0.15 inch
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot()


def _legend_columns(runs: int) -> int:
    return max(1, math.ceil(runs / LEGEND_ROWS))


def _finish_overlay(fig, ax, metric: str, title: str, values, log: bool | None) -> None:
    _style_axes(ax, metric)
    values = list(values)
    if log or (log is None and spans_decades(values)):
        ax.set_yscale("log")
        ax.set_ylabel(f"{metric} (log scale)")
    runs = len(ax.get_legend_handles_labels()[0])
    if runs > LEGEND_INSIDE:
        ax.legend(
            fontsize=7,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            ncols=_legend_columns(runs),
            borderaxespad=0.0,
        )
    else:
        ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)


def _number(value: float) -> str:
    return f"{value:.4g}"


def _style_axes(ax, metric: str) -> None:
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)


def kfold_curve_figure(
    history: Mapping[str, Sequence[float]],
    smoothed: np.ndarray,
    *,
    skip: int,
    bottom: int,
    score_epoch: int,
    unit: str,
    book_epoch: int | None = None,
) -> Figure:
    """The book's K-fold figure. Left: training and validation MAE per epoch, mean over the
    folds. Right: the validation MAE smoothed, where it bottoms, the epoch the folds are
    scored at and the book's epoch. Both drop the first `skip` epochs, whose errors would
    flatten the rest; `unit` labels the error axis (e.g. "$1000s")."""
    fig = Figure(figsize=(11.0, 4.4), layout="constrained")
    left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    epochs = np.arange(skip + 1, len(history["val_mae"]) + 1)
    line = "o-" if len(epochs) <= 50 else "-"  # dots, so that short runs (--quick) show
    left.plot(epochs, history["mae"][skip:], line, markersize=3, label="training")
    left.plot(epochs, history["val_mae"][skip:], line, markersize=3, label="validation")
    left.set_title("MAE, mean of the folds")

    orange = {"color": "tab:orange", "markersize": 3}
    right.plot(epochs, history["val_mae"][skip:], line, alpha=0.3, label="raw", **orange)
    right.plot(epochs, smoothed, line, linewidth=2, label="smoothed", **orange)
    best = smoothed[bottom - skip - 1]
    right.plot(
        [bottom], [best], "*", color="tab:red", markersize=14, label=f"minimum, epoch {bottom}"
    )
    right.axvline(
        score_epoch, color="grey", linestyle=":", label=f"K-fold score, epoch {score_epoch}"
    )
    if book_epoch is not None and skip < book_epoch <= len(epochs) + skip:
        right.axvline(
            book_epoch, color="tab:green", linestyle="--", label=f"book: epoch {book_epoch}"
        )
    right.set_title("Validation MAE, smoothed")
    for ax in (left, right):
        ax.set_xlabel(f"epoch (first {skip} dropped)" if skip else "epoch")
        ax.set_ylabel(f"MAE ({unit})")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    return fig
