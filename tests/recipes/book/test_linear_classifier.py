"""The linear classifier of ch. 3: the loss falls as in the book, the line separates the
clouds, and a seed repeats the run exactly."""

import csv
import json

import numpy as np
import pytest

from keras_dl.lab.registry import load_recipe


def read_losses(run_dir):
    with (run_dir / "history.csv").open() as f:
        return [float(row["loss"]) for row in csv.DictReader(f)]


def test_quick_changes_nothing_the_book_steps_and_the_boundary_plot(quick_run):
    run = quick_run("linear_classifier")
    (run_dir,) = run.run_dirs
    assert run.code == 0
    assert (run_dir / "boundary.png").stat().st_size > 0
    lines = run.out.strip().splitlines()
    assert sum(line.startswith("Loss at step ") for line in lines) == 40
    assert len(read_losses(run_dir)) == 40


def test_loss_falls_to_a_few_hundredths_and_the_line_separates(run_recipe):
    code, (run_dir,) = run_recipe("linear_classifier", "--no-plots")
    assert code == 0
    metrics = json.loads((run_dir / "metrics.json").read_text())
    losses = read_losses(run_dir)
    assert len(losses) == 40
    assert losses == sorted(losses, reverse=True)  # full-batch descent on a quadratic
    assert metrics["loss_first_step"] == pytest.approx(losses[0], rel=1e-6)
    assert metrics["loss_last_step"] == pytest.approx(losses[-1], rel=1e-6)
    # Seeds 0-7 start at 0.40-4.9 and end at 0.027-0.029: at least 14 times lower.
    assert losses[-1] < 0.1 and losses[0] > 10 * losses[-1]
    assert metrics["train_accuracy"] > 0.99 and metrics["test_accuracy"] > 0.98
    # Label 1 sits at (3, 0) and label 0 at (0, 3): the prediction grows along x0, falls along x1.
    w0, w1 = metrics["W"]
    assert w0 > 0 > w1
    # The headline: both losses as printed, judged on the last one against the book's band.
    low, high = load_recipe("linear_classifier").LAST_LOSS_BAND
    result = metrics["result"]
    assert result["value"] == f"{losses[0]:.4f} -> {losses[-1]:.4f}"
    assert result["same_dataset"] is True and result["inside"] is True
    assert low <= losses[-1] <= high


def test_a_last_loss_outside_the_band_is_judged_no(run_recipe):
    # Ten steps at a tenth of the rate leave the loss far above the book's: the verdict has teeth.
    code, (run_dir,) = run_recipe(
        "linear_classifier", "--steps", "10", "--learning-rate", "0.01", "--no-plots"
    )
    assert code == 0
    result = json.loads((run_dir / "metrics.json").read_text())["result"]
    assert result["inside"] is False


def test_same_seed_same_run_another_seed_another_start(run_recipe):
    metrics = []
    for tag, seed in (("a", "2"), ("b", "2"), ("c", "3")):
        _, run_dirs = run_recipe("linear_classifier", "--seed", seed, "--no-plots", "--tag", tag)
        (run_dir,) = (p for p in run_dirs if p.name.endswith(f"-{tag}"))
        metrics.append(json.loads((run_dir / "metrics.json").read_text()))
    first, again, other = metrics
    for key in ("W_initial", "W", "b", "loss_first_step", "loss_last_step"):
        assert first[key] == again[key]
    assert not np.allclose(first["W_initial"], other["W_initial"])
