"""keras_dl.records.tensorboard: every run shows in TensorBoard, as its own reader reads it."""

import math

import numpy as np
import pytest
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.backend.event_processing.plugin_event_accumulator import EventAccumulator
from tensorboard.backend.event_processing.plugin_event_multiplexer import EventMultiplexer
from tensorboard.util.tensor_util import make_ndarray

from keras_dl.records.tensorboard import LOG_DIR, write_history


def scalars(folder) -> dict[str, list[tuple[int, float]]]:
    """Every ``epoch_*`` scalar in `folder` as TensorBoard reads it: tag -> [(step, value)]."""
    events = EventAccumulator(str(folder))
    events.Reload()
    return {
        tag: [(e.step, float(make_ndarray(e.tensor_proto))) for e in events.Tensors(tag)]
        for tag in events.Tags()["tensors"]
        if tag.startswith("epoch_")
    }


def test_a_history_is_written_as_tensorboards_train_and_validation_scalars(tmp_path):

    history = {
        "loss": [3.0, 2.0, 1.0],
        "accuracy": [0.1, 0.5, 0.9],
        "val_loss": [4.0, math.nan, 2.5],
    }
    folders = write_history(history, tmp_path)
    assert sorted(f.name for f in folders) == ["train", "validation"]
    train = scalars(tmp_path / "train")
    assert train["epoch_loss"] == [(0, 3.0), (1, 2.0), (2, 1.0)]
    np.testing.assert_allclose([v for _, v in train["epoch_accuracy"]], [0.1, 0.5, 0.9], rtol=1e-6)
    # The NaN epoch has no point (TensorBoard would draw none), the others keep their steps.
    assert scalars(tmp_path / "validation") == {"epoch_loss": [(0, 4.0), (2, 2.5)]}


@pytest.mark.parametrize("name", ["digits", "linear_classifier"])
def test_tensorboard_lists_every_run_with_its_epochs(run_recipe, name):
    """digits fits with the run's callbacks (its epochs are logged live as they end);
    linear_classifier trains in its own loop (its history is written when it finishes)."""

    code, (run_dir,) = run_recipe(name, "--quick", "--no-plots")
    assert code == 0
    history = (run_dir / "history.csv").read_text().splitlines()
    epochs = len(history) - 1
    # What `tensorboard --logdir runs` does: every folder with event files is a run.
    logs = EventMultiplexer()
    logs.AddRunsFromDirectory(str(run_dir.parent.parent))
    logs.Reload()
    train_run = f"{name}/{run_dir.name}/{LOG_DIR}/train"
    assert train_run in logs.Runs()
    train = scalars(run_dir / LOG_DIR / "train")
    first_column = history[0].split(",")[1]  # history.csv: epoch, then the metrics
    assert [step for step, _ in train[f"epoch_{first_column}"]] == list(range(epochs))
    logged = train[f"epoch_{first_column}"][-1][1]
    assert logged == pytest.approx(float(history[-1].split(",")[1]), rel=1e-5)


def test_no_tensorboard_writes_no_logs(run_recipe):

    code, (run_dir,) = run_recipe("digits", "--quick", "--no-plots", "--no-tensorboard")
    assert code == 0 and not (run_dir / LOG_DIR).exists()


def classic_scalars(folder) -> dict[str, list[float]]:
    """The ``epoch_*`` scalars as TensorBoard's classic reader gives them
    (``EventAccumulator.Scalars``, the first thing a user's script tries)."""
    events = event_accumulator.EventAccumulator(str(folder))
    events.Reload()
    tags = events.Tags()["scalars"]
    return {tag: [e.value for e in events.Scalars(tag)] for tag in tags if tag.startswith("epoch_")}


@pytest.mark.parametrize(
    ("name", "validation"),
    [
        ("digits", {"epoch_loss", "epoch_accuracy"}),  # a fit, logged live
        ("boston", {"epoch_loss", "epoch_mae"}),  # the folds' mean curve, at the end
        ("gates", set()),  # its own training loops, history.csv saved by the recipe
        ("oysters", {"epoch_loss", "epoch_neuron_loss"}),  # two models' curves in one
    ],
)
def test_every_run_logs_its_epochs_in_one_form(quick_run, name, validation):
    run = quick_run(name)  # the smoke test's quick run, made once
    assert run.code == 0
    run_dir = run.run_dirs[-1]
    header, *rows = (run_dir / "history.csv").read_text().splitlines()
    train = classic_scalars(run_dir / LOG_DIR / "train")
    columns = [c for c in header.split(",")[1:] if "val_" not in c]
    assert {f"epoch_{c}" for c in columns} <= set(train)
    assert all(len(values) == len(rows) for values in train.values())
    assert not any("val_" in tag for tag in train)  # validation never under train/
    if validation:
        assert validation <= set(classic_scalars(run_dir / LOG_DIR / "validation"))
