"""The overfitting recipe (ch. 5.4): five IMDB variants, their val_loss overlay."""

import json

import pytest


def metrics_of(run_dirs) -> dict:
    """{variant: metrics.json} of the runs."""
    records = [json.loads((d / "metrics.json").read_text()) for d in run_dirs]
    return {m["variant"]: m for m in records}


def test_quick_run_without_imdb_writes_five_labelled_runs_and_the_overlay(
    run_recipe, assert_complete_run, capsys
):
    code, run_dirs = run_recipe("overfitting", "--quick")
    assert code == 0
    names = ["original", "smaller", "bigger", "l2", "dropout"]
    assert [d.name.split("-quick-")[1] for d in run_dirs] == names
    for run_dir in run_dirs:
        assert_complete_run(run_dir)
    assert len(list(run_dirs[0].parent.glob("compare-*-quick-val_loss.png"))) == 1

    m = metrics_of(run_dirs)
    for name in names:
        assert m[name]["result"]["dataset"] == "synthetic-imdb"
        assert m[name]["result"]["same_dataset"] is False
        assert m[name]["sizes"] == {"train": 300, "val": 200}
        assert 1 <= m[name]["best_epoch"] <= 2
    assert m["bigger"]["book"]["best_epoch"] == 1
    assert m["dropout"]["book"]["best_val_loss"] == 0.275

    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("val_loss minimum epoch (original) ")
    assert out[-1].endswith("on synthetic-imdb (book: 3 on IMDB)")


def test_l2_loss_carries_its_penalty(run_recipe):
    """L2's loss is cross-entropy plus 0.002 * sum of squared weights: the loss of the
    same data is higher than the unregularized model's from the same start."""
    losses = {}
    for name in ("original", "l2"):
        _, run_dirs = run_recipe(
            "overfitting", "--quick", "--no-plots", "--variant", name, "--epochs", "1"
        )
        losses[name] = metrics_of(run_dirs)[name]["best_val_loss"]
    assert losses["l2"] > losses["original"] + 0.01


def test_imdb_offline_says_which_file_to_put_where(run_recipe, capsys):
    code, run_dirs = run_recipe("overfitting", "--variant", "bigger")
    assert code == 2
    assert run_dirs == []
    err = capsys.readouterr().err
    assert "imdb.npz" in err and "--quick" in err
    assert "Traceback" not in err


@pytest.mark.slow
def test_capacity_and_regularization_shapes_on_generated_reviews(run_recipe):
    code, run_dirs = run_recipe(
        "overfitting", "--dataset", "synthetic-imdb", "--batch-size", "64", "--no-plots"
    )
    assert code == 0
    m = metrics_of(run_dirs)
    # The more capacity, the sooner the validation loss bottoms.
    assert m["bigger"]["best_epoch"] < m["original"]["best_epoch"] <= m["smaller"]["best_epoch"]
    assert m["bigger"]["val_loss_rise_after_best"] > m["original"]["val_loss_rise_after_best"]
    # L2 and dropout delay overfitting.
    assert m["l2"]["best_epoch"] > m["original"]["best_epoch"]
    assert m["dropout"]["best_epoch"] > m["original"]["best_epoch"]


@pytest.mark.slow
def test_the_books_shapes_on_imdb(run_recipe, real_keras_datasets):
    if not (real_keras_datasets / "imdb.npz").is_file():
        pytest.skip("imdb.npz is not among the verified datasets (cannot be had offline here)")
    code, run_dirs = run_recipe("overfitting", "--no-plots")
    assert code == 0
    m = metrics_of(run_dirs)
    assert m["bigger"]["best_epoch"] <= 2
    assert 2 <= m["original"]["best_epoch"] <= 5
    assert m["smaller"]["best_epoch"] > m["original"]["best_epoch"]
    assert m["l2"]["best_epoch"] > m["original"]["best_epoch"]
    assert m["dropout"]["best_epoch"] > m["original"]["best_epoch"]
