"""The fast path: several batches per compiled call, the same numbers as one."""

import subprocess
import sys

import keras
import numpy as np
import pytest
from sklearn.datasets import load_digits

from keras_dl import build_dense_model, runtime
from keras_dl.fast import MAX_STEPS, FastModel, auto_steps_per_execution

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


def test_a_saved_model_loads_compiled_and_still_auto(tmp_path, digits):
    x, y = digits
    model = build_dense_model(64, "multiclass", num_classes=10, hidden_units=(8,))
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    assert isinstance(loaded, FastModel) and loaded.compiled and loaded.auto_steps
    np.testing.assert_allclose(loaded.predict(x[:8], verbose=0), model.predict(x[:8], verbose=0))
    loaded.fit(x, y, batch_size=16, epochs=1, verbose=0)  # the optimizer state came back too


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
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    assert "fit: leaving out the last 1 of 233 samples" in lines[0]
    assert "validation: leaving out the last 1 of 33 samples" in lines[1]
    assert "evaluate: leaving out the last 1 of 233 samples" in lines[2]
    assert lines[-1].startswith("2 (233, 1) ") and float(lines[-1].split()[-1]) < 1e-6
