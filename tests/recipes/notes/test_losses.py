"""The losses recipe: MSE and cross-entropy on the book's example, Keras' losses, and why
accuracy cannot be the loss."""

import json

import numpy as np
import pytest

from keras_dl.lab.registry import load_recipe

losses = load_recipe("losses")
BOOK = {case: (v["mse"], v["cee"]) for case, v in losses.BOOK_VALUES.items()}


@pytest.mark.parametrize("case", ["right", "wrong"])
def test_mse_and_cross_entropy_of_the_book_example(case):
    y, t = losses.Y[case], losses.T
    assert losses.mean_squared_error_half_sum(y, t) == pytest.approx(BOOK[case][0], abs=1e-4)
    assert losses.cross_entropy_error(y, t) == pytest.approx(BOOK[case][1], abs=1e-4)


@pytest.mark.parametrize("case", ["right", "wrong"])
def test_keras_losses_on_the_same_inputs(case):
    y, t = losses.Y[case], losses.T
    keras_values = losses.keras_losses(y, t)
    assert keras_values["categorical_crossentropy"] == pytest.approx(BOOK[case][1], abs=1e-4)
    assert keras_values["sparse_categorical_crossentropy"] == pytest.approx(BOOK[case][1], abs=1e-4)
    # Keras' MSE is the mean over the 10 classes: 1/2 sum = 10 / 2 * mean.
    assert keras_values["mse"] == pytest.approx(losses.mean_squared_error_mean(y, t), abs=1e-6)
    assert 5 * keras_values["mse"] == pytest.approx(BOOK[case][0], abs=1e-4)


def test_accuracy_is_flat_where_the_loss_is_not():
    x, labels = losses.two_classes(seed=0)
    w = losses.WEIGHT_GRID
    accuracy_slope = losses.central_difference(lambda v: losses.accuracy(v, x, labels), w)
    loss_slope = losses.central_difference(lambda v: losses.binary_cross_entropy(v, x, labels), w)
    assert np.mean(accuracy_slope == 0) >= 0.95
    assert np.all(loss_slope != 0)
    # Accuracy does change with w (in jumps), so it is flat, not constant.
    assert np.unique(losses.accuracy(w, x, labels)).size > 5
    # The loss slope is the derivative of the mean cross-entropy, mean((p - y) x).
    p = losses.probabilities(w, x)
    np.testing.assert_allclose(loss_slope, np.mean((p - labels) * x, axis=1), atol=1e-7)


def test_the_run_reproduces_the_book_and_finds_accuracy_flat(run_recipe):
    code, (run_dir,) = run_recipe("losses", "--no-plots", "--seed", "1")
    assert code == 0
    metrics = json.loads((run_dir / "metrics.json").read_text())
    for case, (mse, cee) in BOOK.items():
        assert metrics["examples"][case]["mse"] == pytest.approx(mse, abs=1e-4)
        assert metrics["examples"][case]["cee"] == pytest.approx(cee, abs=1e-4)
    assert metrics["accuracy_slope_zero_fraction"] >= 0.95
    assert metrics["loss_slope_zero_fraction"] == 0.0
    assert metrics["max_gap_keras_vs_numpy"]["accuracy"] < 1e-6  # a float32 mean
    assert metrics["max_gap_keras_vs_numpy"]["loss"] < 1e-5
    # Each of the three figures is judged by the run itself, from the numbers above.
    judged = [metrics["result"], *metrics["figures"]]
    assert [r["metric"] for r in judged] == [
        *(f.metric for f in losses.BOOK_LOSSES.values()),
        losses.BOOK_FLAT.metric,
    ]
    expected = metrics["accuracy_slope_zero_fraction"] >= losses.ZERO_SLOPE_AT_LEAST
    assert [r["inside"] for r in judged] == [True, True, expected]
