"""The california recipe (3rd edition): its run record on generated block groups, its
figures cited from the 3rd edition, and the offline message."""

import json

import numpy as np
import pytest

from keras_dl.lab.registry import load_recipe
from keras_dl.records.book import SMOKE, Result
from keras_dl.synthetic import synthetic_california_housing


def test_quick_run_validates_four_folds_in_units_of_100k_and_cites_the_third_edition(quick_run):
    california = load_recipe("california")
    run = quick_run("california")
    (run_dir,) = run.run_dirs
    assert run.code == 0
    assert (run_dir / "kfold_mae.png").is_file()
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["result"]["dataset"] == "synthetic-california-housing"
    assert len(metrics["fold_val_mae"]) == 4
    assert metrics["mean_val_mae"] == pytest.approx(np.mean(metrics["fold_val_mae"]))
    # The targets are in $100,000s: an error of the generated prices' own spread is below
    # 3 (in dollars it would be tens of thousands).
    (_, prices), _ = synthetic_california_housing(seed=0)
    assert metrics["test_mae"] < 3 * np.std(prices) / california.TARGET_SCALE
    kfold, bottom = metrics["figures"]
    assert kfold["book"]["label"] == "book, 3rd ed. ch. 4"
    assert metrics["result"]["book"]["text"] == "0.31"
    assert {f["book"]["edition"] for f in (kfold, bottom, metrics["result"])} == {3}
    out = run.out.strip().splitlines()
    assert any(line.startswith("first test block group: predicted $") for line in out)
    assert out[-1] == Result.from_dict(metrics["result"]).line()
    assert out[-1].endswith(f"on synthetic-california-housing ({SMOKE})")


def test_full_run_offline_says_which_file_to_put_where(run_recipe, capsys):
    code, run_dirs = run_recipe("california")
    assert code == 2 and run_dirs == []
    err = capsys.readouterr().err
    assert "california_housing.npz" in err and "datasets" in err and "--quick" in err
    assert "Traceback" not in err
