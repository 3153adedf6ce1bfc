"""The reuters recipe: its two runs and overlay, and its baseline. Its numbers on real
Reuters are judged over seeds by `make check-book`."""

import json

import keras
import numpy as np
import pytest

from keras_dl.lab.registry import load_recipe
from keras_dl.records.book import SMOKE, BookFigure, Result
from keras_dl.synthetic import synthetic_sequences


def read_metrics(run_dir):
    return json.loads((run_dir / "metrics.json").read_text())


def test_quick_run_with_the_bottleneck_writes_two_runs_and_their_overlay(
    run_recipe, assert_complete_run, capsys
):
    reuters = load_recipe("reuters")
    code, run_dirs = run_recipe("reuters", "--quick", "--bottleneck")
    assert code == 0
    main_dir, bottleneck_dir = run_dirs
    assert main_dir.name.endswith("-quick")
    assert bottleneck_dir.name.endswith("-quick-bottleneck")
    for run_dir in run_dirs:
        assert_complete_run(run_dir)
    assert list(main_dir.parent.glob("compare-*-val_accuracy.png"))

    metrics = read_metrics(main_dir)
    assert metrics["result"]["dataset"] == "synthetic-reuters"
    assert metrics["result"]["same_dataset"] is False
    # --quick caps the hold-out and the retraining.
    assert metrics["sizes"] == {"train": 700, "val": 300, "retrain": 1000, "test": 500}
    assert metrics["retrain_epochs"] == 2
    assert metrics["test_accuracy"] == metrics["result"]["value"]
    # The baseline is the shuffled-label chance on this run's own test labels.
    seed = json.loads((main_dir / "config.json").read_text())["seed"]
    _, (_, test_labels) = synthetic_sequences(1000, 500, num_classes=46, num_words=10000, seed=seed)
    baseline = reuters.shuffled_label_accuracy(test_labels, seed=seed)
    assert metrics["shuffled_label_baseline"] == pytest.approx(baseline)
    figures = {figure["metric"]: figure for figure in metrics["figures"]}
    assert figures["shuffled-label baseline"]["value"] == pytest.approx(baseline)
    assert figures["epoch where val_loss bottoms"]["value"] == metrics["best_epoch"]
    assert 1 <= metrics["best_epoch"] <= 2
    # A stand-in's numbers are reported beside the book's, never judged against them.
    assert all(figure["inside"] is None for figure in metrics["figures"])

    bottleneck = read_metrics(bottleneck_dir)
    assert bottleneck["result"]["metric"] == reuters.BOOK_BOTTLENECK[2].metric
    assert bottleneck["result"]["value"] == bottleneck["val_accuracy"]["peak"]
    assert bottleneck["reference_64_64_val_accuracy"] == metrics["val_accuracy"]

    # The summary comes last: the 64-64 model's test accuracy beside the book's.
    last_line = capsys.readouterr().out.strip().splitlines()[-1]
    assert last_line == Result.from_dict(metrics["result"]).line()
    assert last_line.endswith(f"on synthetic-reuters ({SMOKE})")


def test_shuffled_label_baseline_is_the_chance_of_a_random_match():
    reuters = load_recipe("reuters")
    # Classes with shares 0.6, 0.3, 0.1: a random permutation matches with chance
    # 0.36 + 0.09 + 0.01 = 0.46.
    labels = np.repeat([0, 1, 2], [6000, 3000, 1000])
    baseline = reuters.shuffled_label_accuracy(labels, seed=0)
    assert baseline == pytest.approx(0.46, abs=0.015)
    assert reuters.shuffled_label_accuracy(labels, seed=0) == baseline


def test_more_validation_samples_than_newswires_is_a_usage_error(monkeypatch, run_recipe, capsys):
    newswires = synthetic_sequences(1000, 500, num_classes=46, num_words=10000, seed=1)
    monkeypatch.setattr(keras.datasets.reuters, "load_data", lambda num_words: newswires)
    monkeypatch.setattr(keras.datasets.reuters, "get_word_index", lambda: {"the": 1})
    code, run_dirs = run_recipe("reuters", "--val-samples", "1000")
    assert code == 2 and not run_dirs
    err = capsys.readouterr().err
    assert "--val-samples 1000: expected fewer than the 1000 training newswires" in err
    assert "Traceback" not in err


def test_full_run_offline_says_which_file_to_put_where(run_recipe, capsys):
    code, run_dirs = run_recipe("reuters")
    assert code == 2
    assert run_dirs == []
    err = capsys.readouterr().err
    assert "reuters.npz" in err and "datasets" in err and "--quick" in err
    assert "Traceback" not in err


def test_the_third_edition_trains_with_adam_and_is_judged_against_its_own_figures(
    run_recipe, capsys
):
    reuters = load_recipe("reuters")
    assert type(reuters.build_model((64, 64), "ed2", 2).optimizer).__name__ == "RMSprop"
    assert type(reuters.build_model((64, 64), "ed3", 3).optimizer).__name__ == "Adam"
    code, (run_dir,) = run_recipe("reuters", "--quick", "--no-bottleneck", "--edition", "3")
    assert code == 0
    assert run_dir.name.endswith("-quick-ed3")
    config = json.loads((run_dir / "config.json").read_text())
    assert config["edition"] == 3 and config["arguments"]["edition"] == 3
    metrics = read_metrics(run_dir)
    assert BookFigure.from_dict(metrics["result"]["book"]) == reuters.BOOK[3]
    assert metrics["result"]["book"]["label"] == "book, 3rd ed. ch. 4"
    assert {f["book"]["edition"] for f in metrics["figures"]} == {3}
    assert "dataset synthetic-reuters, the book's 3rd edition" in capsys.readouterr().out


def test_an_edition_the_recipe_does_not_follow_is_a_usage_error(run_recipe, capsys):
    code, run_dirs = run_recipe("reuters", "--quick", "--edition", "1")
    assert code == 2 and not run_dirs
    err = capsys.readouterr().err
    assert "argument --edition: invalid choice: 1 (choose from 2, 3)" in err
