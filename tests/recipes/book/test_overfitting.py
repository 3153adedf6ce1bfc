"""The overfitting recipe (ch. 5.4): five IMDB variants, each a run, and where each bottoms."""

import json

import pytest

from keras_dl.lab.registry import load_recipe
from keras_dl.records.book import SMOKE, BookFigure


def metrics_of(run_dirs) -> dict:
    """{variant: metrics.json} of the runs."""
    records = [json.loads((d / "metrics.json").read_text()) for d in run_dirs]
    return {m["variant"]: m for m in records}


def test_each_run_records_its_books_figures_and_the_overlay_compares_them(run_recipe, capsys):
    code, run_dirs = run_recipe("overfitting", "--quick", "--dataset", "synthetic-imdb")
    assert code == 0
    variants = load_recipe("overfitting").VARIANTS
    assert [d.name.split("-quick-")[1] for d in run_dirs] == [v.name for v in variants]
    assert len(list(run_dirs[0].parent.glob("compare-*-quick-val_loss.png"))) == 1

    m = metrics_of(run_dirs)
    for variant in variants:
        record, result = m[variant.name], m[variant.name]["result"]
        assert record["sizes"] == {"train": 300, "val": 200}  # 500 reviews, the last 40% validate
        # The headline is the minimum val_loss where the book gives one, else its epoch;
        # the epoch then follows as a figure of its own.
        headline = variant.loss or variant.epoch
        assert BookFigure.from_dict(result["book"]) == headline
        expected = record["best_val_loss"] if variant.loss else record["best_epoch"]
        assert result["value"] == pytest.approx(expected)
        figures = record.get("figures", [])
        books = [BookFigure.from_dict(f["book"]) for f in figures]
        assert books == ([variant.epoch] if variant.loss else [])
        # A generated review's number is never judged against IMDB's.
        assert result["dataset"] == "synthetic-imdb" and result["inside"] is None
    # Every figure has a band: the bigger model's is the book's own words (it overfits from
    # the first epochs on), the others are read off the section's plots.
    bands = {v.name: v.epoch.band for v in variants}
    assert bands["bigger"] == (1, 2)
    assert all(low <= v.epoch.value <= high for v in variants for low, high in [bands[v.name]])

    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("val_loss minimum epoch (original) ")
    assert out[-1].endswith(f"on synthetic-imdb ({SMOKE})")


def test_l2_loss_carries_its_penalty(run_recipe):
    """L2's loss is cross-entropy plus 0.002 * sum of squared weights: the loss of the
    same data is higher than the unregularized model's from the same start."""
    losses = {}
    for name in ("original", "l2"):
        _, run_dirs = run_recipe(
            "overfitting", "--quick", "--no-plots", "--variant", name, "--epochs", "1"
        )
        record = metrics_of(run_dirs)[name]
        assert record["result"]["dataset"] == "synthetic-imdb"  # no imdb.npz: the stand-in
        losses[name] = record["best_val_loss"]
    assert losses["l2"] > losses["original"] + 0.01


def test_imdb_offline_says_which_file_to_put_where(run_recipe, capsys):
    code, run_dirs = run_recipe("overfitting", "--variant", "bigger")
    assert code == 2
    assert run_dirs == []
    err = capsys.readouterr().err
    assert "imdb.npz" in err and "--quick" in err
    assert "Traceback" not in err
