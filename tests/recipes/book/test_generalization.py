"""The generalization recipe (ch. 5): variant runs, their overlays, and the book's shapes."""

import json

import numpy as np
import pytest

from keras_dl.registry import load_recipe


def metrics_of(run_dirs) -> dict:
    """{variant: metrics.json} of the runs."""
    records = [json.loads((d / "metrics.json").read_text()) for d in run_dirs]
    return {m["variant"]: m for m in records}


def history_of(run_dir):
    """The run's history.csv as a NumPy record array."""
    return np.genfromtxt(run_dir / "history.csv", delimiter=",", names=True)


def test_quick_noise_experiment_writes_two_runs_and_their_overlay(
    run_recipe, assert_complete_run, capsys
):
    code, run_dirs = run_recipe(
        "generalization", "--quick", "--dataset", "digits", "--variant", "noise"
    )
    assert code == 0
    assert [d.name.split("-quick-")[1] for d in run_dirs] == ["noise-channels", "zero-channels"]
    for run_dir in run_dirs:
        assert_complete_run(run_dir)
    overlays = sorted(run_dirs[0].parent.glob("compare-*-quick-noise-val_accuracy.*"))
    assert [p.suffix for p in overlays] == [".csv", ".png"]

    for run_dir in run_dirs:
        m = json.loads((run_dir / "metrics.json").read_text())
        assert m["experiment"] == "noise"
        assert m["input_features"] == 128  # 64 pixels + 64 appended channels
        assert m["epochs"] == 2
        assert m["result"]["dataset"] == "digits" and m["result"]["same_dataset"] is False
        history = history_of(run_dir)
        assert m["final_val_accuracy"] == pytest.approx(history["val_accuracy"][-1], abs=1e-6)
        assert m["best_epoch"] == int(np.argmin(history["val_loss"])) + 1
    assert metrics_of(run_dirs)["zero-channels"]["book"]["final_val_accuracy"] == 0.981

    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("final val accuracy (noise-channels) ")
    assert last.endswith("on digits (book: 0.97 on MNIST)")


def test_quick_mnist_path_runs_on_a_labelled_stand_in(run_recipe):
    code, (run_dir,) = run_recipe(
        "generalization", "--quick", "--no-plots", "--variant", "dense-10"
    )
    assert code == 0
    m = json.loads((run_dir / "metrics.json").read_text())
    assert m["result"]["dataset"] == "synthetic-mnist"
    assert m["input_features"] == 784
    assert m["sizes"] == {"train": 480, "val": 120}


def test_mnist_offline_says_which_file_to_put_where(run_recipe, capsys):
    code, run_dirs = run_recipe("generalization", "--variant", "lr")
    assert code == 2
    assert run_dirs == []
    err = capsys.readouterr().err
    assert "mnist.npz" in err and "--dataset digits" in err
    assert "Traceback" not in err


def test_variants_change_the_data_as_the_book_and_repeat_with_the_seed():
    recipe = load_recipe("generalization")
    variants = {v.name: v for v in recipe.VARIANTS}
    x = np.random.default_rng(0).random((50, 64), dtype=np.float32)
    y = np.arange(50) % 10
    noisy, _ = recipe.prepare(variants["noise-channels"], x, y, seed=3)
    assert noisy.shape == (50, 128) and np.array_equal(noisy[:, :64], x)
    assert noisy[:, 64:].min() >= 0.0 and noisy[:, 64:].max() < 1.0
    assert np.array_equal(recipe.prepare(variants["noise-channels"], x, y, seed=3)[0], noisy)
    zeros, _ = recipe.prepare(variants["zero-channels"], x, y, seed=3)
    assert zeros.shape == (50, 128) and not zeros[:, 64:].any()
    same_x, shuffled = recipe.prepare(variants["shuffled-labels"], x, y, seed=3)
    assert same_x is x and sorted(shuffled) == sorted(y) and not np.array_equal(shuffled, y)


def test_learning_rate_one_keeps_the_model_from_fitting_digits(run_recipe):
    code, run_dirs = run_recipe(
        "generalization", "--dataset", "digits", "--variant", "lr", "--no-plots"
    )
    assert code == 0
    metrics = metrics_of(run_dirs)
    too_high, right = metrics["lr-1.0"], metrics["lr-0.01"]
    assert right["final_val_accuracy"] >= 0.93
    assert too_high["final_accuracy"] < right["final_accuracy"] - 0.2
    assert too_high["final_val_accuracy"] < right["final_val_accuracy"] - 0.05


@pytest.mark.slow
def test_every_experiment_shows_the_books_shape_on_digits(run_recipe):
    code, run_dirs = run_recipe("generalization", "--dataset", "digits", "--no-plots")
    assert code == 0
    m = metrics_of(run_dirs)
    assert len(m) == 7
    # Noise channels cost accuracy that zero channels do not.
    assert m["noise-channels"]["final_val_accuracy"] < m["zero-channels"]["final_val_accuracy"]
    # Shuffled labels: training accuracy climbs far above chance, validation stays at chance.
    shuffled = m["shuffled-labels"]
    history = history_of(next(d for d in run_dirs if d.name.endswith("shuffled-labels")))
    assert shuffled["final_accuracy"] > 2 * history["accuracy"][0]
    assert shuffled["final_accuracy"] > 0.3
    assert shuffled["final_val_accuracy"] <= 0.15
    # A larger model fits better than the softmax layer alone.
    assert m["dense-96-96"]["final_val_accuracy"] > m["dense-10"]["final_val_accuracy"] + 0.05
