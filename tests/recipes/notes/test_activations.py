"""The activations recipe: the functions, their derivatives, a stable softmax, and Keras."""

import json

import numpy as np
import pytest

from keras_dl.lab.registry import load_recipe

activations = load_recipe("activations")


def test_softmax_of_the_book_example():
    values = activations.softmax(np.array([0.3, 2.9, 4.0]))
    np.testing.assert_allclose(values, activations.BOOK_SOFTMAX, atol=1e-4)
    assert values.sum() == pytest.approx(1.0, abs=1e-12)


def test_naive_softmax_overflows_where_the_stable_one_does_not():
    a = np.array([1010.0, 1000.0, 990.0])
    assert np.all(np.isnan(activations.naive_softmax(a)))
    stable = activations.softmax(a)
    # Dividing by exp(1010) by hand: [1, e^-10, e^-20] / (1 + e^-10 + e^-20).
    expected = np.exp([0.0, -10.0, -20.0]) / np.sum(np.exp([0.0, -10.0, -20.0]))
    np.testing.assert_allclose(stable, expected, rtol=1e-12)
    # Where the naive form does not overflow, both agree: subtracting the max changes nothing.
    moderate = np.array([0.3, 2.9, 4.0])
    np.testing.assert_allclose(activations.naive_softmax(moderate), activations.softmax(moderate))


def test_values_the_notes_print():
    x = np.array([-1.0, 1.0, 2.0])
    assert activations.step(x).tolist() == [0.0, 1.0, 1.0]
    np.testing.assert_allclose(activations.sigmoid(x), [0.26894142, 0.73105858, 0.88079708])
    assert activations.relu(x).tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "step"])
def test_derivatives_match_finite_differences(name):
    x = np.linspace(-4.0, 4.0, 81) + 0.05  # avoid x = 0, where step and ReLU have none
    h = 1e-6
    fn = activations.ACTIVATIONS[name]
    numerical = (fn(x + h) - fn(x - h)) / (2 * h)
    np.testing.assert_allclose(activations.DERIVATIVES[name](x), numerical, atol=1e-6)


def test_keras_activations_give_the_numpy_values():
    differences = activations.keras_differences(activations.CURVE_X)
    assert set(differences) == {"step", "sigmoid", "tanh", "relu", "softmax"}
    for name, difference in differences.items():
        assert difference < 1e-6, name


def test_the_run_reproduces_the_book_and_keras_does_not_overflow(run_recipe):
    code, (run_dir,) = run_recipe("activations", "--no-plots")
    assert code == 0
    metrics = json.loads((run_dir / "metrics.json").read_text())
    np.testing.assert_allclose(metrics["softmax"], metrics["book_softmax"], atol=1e-4)
    assert metrics["result"]["value"] == metrics["softmax"][2]
    assert metrics["result"]["inside"] is True
    assert metrics["naive_softmax_is_finite"] is False
    assert np.all(np.isfinite(metrics["keras_softmax_overflow"]))
    np.testing.assert_allclose(
        metrics["keras_softmax_overflow"], metrics["stable_softmax_overflow"], rtol=1e-5
    )
    assert max(metrics["max_abs_difference_numpy_keras"].values()) < 1e-6
