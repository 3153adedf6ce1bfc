"""The backprop_by_hand recipe: the notes' worked example, the chain rule, and Keras' SGD."""

import json

import numpy as np
import pytest

from keras_dl.registry import load_recipe

backprop = load_recipe("backprop_by_hand")


def test_the_notes_steps_one_and_two():
    assert backprop.output(backprop.WEIGHTS) == pytest.approx(0.15, abs=1e-12)
    shares = backprop.proportional_update(backprop.WEIGHTS, digits=4)
    np.testing.assert_allclose(shares, [0.0083, 0.025, 0.0167], atol=1e-4)
    assert shares.sum() == pytest.approx(0.05, abs=1e-4)
    exact = backprop.proportional_update(backprop.WEIGHTS)
    np.testing.assert_allclose(exact / exact[0], [1, 3, 2], rtol=1e-12)  # the ratio 1:3:2
    np.testing.assert_allclose(backprop.WEIGHTS + shares, [0.1083, 0.325, 0.2167], atol=1e-4)


def test_the_notes_printed_output_multiplies_c_by_0_2():
    updated = backprop.WEIGHTS + backprop.proportional_update(backprop.WEIGHTS, digits=4)
    # The notes' sum 0.04332 + 0.0975 + 0.04334 = 0.18416 is 0.4 A + 0.3 B + 0.2 C ...
    assert np.dot([0.4, 0.3, 0.2], updated) == pytest.approx(0.18416, abs=1e-5)
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


def test_quick_run_writes_the_run_record(run_recipe, assert_complete_run, capsys):
    code, (run_dir,) = run_recipe("backprop_by_hand", "--quick")
    assert code == 0
    assert_complete_run(run_dir)
    assert (run_dir / "errors.png").is_file()
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["new_output"] == pytest.approx(0.16249, abs=1e-5)
    assert metrics["notes_printed_output"] == pytest.approx(0.18416, abs=1e-5)
    assert metrics["max_gradient_gap_keras_vs_chain_rule"] < 1e-6
    assert len((run_dir / "history.csv").read_text().splitlines()) == 1 + 2  # --quick: 2 steps
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == "error after one update 0.03751 (book: 0.01584)"
