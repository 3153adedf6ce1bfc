"""The regularization recipe: a baseline that learns the label noise, and its remedies."""

import json

import numpy as np
import pytest

from keras_dl.registry import load_recipe

VARIANTS = ["baseline", "early-stopping", "l2", "dropout"]


def metrics_of(run_dirs) -> dict:
    """{variant: metrics.json} of the runs."""
    records = [json.loads((d / "metrics.json").read_text()) for d in run_dirs]
    return {m["variant"]: m for m in records}


def test_quick_run_writes_four_runs_and_two_overlays(run_recipe, assert_complete_run, capsys):
    code, run_dirs = run_recipe("regularization", "--quick")
    assert code == 0
    assert [d.name.split("-quick-")[1] for d in run_dirs] == VARIANTS
    for run_dir in run_dirs:
        assert_complete_run(run_dir)
    folder = run_dirs[0].parent
    for metric in ("val_loss", "val_crossentropy"):
        assert len(list(folder.glob(f"compare-*-quick-{metric}.png"))) == 1
    m = metrics_of(run_dirs)
    assert m["baseline"]["sizes"] == {"train": 538, "val": 540, "test": 719}
    assert m["baseline"]["label_noise"] == 0.3
    assert m["baseline"]["result"]["book"] is None  # the notes give no number
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("test accuracy (") and "baseline" in last
    assert last.endswith("on digits (30% noisy training labels)")


def test_the_seed_fixes_exactly_which_training_labels_are_wrong():
    recipe = load_recipe("regularization")
    _, train, val, _, clean, wrong = recipe.load_noisy_digits(0.3, seed=4)
    assert wrong.sum() == round(0.3 * len(clean))
    assert np.all(train[1][wrong] != clean[wrong]) and np.all(train[1][~wrong] == clean[~wrong])
    again = recipe.load_noisy_digits(0.3, seed=4)
    assert np.array_equal(again[1][1], train[1]) and np.array_equal(again[2][0], val[0])
    other = recipe.load_noisy_digits(0.3, seed=5)
    assert not np.array_equal(other[5], wrong)


def test_baseline_overfits_and_early_stopping_restores_its_best_epoch(run_recipe):
    epochs = ("--epochs", "25", "--no-plots")
    _, baseline_dirs = run_recipe("regularization", "--variant", "baseline", *epochs)
    _, stopped_dirs = run_recipe("regularization", "--variant", "early-stopping", *epochs)
    baseline = metrics_of(baseline_dirs)["baseline"]
    stopped = metrics_of(stopped_dirs)["early-stopping"]

    # The baseline memorizes the wrong labels: its validation loss climbs back after its
    # minimum, and training and validation part ways.
    assert baseline["best_epoch"] < 20
    assert baseline["val_loss_rise_after_best"] > 0.05
    assert baseline["memorized_wrong_labels"] > 0.5
    assert baseline["gap_crossentropy"] > 0.3

    # Early stopping: the same model up to its stop, a few epochs after the minimum, and
    # the weights of the best epoch restored (they score exactly the best val_loss).
    assert stopped["stopped"] is True
    assert stopped["epochs_run"] == stopped["best_epoch"] + 5
    assert stopped["restored_epoch"] == stopped["best_epoch"] == baseline["best_epoch"]
    assert stopped["val"]["crossentropy"] == pytest.approx(stopped["best_val_loss"], abs=1e-4)
    assert stopped["memorized_wrong_labels"] < baseline["memorized_wrong_labels"] / 2
    assert stopped["gap_accuracy"] < baseline["gap_accuracy"]
    assert stopped["test"]["accuracy"] > baseline["test"]["accuracy"] + 0.05


@pytest.mark.slow
def test_every_remedy_closes_the_gap_and_scores_better_on_test(run_recipe):
    code, run_dirs = run_recipe("regularization", "--no-plots")
    assert code == 0
    m = metrics_of(run_dirs)
    baseline = m["baseline"]
    history = np.genfromtxt(run_dirs[0] / "history.csv", delimiter=",", names=True)
    assert history["val_loss"][-1] > history["val_loss"].min() + 0.05
    for remedy in ("early-stopping", "l2", "dropout"):
        assert m[remedy]["gap_accuracy"] < baseline["gap_accuracy"] - 0.1, remedy
        assert m[remedy]["gap_crossentropy"] < baseline["gap_crossentropy"], remedy
        assert m[remedy]["memorized_wrong_labels"] < baseline["memorized_wrong_labels"] / 2
        assert m[remedy]["test"]["accuracy"] > baseline["test"]["accuracy"] + 0.05, remedy
        assert m[remedy]["test"]["crossentropy"] < baseline["test"]["crossentropy"], remedy
