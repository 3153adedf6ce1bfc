"""The machinery every recipe shares: flags, the run record, the closing line."""

import argparse
import json

import numpy as np
import pytest

from keras_dl import build_dense_model
from keras_dl.datasets import DatasetUnavailableError
from keras_dl.recipe import (
    BookFigure,
    Result,
    finish_recipe,
    overlay_runs,
    parse_recipe_args,
    positive_float,
    positive_int,
    recipe_main,
    recipe_parser,
    start_recipe,
)


def parse(*argv, **defaults):
    return parse_recipe_args(recipe_parser("Title\n\nDetails.", **defaults), list(argv))


def test_shared_flags_and_quick_mode():
    args = parse(epochs=20, batch_size=512)
    assert (args.epochs, args.batch_size, args.seed, args.out, args.tag) == (
        20,
        512,
        0,
        "runs",
        None,
    )
    quick = parse("--quick", epochs=20, batch_size=512)
    assert (quick.epochs, quick.tag) == (2, "quick")
    tagged = parse("--quick", "--tag", "mine", "--epochs", "1", epochs=20)
    assert (tagged.epochs, tagged.tag) == (1, "mine")
    assert not hasattr(parse(), "epochs")


@pytest.mark.parametrize("argv", [["--epochs", "0"], ["--batch-size", "x"], ["--tag", "../x"]])
def test_bad_flags_exit_with_argparse_message(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse(*argv, epochs=5, batch_size=8)
    assert exit_info.value.code == 2
    assert "expected" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["0", "-3", "2.5", "x"])
def test_positive_int_refuses_what_is_not_a_count(text):
    with pytest.raises(argparse.ArgumentTypeError, match="expected a positive integer"):
        positive_int(text)
    assert positive_int("7") == 7


@pytest.mark.parametrize("text", ["0", "-0.1", "nan", "inf", "x"])
def test_positive_float_refuses_what_is_not_a_positive_number(text):
    with pytest.raises(argparse.ArgumentTypeError, match="expected a number above 0"):
        positive_float(text)
    assert positive_float("1e-3") == 0.001


def test_book_figures_keep_every_published_digit():
    assert BookFigure("output", 0.31682708, "notes").text() == "0.31682708"
    assert BookFigure("epoch", (8, 9), "Reuters").text() == "8-9"
    assert BookFigure("accuracy", 1.0, "XOR").text() == "1"


def test_result_line_names_the_dataset_unless_it_is_the_books():
    book = BookFigure("test accuracy", 0.978, "MNIST", "ch. 2.1")
    assert (
        Result("test accuracy", 0.98012, "MNIST", book).line()
        == "test accuracy 0.9801 (book: 0.978)"
    )
    assert (
        Result("test accuracy", 0.9556, "digits", book).line()
        == "test accuracy 0.9556 on digits (book: 0.978 on MNIST)"
    )
    band = BookFigure("test accuracy", (0.884, 0.885), "IMDB")
    assert (
        Result("test accuracy", 0.5, "synthetic-imdb", band)
        .line()
        .endswith("(book: 0.884-0.885 on IMDB)")
    )
    assert Result("MAE", 2.5, "Boston housing").line() == "MAE 2.5000 on Boston housing"


def test_a_training_run_records_all_four_files(tmp_path, capsys, assert_complete_run):
    args = parse("--out", str(tmp_path), "--seed", "1", epochs=2, batch_size=16)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 4)).astype("float32"), rng.integers(0, 2, 64)
    with start_recipe("demo", args, dataset="generated") as run:
        model = build_dense_model(4, "binary", hidden_units=(8,))
        history = model.fit(X, y, validation_split=0.25, epochs=args.epochs, verbose=0)
        result = Result("val accuracy", history.history["val_accuracy"][-1], "generated")
        finish_recipe(run, args, history=history.history, metrics={"n": 64}, result=result)
    assert_complete_run(run.path)
    config = json.loads((run.path / "config.json").read_text())
    assert config["seed"] == 1 and config["arguments"]["epochs"] == 2 and config["backend"]
    assert config["device"].startswith(("CPU", "GPU")) and config["versions"]["keras"]
    metrics = json.loads((run.path / "metrics.json").read_text())
    assert metrics["best_epoch"] in (1, 2) and metrics["wall_time_s"] > 0
    assert metrics["result"]["dataset"] == "generated" and metrics["result"]["book"] is None
    assert metrics["result"]["quick"] is False
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == result.line() and out[-2] == f"run directory: {run.path}"


def test_a_quick_run_is_marked_beside_the_books_figure(tmp_path, capsys):
    args = parse("--out", str(tmp_path), "--quick", epochs=5)
    book = BookFigure("test accuracy", 0.978, "MNIST")
    with start_recipe("demo", args, dataset="MNIST") as run:
        result = Result("test accuracy", 0.5, "MNIST", book)
        finish_recipe(run, args, history=None, metrics={}, result=result)
    metrics = json.loads((run.path / "metrics.json").read_text())
    assert metrics["result"]["quick"] is True
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-3].startswith("--quick: ") and out[-3].endswith(
        "not comparable with the book's figure"
    )


def test_no_plots_skips_the_png(tmp_path):
    args = parse("--out", str(tmp_path), "--no-plots", epochs=1)
    with start_recipe("demo", args, dataset="none") as run:
        finish_recipe(run, args, history={"loss": [1.0], "val_loss": [1.2]}, metrics={})
    assert not (run.path / "curves.png").exists()
    assert (run.path / "history.csv").exists()


def test_variants_are_runs_of_their_own_and_get_overlaid(tmp_path):
    args = parse("--out", str(tmp_path), "--tag", "t", epochs=1)
    runs = []
    for variant, values in (("small", [0.9, 0.5, 0.7]), ("big", [0.6, 0.8, 0.9])):
        with start_recipe("demo", args, dataset="none", variant=variant) as run:
            finish_recipe(run, args, history={"loss": values, "val_loss": values}, metrics={})
        runs.append(run)
    assert [r.path.name.split("-", 2)[2] for r in runs] == ["t-small", "t-big"]
    rows = overlay_runs("demo", runs, args)
    assert [row["best_epoch"] for row in rows] == [2, 1]
    (png,) = (tmp_path / "demo").glob("compare-*-t-val_loss.png")
    assert png.with_suffix(".csv").is_file()


def test_recipe_main_turns_a_missing_dataset_into_exit_status_2(capsys):
    @recipe_main
    def main(argv=None):
        raise DatasetUnavailableError("imdb", "no network", "run with --quick")

    assert main([]) == 2
    err = capsys.readouterr().err
    assert "imdb.npz" in err and "run with --quick" in err
