"""The gradient_descent recipe: f = x0^2 + x1^2 at several learning rates, and the
hours-vs-scores line by least squares and by gradient descent."""

import json

import numpy as np
import pytest

from keras_dl.lab.registry import load_recipe

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
    assert a == pytest.approx(gd.BOOK_LINE["a"], abs=1e-9)
    assert b == pytest.approx(gd.BOOK_LINE["b"], abs=1e-9)
    assert gd.mse(a, b) == pytest.approx(8.3, abs=1e-9)
    assert gd.mse(**gd.GUESS) == pytest.approx(gd.BOOK_GUESS_MSE, abs=1e-9)  # the book's guess


def test_gradient_descent_reaches_the_least_squares_line():
    history = gd.fit_line_by_gradient_descent(2001, 0.03)
    assert history["a"][-1] == pytest.approx(gd.BOOK_LINE["a"], abs=1e-4)
    assert history["b"][-1] == pytest.approx(gd.BOOK_LINE["b"], abs=1e-4)
    assert history["loss"][0] == pytest.approx(np.mean(gd.SCORES**2))  # from a = b = 0
    assert history["loss"][-1] == pytest.approx(8.3, abs=1e-4)


def test_full_run_reports_the_books_line(run_recipe):
    code, (run_dir,) = run_recipe("gradient_descent", "--no-plots")
    assert code == 0
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["gradient_descent"]["a"] == pytest.approx(gd.BOOK_LINE["a"], abs=1e-4)
    assert metrics["gradient_descent"]["b"] == pytest.approx(gd.BOOK_LINE["b"], abs=1e-4)
    # Both figures are judged by the run: the line reached, and f's minimum at lr 0.1.
    (descent,) = metrics["figures"]
    assert metrics["result"]["inside"] is True and descent["inside"] is True
    assert metrics["final_f"]["right"] == pytest.approx(gd.f(START * 0.8**20))


def test_quick_run_stops_short_of_the_line(quick_run):
    run = quick_run("gradient_descent")
    (run_dir,) = run.run_dirs
    assert run.code == 0
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["gradient_descent"]["epochs"] == 2  # --quick caps the epochs...
    assert len((run_dir / "history.csv").read_text().splitlines()) == 1 + 2
    # ... so the line is not reached: a quick run is never judged against the book's line,
    # while f's descent, which holds on any data, still is.
    assert abs(metrics["gradient_descent"]["a"] - gd.BOOK_LINE["a"]) > 0.05
    (descent,) = metrics["figures"]
    assert metrics["result"]["inside"] is None and descent["inside"] is True
