"""The mnist recipe: the book's first network on real MNIST, never judged on a stand-in."""

import json

from keras_dl.lab.registry import load_recipe


def test_mnist_and_digits_declare_the_same_book_figure():
    # The one figure both ch. 2 scripts declare (no recipe imports another): keep them equal.
    assert load_recipe("mnist").BOOK == load_recipe("digits").BOOK


def test_quick_without_the_file_runs_on_a_labelled_stand_in(quick_run):
    run = quick_run("mnist")
    (run_dir,) = run.run_dirs
    assert run.code == 0
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["result"]["dataset"] == "synthetic-mnist"
    assert metrics["result"]["same_dataset"] is False and metrics["result"]["inside"] is None
    assert 0.0 <= metrics["test"]["accuracy"] <= 1.0 and metrics["sizes"]["train"] > 0


def test_offline_without_the_file_says_which_file_to_put_where(run_recipe, capsys):
    code, run_dirs = run_recipe("mnist")
    assert code == 2 and run_dirs == []
    err = capsys.readouterr().err
    assert "mnist.npz" in err and "datasets" in err and "--dataset digits" in err
    assert "Traceback" not in err
