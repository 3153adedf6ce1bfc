"""keras_dl.records.plots: overlays stay readable with many runs, bands and losses over decades."""

import numpy as np
import pytest

from keras_dl.records.curves import GroupCurve, group_curve
from keras_dl.records.plots import (
    LEGEND_INSIDE,
    curves_figure,
    history_figure,
    line_style,
    spans_decades,
)


def test_forty_runs_get_forty_different_styles():

    styles = {(s["color"], s["linestyle"]) for s in map(line_style, range(40))}
    assert len(styles) == 40


@pytest.mark.parametrize("runs", [3, 30])
def test_every_run_has_its_best_in_its_legend_entry_and_many_runs_a_legend_outside(runs):

    runs_ = {f"lr={i}": np.linspace(1.0, 0.1 + i / 100, 10) for i in range(runs)}
    curves = {label: GroupCurve(v, v, v, (10, float(v[-1]))) for label, v in runs_.items()}
    figure = curves_figure(curves, metric="val_loss", title="t")
    (ax,) = figure.axes
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels[0] == "lr=0  (best 0.1 at 10)" and len(labels) == runs
    assert not ax.texts  # no best-epoch labels drawn on the curves, where they could overlap
    figure.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    axes = ax.get_window_extent()
    outside = legend.x0 >= axes.x1
    assert outside == (runs > LEGEND_INSIDE)
    assert not ax.collections  # a single run has no band


def test_a_seed_group_is_drawn_as_its_mean_with_its_band_shaded():

    group = group_curve([np.array([0.9, 0.5, 0.6]), np.array([0.7, 0.5, 0.2])], "val_loss")
    (ax,) = curves_figure({"demo (n=2)": group}, metric="val_loss").axes
    mean_line = ax.get_lines()[0]
    assert mean_line.get_ydata().tolist() == pytest.approx([0.8, 0.5, 0.4])
    (band,) = ax.collections
    low, high = band.get_paths()[0].vertices[:, 1].min(), band.get_paths()[0].vertices[:, 1].max()
    assert (low, high) == pytest.approx((0.2, 0.9))


def test_spans_decades():

    assert spans_decades([np.array([5.0, 1e-5])])
    assert not spans_decades([np.array([0.9, 0.1])])
    assert not spans_decades([np.array([5.0, 0.0, 1e-5])])  # a zero cannot go on a log axis


def test_a_run_whose_loss_spans_decades_gets_a_log_loss_panel():

    history = {"loss": [2.0, 0.1, 1e-6], "accuracy": [0.5, 0.9, 1.0], "val_loss": [2.1, 0.2, 0.01]}
    loss_ax, accuracy_ax = history_figure(history).axes
    assert loss_ax.get_yscale() == "log" and accuracy_ax.get_yscale() == "linear"
