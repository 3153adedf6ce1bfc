"""The backprop_by_hand recipe: the notes' worked example, the chain rule, and Keras' SGD."""

import json

import numpy as np
import pytest

from keras_dl.lab.registry import load_recipe

backprop = load_recipe("backprop_by_hand")


def test_the_notes_steps_one_and_two():
    assert backprop.output(backprop.WEIGHTS) == pytest.approx(0.15, abs=1e-12)
    shares = backprop.proportional_update(backprop.WEIGHTS, digits=4)
    np.testing.assert_allclose(shares, backprop.NOTES_SHARES, atol=1e-4)
    assert shares.sum() == pytest.approx(0.05, abs=1e-4)
    exact = backprop.proportional_update(backprop.WEIGHTS)
    np.testing.assert_allclose(exact / exact[0], [1, 3, 2], rtol=1e-12)  # the ratio 1:3:2
    np.testing.assert_allclose(backprop.WEIGHTS + shares, backprop.NOTES_WEIGHTS, atol=1e-4)


def test_the_notes_printed_output_multiplies_c_by_0_2():
    updated = backprop.WEIGHTS + backprop.proportional_update(backprop.WEIGHTS, digits=4)
    # The notes' sum 0.04332 + 0.0975 + 0.04334 = 0.18416 is 0.4 A + 0.3 B + 0.2 C ...
    notes_output = np.dot([0.4, 0.3, 0.2], updated)
    assert notes_output == pytest.approx(backprop.NOTES_OUTPUT, abs=1e-5)
    assert backprop.TARGET - notes_output == pytest.approx(backprop.NOTES_ERROR, abs=1e-5)
    # ... but C's input is 0.1 (the only order of the inputs that starts at 0.15):
    assert backprop.output(updated) == pytest.approx(0.16249, abs=1e-5)
    assert backprop.TARGET - backprop.output(updated) == pytest.approx(0.03751, abs=1e-5)


def test_chain_rule_gradient_matches_finite_differences():
    def loss(w):
        return 0.5 * (backprop.TARGET - backprop.INPUTS @ w) ** 2

    w, h = backprop.WEIGHTS, 1e-6
    numerical = [(loss(w + h * e) - loss(w - h * e)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(backprop.chain_rule_gradient(w), numerical, atol=1e-9)
    np.testing.assert_allclose(backprop.chain_rule_gradient(w), [-0.02, -0.015, -0.005])


def test_keras_sgd_takes_the_chain_rule_steps():
    learning_rate = 0.5
    history, final = backprop.train_by_hand(6, learning_rate)
    assert max(history["gradient_gap"]) < 1e-6
    # Each step multiplies the error by 1 - lr |x|^2 = 1 - 0.5 * 0.26.
    factor = 1 - learning_rate * 0.26
    np.testing.assert_allclose(history["error"], 0.05 * factor ** np.arange(6), rtol=1e-9)
    assert final["chain_rule"] == pytest.approx(0.05 * factor**6, rel=1e-9)
    # Keras' loss is 1/2 error^2 before each step (float32).
    np.testing.assert_allclose(history["loss"], 0.5 * np.square(history["error"]), rtol=1e-4)
    assert np.all(np.diff(history["notes_rule_error"]) < 0)


def test_the_run_reports_the_notes_slip_and_checks_keras(run_recipe):
    code, (run_dir,) = run_recipe("backprop_by_hand", "--no-plots")
    assert code == 0
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["new_output"] == pytest.approx(0.16249, abs=1e-5)
    assert metrics["max_gradient_gap_keras_vs_chain_rule"] < backprop.GRADIENT_TOLERANCE
    steps = json.loads((run_dir / "config.json").read_text())["arguments"]["epochs"]
    assert len((run_dir / "history.csv").read_text().splitlines()) == 1 + steps
    # The headline (C's real input) is reported beside the notes' number, never judged;
    # the notes' own arithmetic and the gradient check are.
    result, (arithmetic, gradient) = metrics["result"], metrics["figures"]
    assert result["value"] == metrics["new_output"] and result["inside"] is None
    assert arithmetic["value"] == metrics["notes_printed_output"] and arithmetic["inside"]
    assert gradient["inside"] is True
