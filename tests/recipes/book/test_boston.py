"""The boston recipe: its run record and the one-pass K-fold shortcut. Its numbers on real
Boston housing are judged over seeds by `make check-book`."""

import json
import shutil

import keras
import numpy as np
import pytest

from keras_dl import build_dense_model, recipe
from keras_dl.lab.folds import CURVE_SKIP, EpochValidation
from keras_dl.lab.registry import load_recipe
from keras_dl.records.book import SMOKE, Result
from keras_dl.synthetic import synthetic_boston_housing


def read_metrics(run_dir):
    return json.loads((run_dir / "metrics.json").read_text())


def test_quick_run_draws_the_fold_curves_and_reports_the_k_fold_score(quick_run):
    boston = load_recipe("boston")
    run = quick_run("boston")
    (run_dir,) = run.run_dirs
    assert run.code == 0
    assert (run_dir / "kfold_mae.png").is_file()
    metrics = read_metrics(run_dir)
    assert metrics["result"]["dataset"] == "synthetic-boston-housing"
    assert metrics["result"]["same_dataset"] is False
    assert len(metrics["fold_val_mae"]) == 4
    assert metrics["mean_val_mae"] == pytest.approx(np.mean(metrics["fold_val_mae"]))
    assert metrics["test_mae"] == metrics["result"]["value"]
    kfold, bottom = metrics["figures"]
    assert kfold["metric"] == boston.BOOK_KFOLD.metric
    assert kfold["value"] == metrics["mean_val_mae"]
    assert bottom["value"] == metrics["smoothed_val_mae_best_epoch"]
    # history.csv: the per-epoch mean over the folds, training and validation.
    header, *rows = (run_dir / "history.csv").read_text().splitlines()
    assert header == "epoch,loss,mae,val_loss,val_mae" and len(rows) == 2
    out = run.out.strip().splitlines()
    assert Result.from_dict(kfold).line() in out
    assert out[-1] == Result.from_dict(metrics["result"]).line()
    assert out[-1].endswith(f"on synthetic-boston-housing ({SMOKE})")


def boston_run(out):
    """An open run of the recipe, as `recipe.start` opens it (no TensorBoard logs)."""
    args = recipe.parser("boston").parse_args(["--out", str(out), "--no-tensorboard"])
    return recipe.start("boston", args, dataset="synthetic")


def test_a_longer_pass_validates_like_a_shorter_run_at_its_last_epoch(tmp_path):
    """The recipe reads the 100-epoch K-fold scores inside its 500-epoch pass: with the same
    seed, epoch E of a longer run is the model an E-epoch run ends with."""
    boston = load_recipe("boston")
    (x, y), _ = synthetic_boston_housing(num_train=120, seed=0)
    x = x.astype("float32")
    histories = []
    for epochs in (3, 5):
        with boston_run(tmp_path) as run:
            histories.append(
                recipe.cross_validate(
                    run, x, y, boston.build_model, folds=2, epochs=epochs, batch_size=16, seed=7
                )
            )
    short, long = histories
    for short_fold, long_fold in zip(short, long, strict=True):
        assert long_fold["val_mae"][:3] == pytest.approx(short_fold["val_mae"], rel=1e-5)
    mean = recipe.fold_mean(short)
    assert mean["val_mae"] == pytest.approx(np.mean([h["val_mae"] for h in short], axis=0))


def test_a_resumed_pass_reads_the_finished_folds_back(tmp_path):
    boston = load_recipe("boston")
    (x, y), _ = synthetic_boston_housing(num_train=120, seed=0)
    with boston_run(tmp_path) as run:
        first = recipe.cross_validate(
            run,
            x.astype("float32"),
            y,
            boston.build_model,
            folds=2,
            epochs=3,
            batch_size=16,
            seed=7,
        )
    fits = run.path / "fits"
    assert sorted(p.name for p in fits.glob("fold-*.csv")) == ["fold-1.csv", "fold-2.csv"]
    # Each fold's epochs were logged as they ended, validation included.
    header, *rows = (fits / "fold-1.csv").read_text().splitlines()
    assert header == "epoch,loss,mae,val_loss,val_mae" and len(rows) == 3
    # As if interrupted in fold 2's second epoch; fold 1 as a run before 0.2 kept it.
    (fits / "fold-1.csv").rename(run.path / "fold-1.csv")
    two = fits / "fold-2.csv"
    two.write_text("\n".join(two.read_text().splitlines()[:2]) + "\n")
    shutil.rmtree(run.path / "backup" / "fold-2")  # killed before its first backup
    args = recipe.parser("boston").parse_args(
        ["--out", str(tmp_path), "--no-tensorboard", "--resume", str(run.path)]
    )
    with recipe.start("boston", args, dataset="synthetic") as resumed:
        again = recipe.cross_validate(
            resumed,
            x.astype("float32"),
            y,
            boston.build_model,
            folds=2,
            epochs=3,
            batch_size=16,
            seed=7,
        )
    assert len(two.read_text().splitlines()) == 1 + 3  # fold 2's log goes on to the end
    for before, after in zip(first, again, strict=True):
        assert after["val_mae"] == pytest.approx(before["val_mae"], rel=1e-6)


def test_fast_validation_and_batched_steps_match_a_plain_fit():
    """EpochValidation logs what fit(validation_data=...) logs, and running a whole epoch
    per call (steps_per_execution "auto" under verbose=0) trains exactly as one batch per
    call does."""
    boston = load_recipe("boston")
    (x, y), (x_val, y_val) = synthetic_boston_housing(num_train=120, num_test=40, seed=0)
    x, x_val = (x - x.mean(0)) / x.std(0), (x_val - x.mean(0)) / x.std(0)
    x, x_val = x.astype("float32"), x_val.astype("float32")
    keras.utils.set_random_seed(3)
    model = boston.build_model()
    fast = model.fit(
        x, y, epochs=3, batch_size=16, callbacks=[EpochValidation(x_val, y_val)], verbose=0
    )
    # 120 rows in batches of 16: the whole epoch in one call (torch runs one batch per call)
    assert model.steps_per_execution == (1 if keras.backend.backend() == "torch" else 8)
    keras.utils.set_random_seed(3)
    plain = build_dense_model(13, "regression", hidden_units=(64, 64), steps_per_execution=1)
    keras_way = plain.fit(x, y, validation_data=(x_val, y_val), epochs=3, batch_size=16, verbose=0)
    # On torch the first epochs agree, the later ones differ by 0.08% by epoch 3 once fit
    # validates itself (its validation pass changes the training that follows).
    rel = 2e-3 if keras.backend.backend() == "torch" else 1e-5
    for key in ("loss", "mae", "val_loss", "val_mae"):
        assert fast.history[key] == pytest.approx(keras_way.history[key], rel=rel), key


def test_a_short_run_keeps_every_epoch_of_its_curve():
    assert recipe.smoothed_bottom([3.0, 2.0])[1] == 0
    assert recipe.smoothed_bottom([3.0] * 500)[1] == CURVE_SKIP
