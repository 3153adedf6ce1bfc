"""The imdb recipe: the offline message, the quick caps, and the IMDB code path on generated
reviews in the real format (imdb.npz cannot be had on these machines)."""

import json

import keras
import numpy as np

from keras_dl.lab.registry import load_recipe
from keras_dl.records.book import SMOKE, Result
from keras_dl.synthetic import synthetic_sequences


def read_metrics(run_dir):
    return json.loads((run_dir / "metrics.json").read_text())


def test_quick_run_caps_the_hold_out_and_labels_the_generated_reviews(quick_run):
    run = quick_run("imdb")
    (run_dir,) = run.run_dirs
    assert run.code == 0
    metrics = read_metrics(run_dir)
    assert metrics["result"]["dataset"] == "synthetic-imdb"
    assert metrics["result"]["same_dataset"] is False
    assert metrics["sizes"] == {"train": 600, "val": 400, "retrain": 1000, "test": 500}
    assert metrics["retrain_epochs"] == 2
    out = run.out
    assert "first training review: (not decoding: synthetic-imdb is generated" in out
    last_line = out.strip().splitlines()[-1]
    assert last_line == Result.from_dict(metrics["result"]).line()
    assert last_line.startswith("test accuracy (2 epochs on all 1,000) ")
    assert last_line.endswith(f"on synthetic-imdb ({SMOKE})")


def test_full_run_offline_says_which_file_to_put_where(run_recipe, capsys):
    code, run_dirs = run_recipe("imdb")
    assert code == 2
    assert run_dirs == []
    err = capsys.readouterr().err
    assert "imdb.npz" in err and "datasets" in err and "--quick" in err
    assert "Traceback" not in err


def test_vectorize_gives_float32_multi_hot_rows_and_labels():
    imdb = load_recipe("imdb")
    x, y = imdb.vectorize([[1, 14, 14, 9999], [1, 2]], np.array([1, 0]))
    assert x.dtype == np.float32 and x.shape == (2, 10000)
    assert np.flatnonzero(x[0]).tolist() == [1, 14, 9999]
    assert np.flatnonzero(x[1]).tolist() == [1, 2]
    assert y.dtype == np.float32 and y.tolist() == [1.0, 0.0]


def test_imdb_code_path_on_generated_reviews_in_the_real_format(monkeypatch, run_recipe, capsys):
    """Keras' IMDB loader replaced by generated reviews of its format: the full recipe holds
    out the first N, watches the validation loss, retrains on everything and tests."""
    imdb = load_recipe("imdb")
    calls = []

    def fake_load_data(num_words):
        calls.append(num_words)
        return synthetic_sequences(1000, 500, num_classes=2, num_words=num_words, seed=1)

    frequent_words = {"the": 1, "and": 2, "a": 3, "of": 4, "to": 5}
    monkeypatch.setattr(keras.datasets.imdb, "load_data", fake_load_data)
    monkeypatch.setattr(keras.datasets.imdb, "get_word_index", lambda: frequent_words)
    code, (run_dir,) = run_recipe(
        "imdb", "--val-samples", "300", "--epochs", "3", "--retrain-epochs", "2", "--no-plots"
    )
    assert code == 0
    assert calls == [10000]
    decoded = capsys.readouterr().out.split("first training review: ")[1].split()
    assert decoded[0] == "?"  # the start mark
    assert set(decoded) & set(frequent_words)

    metrics = read_metrics(run_dir)
    assert metrics["sizes"] == {"train": 700, "val": 300, "retrain": 1000, "test": 500}
    assert metrics["retrain_epochs"] == 2
    assert 1 <= metrics["best_epoch"] <= 3
    history = (run_dir / "history.csv").read_text().splitlines()
    assert history[0] == "epoch,accuracy,loss,val_accuracy,val_loss" and len(history) == 4
    assert metrics["test_accuracy"] >= 0.6  # learnable: seeds 0-3 reach 0.66 or more (chance 0.5)
    # Loaded through Keras' IMDB loader, the run counts as IMDB: judged against the book.
    assert metrics["result"]["dataset"] == "IMDB" and metrics["result"]["same_dataset"]
    (best,) = metrics["figures"]
    assert best["metric"] == imdb.BOOK_BEST_EPOCH[2].metric
    assert best["value"] == metrics["best_epoch"]
    low, high = imdb.BOOK_BEST_EPOCH[2].band
    assert best["inside"] == (low <= metrics["best_epoch"] <= high)


def test_more_validation_samples_than_reviews_is_a_usage_error(monkeypatch, run_recipe, capsys):
    reviews = synthetic_sequences(1000, 500, num_classes=2, num_words=10000, seed=1)
    monkeypatch.setattr(keras.datasets.imdb, "load_data", lambda num_words: reviews)
    monkeypatch.setattr(keras.datasets.imdb, "get_word_index", lambda: {"the": 1})
    code, run_dirs = run_recipe("imdb", "--val-samples", "1000")
    assert code == 2 and not run_dirs
    err = capsys.readouterr().err
    assert "--val-samples 1000: expected fewer than the 1000 training reviews" in err
