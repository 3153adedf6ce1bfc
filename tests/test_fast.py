"""The fast path: several batches per compiled call, the same numbers as one."""

import json
import logging
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest
from sklearn.datasets import load_digits

from keras_dl import build_dense_model, runtime
from keras_dl.fast import MAX_STEPS, auto_steps_per_execution, make_fast, start_over

ON_TORCH = keras.backend.backend() == "torch"


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits(return_X_y=True)
    return (x / 16).astype("float32"), y


@pytest.mark.parametrize(
    ("batches", "progress", "backend", "expected"),
    [
        (469, True, "tensorflow", MAX_STEPS),  # ch. 2's MNIST epoch
        (100, True, "jax", 10),  # the progress bar still moves 10 times an epoch
        (9, True, "tensorflow", 1),
        (19, False, "tensorflow", 19),  # verbose=0: the whole small epoch per call
        (1000, False, "jax", MAX_STEPS),
        (None, True, "tensorflow", 1),  # an epoch of unknown length
        (469, True, "torch", 1),  # Keras runs one batch per call on torch
    ],
)
def test_auto_steps_per_execution(batches, progress, backend, expected):
    assert auto_steps_per_execution(batches, progress=progress, backend=backend) == expected


def fit_history(x, y, steps, **fit_args):
    runtime.seed_everything(0)
    model = build_dense_model(
        64,
        "multiclass",
        num_classes=10,
        hidden_units=(32,),
        dropout=0.3,
        steps_per_execution=steps,
    )
    history = model.fit(x, y, batch_size=16, validation_split=0.2, **fit_args)
    return model, history.history


@pytest.mark.parametrize("verbose", [0, 1])
def test_auto_trains_exactly_as_one_batch_per_call(digits, verbose):
    """Same seed, same data: every epoch's metrics equal the plain path's (dropout, shuffling
    and validation included), with or without the progress bar."""
    fast, auto = fit_history(*digits, "auto", epochs=3, verbose=verbose)
    plain, one = fit_history(*digits, 1, epochs=3, verbose=verbose)
    assert plain.steps_per_execution == 1
    assert fast.steps_per_execution == (1 if ON_TORCH else 9 if verbose else 32)
    assert auto.keys() == one.keys()
    for key in one:
        np.testing.assert_allclose(auto[key], one[key], rtol=0, atol=1e-6, err_msg=key)
    x, y = digits
    np.testing.assert_allclose(
        fast.evaluate(x, y, verbose=0), plain.evaluate(x, y, verbose=0), atol=1e-6
    )


def test_early_stopping_stops_at_the_same_epoch(digits):
    """Per-epoch callbacks see the same epochs: EarlyStopping stops where it would."""
    stops = []
    for steps in ("auto", 1):
        stopper = keras.callbacks.EarlyStopping(patience=1, min_delta=0.05)
        fit_history(*digits, steps, epochs=30, verbose=0, callbacks=[stopper])
        stops.append(stopper.stopped_epoch)
    assert stops[0] == stops[1] > 0


def test_progress_moves_during_an_epoch(digits):
    """With a progress bar, per-batch callbacks (and so the bar) run at least 10 times an
    epoch: 90 batches, 9 per call."""

    class Count(keras.callbacks.Callback):
        calls = 0

        def on_train_batch_end(self, batch, logs=None):
            Count.calls += 1

    x, y = digits
    model = build_dense_model(64, "multiclass", num_classes=10, hidden_units=(8,))
    model.fit(x[:1440], y[:1440], batch_size=16, epochs=1, verbose=1, callbacks=[Count()])
    assert Count.calls == (90 if ON_TORCH else 10)


def test_steps_per_epoch_and_datasets_count_batches(digits):
    x, y = digits
    model = build_dense_model(64, "multiclass", num_classes=10, hidden_units=(8,))
    model.fit(x, y, batch_size=8, epochs=1, steps_per_epoch=40, verbose=0)
    assert model.steps_per_execution == (1 if ON_TORCH else 32)
    model.fit(x[:64], y[:64], batch_size=8, epochs=1, verbose=0)
    assert model.steps_per_execution == (1 if ON_TORCH else 8)


def test_a_fixed_value_is_kept(digits):
    model = build_dense_model(
        64, "multiclass", num_classes=10, hidden_units=(8,), steps_per_execution=1
    )
    model.fit(*digits, batch_size=8, epochs=1, verbose=0)
    assert model.steps_per_execution == 1 and not model.auto_steps


@pytest.mark.parametrize("value", [0, -3, 2.5, "fast", None])
def test_bad_steps_per_execution_is_refused(value):
    with pytest.raises(ValueError, match=r"steps_per_execution=.*expected 'auto' or a positive"):
        build_dense_model(4, "binary", steps_per_execution=value)


@pytest.mark.skipif(not ON_TORCH, reason="only the torch backend refuses several steps")
def test_torch_refuses_several_steps_per_call():
    with pytest.raises(ValueError, match="torch backend runs one batch per call"):
        build_dense_model(4, "binary", steps_per_execution=4)


def test_a_saved_model_loads_compiled_and_make_fast_makes_it_auto_again(tmp_path, digits):
    """Keras loads a plain model, compiled with one batch per call and the optimizer's
    state; `make_fast` gives it the fast path back."""
    x, y = digits
    model = build_dense_model(64, "multiclass", num_classes=10, hidden_units=(8,))
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    assert type(loaded) is type(model) and not hasattr(loaded, "auto_steps")
    assert loaded.compiled and loaded.steps_per_execution == 1
    assert int(loaded.optimizer.iterations) == 113  # ceil(1797 / 16) batches
    np.testing.assert_allclose(
        loaded.predict(x[:8], verbose=0), model.predict(x[:8], verbose=0), atol=1e-6
    )
    assert make_fast(loaded) is loaded and loaded.auto_steps
    loaded.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert loaded.steps_per_execution == (1 if ON_TORCH else 32)
    assert int(loaded.optimizer.iterations) == 226


def k_fold(x, y, reuse, folds=4, epochs=2):
    """A K-fold loop as the boston recipe's: each fold seeded, a new model built, fitted for
    `epochs` and evaluated on its fold; with `reuse`, the first fold's model trains every
    fold, started over from each new one. Returns the folds' (history, evaluation) and the
    models' training functions."""
    results, functions, model = [], [], None
    size = len(x) // folds
    for fold in range(folds):
        val = np.arange(fold * size, (fold + 1) * size)
        train = np.setdiff1d(np.arange(folds * size), val)
        runtime.seed_everything(fold)
        fresh = build_dense_model(
            64, "multiclass", num_classes=10, hidden_units=(16,), dropout=0.2, name="fold"
        )
        model = start_over(model, fresh) if reuse and model is not None else fresh
        history = model.fit(x[train], y[train], batch_size=16, epochs=epochs, verbose=0)
        evaluation = model.evaluate(x[val], y[val], verbose=0)
        results.append((history.history, evaluation))
        functions.append(model.train_function)
    return results, functions


def test_start_over_trains_as_a_fresh_model_with_the_same_step_functions(digits):
    """A fold started over from its fresh model (weights, Dropout's seed state, a new
    optimizer) gives the fresh model's numbers exactly, on TensorFlow with the training
    function of the first fold (JAX and torch train the fresh model)."""
    x, y = digits[0][:320], digits[1][:320]
    fresh, fresh_functions = k_fold(x, y, reuse=False)
    reused, reused_functions = k_fold(x, y, reuse=True)
    assert reused == fresh  # every epoch's loss and accuracy, every evaluation: bit for bit
    assert len({id(f) for f in fresh_functions}) == 4
    reused_once = keras.backend.backend() == "tensorflow"
    assert len({id(f) for f in reused_functions}) == (1 if reused_once else 4)


def test_start_over_refuses_another_model():
    model = build_dense_model(8, "binary", hidden_units=(4,))
    for other in (
        build_dense_model(8, "binary", hidden_units=(5,)),
        build_dense_model(8, "binary", hidden_units=(4,), learning_rate=0.01),
        build_dense_model(8, "regression", hidden_units=(4,)),
    ):
        with pytest.raises(ValueError, match="is not built and compiled as"):
            start_over(model, other)


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="tf.function retracing is TensorFlow's"
)
def test_a_k_fold_loop_does_not_make_tensorflow_warn_of_retracing(digits, caplog, monkeypatch):
    """TensorFlow counts the traces of a function's Python code over every tf.function made
    from it (each model's Keras step functions) and warns of "retracing" when most recent
    calls traced: a loop of short fits, a new model each, does (boston's K-fold did, 6 traces
    in 11 calls under --quick). `start_over` traces each step function once for the loop."""
    from tensorflow.python.eager.polymorphic_function import polymorphic_function

    x, y = digits[0][:320], digits[1][:320]
    warned = []
    for reuse in (True, False):
        # The counts are global and it warns twice at most per process: count afresh.
        monkeypatch.setattr(
            polymorphic_function,
            "_frequent_tracing_detector_manager",
            polymorphic_function._FrequentTracingDetectorManager(),
        )
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="tensorflow"):
            k_fold(x, y, reuse=reuse)
        warned.append([r.getMessage() for r in caplog.records if "retracing" in r.getMessage()])
    assert warned[0] == []
    assert warned[1], "a new model a fold: the check would see TensorFlow's warning"


@pytest.mark.skipif(keras.backend.backend() != "jax", reason="JAX shards each batch evenly")
def test_jax_replicas_get_batches_that_split_evenly():
    """On 2 JAX replicas a 105-row last batch cannot be sharded: fit and evaluate leave out
    one sample (and say so); predict pads and returns every row, as on one device."""
    code = """
import numpy as np, keras
from keras_dl import build_dense_model, runtime
distribution = runtime.configure(distribute=True, cpu_devices=2)
x = np.random.default_rng(0).random((233, 5), dtype=np.float32)
y = (x.sum(1) > 2.5).astype("float32")
with distribution.scope():
    model = build_dense_model(5, "binary", hidden_units=(4,))
    model.fit(x, y, batch_size=64, epochs=1, verbose=0, validation_data=(x[:33], y[:33]))
    model.evaluate(x, y, batch_size=64, verbose=0)
    inside = model.predict(x, batch_size=64, verbose=0)
outside = model.predict(x, batch_size=64, verbose=0)
print(distribution.replicas, inside.shape, float(np.abs(inside - outside).max()))
"""
    cpu = {**os.environ, "JAX_PLATFORMS": "cpu"}  # 2 CPU replicas, also beside a GPU
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=cpu
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    assert "fit: leaving out the last 1 of 233 samples" in lines[0]
    assert "validation: leaving out the last 1 of 33 samples" in lines[1]
    assert "evaluate: leaving out the last 1 of 233 samples" in lines[2]
    assert lines[-1].startswith("2 (233, 1) ") and float(lines[-1].split()[-1]) < 1e-6


LOAD_WITHOUT_KERAS_DL = """
import importlib.util, json, sys
sys.path += sys.argv[1:]  # the parent's folders, without keras_dl or the .pth hooks (-S)
assert importlib.util.find_spec("keras_dl") is None, sys.path
import keras, numpy as np
model = keras.models.load_model("m.keras")
x = np.load("x.npy")
predictions = model.predict(x, verbose=0)
iterations = int(model.optimizer.iterations)
model.fit(x, np.load("y.npy"), batch_size=4, epochs=1, verbose=0)
print(json.dumps({
    "class": type(model).__name__,
    "is_model": isinstance(model, keras.Model),
    "loss": model.loss,
    "optimizer": type(model.optimizer).__name__,
    "iterations": [iterations, int(model.optimizer.iterations)],
    "predictions": predictions.tolist(),
}))
"""


def test_a_saved_model_loads_in_keras_without_keras_dl(tmp_path):
    """The .keras file names only Keras' classes: a process that cannot import keras_dl
    loads the model, with its weights, loss and optimizer state, and trains it further."""
    rng = np.random.default_rng(0)
    x = rng.random((24, 4), dtype=np.float32)
    y = np.argmax(x[:, :3], axis=1)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    model = build_dense_model(4, "multiclass", num_classes=3, hidden_units=(8,))
    model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        config = json.loads(archive.read("config.json"))
    assert config["class_name"] == "Functional" and config["module"].startswith("keras.")
    assert "keras_dl" not in json.dumps(config)

    # Every folder this Python imports from, but any that holds keras_dl (the checkout);
    # the editable install's import hook is a .pth file, which -S leaves unread.
    folders = [p for p in sys.path if p and not (Path(p) / "keras_dl").exists()]
    environment = {**os.environ, "PYTHONPATH": "", "KERAS_BACKEND": keras.backend.backend()}
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", LOAD_WITHOUT_KERAS_DL, *folders],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded["class"] == "Functional" and loaded["is_model"]
    assert loaded["loss"] == model.loss
    assert loaded["optimizer"] == type(model.optimizer).__name__
    assert loaded["iterations"] == [12, 18]  # 2 epochs of 6 batches came back, 1 more ran
    np.testing.assert_allclose(loaded["predictions"], model.predict(x, verbose=0), atol=1e-6)
