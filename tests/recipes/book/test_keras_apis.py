"""The ch. 7 recipe: three APIs, one parameter count; callbacks keep the best checkpoint;
a custom loop and a train_step override reproduce fit's curves."""

import csv
import json

import keras
import numpy as np
import pytest

from keras_dl.lab.registry import load_recipe

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason=f"keras_apis needs TensorFlow: {load_recipe('keras_apis').TENSORFLOW_ONLY}",
)

TIGHT = 1e-5  # float32 arithmetic, same operations in the same order


def test_quick_run_on_the_mnist_stand_in(quick_run):
    run = quick_run("keras_apis")
    (run_dir,) = run.run_dirs
    assert run.code == 0
    for name in ("checkpoint.keras", "fits/callbacks.csv", "loops.json", "loops.png"):
        assert (run_dir / name).stat().st_size > 0, name
    assert "callbacks.png" in {p.name for p in run_dir.iterdir()}
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["result"]["dataset"] == "synthetic-mnist"
    assert metrics["result"]["same_dataset"] is False and metrics["result"]["inside"] is None

    # 1. Sequential, functional and subclassed: 784*512 + 512 + 512*10 + 10 parameters each.
    assert metrics["parameters"] == dict.fromkeys(
        ("sequential", "functional", "subclassed"), 784 * 512 + 512 + 512 * 10 + 10
    )

    # 3. The checkpoint is the epoch of the lowest val_loss, and reloads as that model.
    callbacks = metrics["callbacks"]
    with (run_dir / "fits" / "callbacks.csv").open() as f:
        val_losses = [float(row["val_loss"]) for row in csv.DictReader(f)]
    assert callbacks["epochs_run"] == len(val_losses)
    assert callbacks["checkpoint_epoch"] == int(np.argmin(val_losses)) + 1
    assert callbacks["reloaded_val_loss"] == pytest.approx(min(val_losses), rel=1e-4)

    # 4. Same start, same batches: the three training loops give the same curves.
    loops = metrics["loops"]
    assert loops["initial_weights_max_abs_diff"] == 0
    assert loops["max_abs_diff_from_fit"]["custom_loop"] <= TIGHT
    assert loops["max_abs_diff_from_fit"]["train_step"] <= TIGHT
    histories = json.loads((run_dir / "loops.json").read_text())
    for history in histories.values():
        assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
        assert len(history["loss"]) == 2

    # The parameters-and-loops claim holds on any dataset, so it is judged even here.
    (claim,) = metrics["figures"]
    assert claim["metric"] == load_recipe("keras_apis").APIS.metric
    assert claim["same_dataset"] is True and claim["inside"] is True


def test_the_curve_comparison_can_tell_different_runs_apart():
    """A custom loop from other initial weights is far from fit: the check has teeth."""
    apis = load_recipe("keras_apis")
    rng = np.random.default_rng(0)
    train = (rng.normal(size=(96, 12)).astype("float32"), rng.integers(0, 10, 96))
    val = (rng.normal(size=(40, 12)).astype("float32"), rng.integers(0, 10, 40))
    reference = apis.same_start(lambda: apis.compile_model(apis.get_mnist_model(12)), 0)
    fit_history = reference.fit(
        *train, validation_data=val, epochs=2, batch_size=32, shuffle=False, verbose=0
    ).history
    histories = {
        seed: apis.custom_loop(
            apis.same_start(lambda: apis.get_mnist_model(12), seed),
            train,
            val,
            epochs=2,
            batch_size=32,
        )
        for seed in (0, 1)
    }
    assert apis.max_difference(histories[0], fit_history) <= TIGHT
    assert apis.max_difference(histories[1], fit_history) > apis.LOOP_TOLERANCE


def test_mnist_offline_says_which_file_to_put_where(run_recipe, capsys):
    code, run_dirs = run_recipe("keras_apis")
    assert code == 2
    assert run_dirs == []
    err = capsys.readouterr().err
    assert "mnist.npz" in err and "--dataset digits" in err and "Traceback" not in err


@pytest.mark.slow
def test_digits_default_settings(run_recipe):
    code, (run_dir,) = run_recipe("keras_apis", "--dataset", "digits", "--no-plots")
    assert code == 0
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert len(set(metrics["parameters"].values())) == 1
    assert metrics["test"]["accuracy"] >= 0.94  # seeds 0-2: 0.948 to 0.974
    assert max(metrics["loops"]["max_abs_diff_from_fit"].values()) <= TIGHT
    assert metrics["figures"][0]["inside"] is True
