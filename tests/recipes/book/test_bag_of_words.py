"""The bag_of_words recipe: its runs and claim on generated reviews, each edition's model,
the book's validation split, and the offline message."""

import json

import numpy as np

from keras_dl import datasets
from keras_dl.lab.registry import load_recipe
from keras_dl.records.book import SMOKE, BookFigure, Result


def metrics_of(run_dir):
    return json.loads((run_dir / "metrics.json").read_text())


def test_quick_run_makes_a_run_per_variant_and_judges_bigrams_against_unigrams(quick_run):
    run = quick_run("bag_of_words")
    assert run.code == 0
    unigrams, bigrams, tfidf = (metrics_of(d) for d in run.run_dirs)
    assert [m["variant"] for m in (unigrams, bigrams, tfidf)] == [
        "unigrams",
        "bigrams",
        "bigrams-tfidf",
    ]
    assert (tfidf["ngrams"], tfidf["output_mode"]) == (2, "tf_idf")
    assert unigrams["sizes"] == {"train": 1601, "val": 399, "test": 1000}
    assert (run.run_dirs[0] / "best.keras").is_file()  # the 2nd edition's checkpoint
    (claim,) = tfidf["claims"]
    (comparison,) = claim["comparisons"]
    assert (comparison["first"], comparison["second"], comparison["relation"]) == (
        "bigrams",
        "unigrams",
        "higher",
    )
    assert comparison["first_value"] == bigrams["test_accuracy"]
    assert claim["book"]["label"] == "book, 2nd ed. ch. 11.3"
    # The generated reviews negate some sentiment words: pairs of words carry the label
    # where single words mislead (seeds 0-3 give bigrams 0.94 or more, unigrams 0.73 or less).
    assert bigrams["test_accuracy"] > unigrams["test_accuracy"] + 0.1
    assert unigrams["result"]["book"] is None  # no 2nd-edition accuracy declared
    out = run.out.strip().splitlines()
    assert out[-1] == Result.from_dict(unigrams["result"]).line()
    assert out[-1].endswith(f"on synthetic-imdb-text ({SMOKE})")


def test_the_third_edition_is_a_linear_model_with_adam_and_its_printed_accuracies(run_recipe):
    bag_of_words = load_recipe("bag_of_words")
    linear = bag_of_words.build_model(30000, 3)
    assert [type(layer).__name__ for layer in linear.layers] == ["InputLayer", "Dense"]
    assert type(linear.optimizer).__name__ == "Adam" and linear.count_params() == 30001
    code, run_dirs = run_recipe("bag_of_words", "--quick", "--edition", "3", "--variant", "bigrams")
    assert code == 0
    (metrics,) = (metrics_of(d) for d in run_dirs)
    assert (
        BookFigure.from_dict(metrics["result"]["book"]) == bag_of_words.BOOK_ACCURACY[3]["bigrams"]
    )
    assert metrics["result"]["book"]["text"] == "0.90116"
    assert metrics["result"]["book"]["label"] == "book, 3rd ed. ch. 14"


def test_tf_idf_is_not_in_the_third_edition(run_recipe, capsys):
    code, run_dirs = run_recipe(
        "bag_of_words", "--edition", "3", "--variant", "bigrams-tfidf", "--quick"
    )
    assert code == 2 and not run_dirs
    assert "--variant bigrams-tfidf: not in the 3rd edition" in capsys.readouterr().err


def test_the_validation_split_holds_out_20_percent_of_each_class_as_the_book():
    x = np.array([f"review {i}" for i in range(100)], dtype=object)
    y = np.array([0] * 60 + [1] * 40)
    (train_x, train_y), (val_x, val_y) = datasets._hold_out_per_class((x, y), 0.2)
    assert (np.bincount(val_y) == [12, 8]).all() and (np.bincount(train_y) == [48, 32]).all()
    assert not set(train_x) & set(val_x)
    again = datasets._hold_out_per_class((x, y), 0.2)[1][0]
    assert (again == val_x).all()  # random.Random(1337): the same split every time


def test_full_run_offline_says_which_file_to_put_where(run_recipe, capsys):
    code, run_dirs = run_recipe("bag_of_words")
    assert code == 2 and run_dirs == []
    err = capsys.readouterr().err
    assert "aclImdb_v1.tar.gz" in err and "ai.stanford.edu" in err and "--quick" in err
    assert "Traceback" not in err
