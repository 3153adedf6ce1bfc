"""The gradient_descent recipe: f = x0^2 + x1^2 at several learning rates, and the
hours-vs-scores line by least squares and by gradient descent."""

import json

import numpy as np
import pytest

from keras_dl.registry import load_recipe

gd = load_recipe("gradient_descent")
START = np.array([-3.0, 4.0])


def test_lr_0_1_for_20_steps_walks_into_the_minimum():
    path = gd.gradient_descent(START, 0.1, 20)
    assert path.shape == (21, 2)
    # Each step is x <- x - 0.1 * 2x = 0.8 x.
    np.testing.assert_allclose(path[-1], START * 0.8**20, atol=1e-6)
    np.testing.assert_allclose(path[-1], [-0.0346, 0.0461], atol=1e-4)
    assert np.all(np.diff(np.linalg.norm(path, axis=1)) < 0)


def test_too_small_and_too_large_learning_rates():
    small = gd.gradient_descent(START, 1e-3, 20)
    assert np.linalg.norm(small[-1]) > 0.95 * np.linalg.norm(START)  # barely moved
    large = gd.gradient_descent(START, 1.05, 20)
    np.testing.assert_allclose(large[-1], START * (-1.1) ** 20, rtol=1e-6)  # grows, zigzagging
    assert np.all(np.sign(large[1:, 0]) != np.sign(large[:-1, 0]))


def test_dlfs_100_step_results_to_every_printed_digit():
    for lr, printed in gd.DLFS_100_STEPS.items():
        np.testing.assert_allclose(gd.gradient_descent(START, lr, 100)[-1], printed, rtol=1e-8)


def test_keras_sgd_follows_the_same_path():
    np.testing.assert_allclose(
        gd.keras_sgd_path(START, 0.1, 20), gd.gradient_descent(START, 0.1, 20), atol=1e-5
    )


def test_least_squares_and_the_books_guess():
    a, b = gd.least_squares()
    assert (a, b) == (pytest.approx(2.3, abs=1e-9), pytest.approx(79.0, abs=1e-9))
    assert gd.mse(a, b) == pytest.approx(8.3, abs=1e-9)
    assert gd.mse(3.0, 76.0) == pytest.approx(11.0, abs=1e-9)  # the book's MSE of its guess


def test_gradient_descent_reaches_the_least_squares_line():
    history = gd.fit_line_by_gradient_descent(2001, 0.03)
    assert history["a"][-1] == pytest.approx(2.3, abs=1e-4)
    assert history["b"][-1] == pytest.approx(79.0, abs=1e-4)
    assert history["loss"][0] == pytest.approx(np.mean(gd.SCORES**2))  # from a = b = 0
    assert history["loss"][-1] == pytest.approx(8.3, abs=1e-4)


def test_quick_run_writes_the_run_record(run_recipe, assert_complete_run, capsys):
    code, (run_dir,) = run_recipe("gradient_descent", "--quick")
    assert code == 0
    assert_complete_run(run_dir)
    assert {"descent.png", "regression.png"} <= {p.name for p in run_dir.iterdir()}
    metrics = json.loads((run_dir / "metrics.json").read_text())
    np.testing.assert_allclose(metrics["final_x"]["right"], START * 0.8**20, atol=1e-6)
    assert metrics["least_squares"]["a"] == pytest.approx(2.3, abs=1e-9)
    assert metrics["gradient_descent"]["epochs"] == 2  # --quick
    assert len((run_dir / "history.csv").read_text().splitlines()) == 1 + 2
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("slope a by gradient descent ") and last.endswith("(book: 2.3)")


def test_full_run_reports_the_books_line(run_recipe, capsys):
    code, (run_dir,) = run_recipe("gradient_descent", "--no-plots")
    assert code == 0
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["gradient_descent"]["a"] == pytest.approx(2.3, abs=1e-4)
    assert metrics["gradient_descent"]["b"] == pytest.approx(79.0, abs=1e-4)
    assert capsys.readouterr().out.strip().splitlines()[-1] == (
        "slope a by gradient descent 2.3000 (book: 2.3)"
    )
