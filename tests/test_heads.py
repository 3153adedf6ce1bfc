"""Output heads and their matching loss and metrics, including the functional-API use."""

import keras
import numpy as np
import pytest

from keras_dl import loss_and_metrics, output_head
from keras_dl.heads import HEADS, HeadSpec, head_spec


@pytest.mark.parametrize(
    ("task", "kwargs", "units", "activation", "loss", "metrics"),
    [
        ("regression", {}, 1, "linear", "mse", ["mae"]),
        ("linear", {"num_outputs": 3}, 3, "linear", "mse", ["mae"]),
        ("binary", {}, 1, "sigmoid", "binary_crossentropy", ["accuracy"]),
        ("sigmoid", {}, 1, "sigmoid", "binary_crossentropy", ["accuracy"]),
        (
            "multiclass",
            {"num_classes": 4},
            4,
            "softmax",
            "sparse_categorical_crossentropy",
            ["accuracy"],
        ),
        (
            "softmax",
            {"num_classes": 46},
            46,
            "softmax",
            "sparse_categorical_crossentropy",
            ["accuracy"],
        ),
    ],
)
def test_head_layer_and_loss(task, kwargs, units, activation, loss, metrics):
    head = output_head(task, **kwargs)
    assert head.units == units
    assert head.activation.__name__ == activation
    assert loss_and_metrics(task) == {"loss": loss, "metrics": metrics}


def test_one_hot_labels_use_categorical_crossentropy():
    assert loss_and_metrics("multiclass", one_hot=True)["loss"] == "categorical_crossentropy"
    with pytest.raises(ValueError, match="one_hot=True"):
        loss_and_metrics("binary", one_hot=True)


@pytest.mark.parametrize(
    ("task", "kwargs", "words"),
    [
        ("multiclass", {}, ["num_classes=None"]),
        ("softmax", {"num_classes": 1}, ["num_classes=1", "at least 2 units", "binary"]),
        ("multiclass", {"num_classes": 2.0}, ["num_classes=2.0", "expected an integer"]),
        ("regression", {"num_classes": 3}, ["num_classes=3", "regression", "num_outputs"]),
        ("binary", {"num_classes": 3}, ["num_classes=3", "multiclass"]),
        ("regression", {"num_outputs": 0}, ["num_outputs=0"]),
        ("tanh", {}, ["task='tanh'"]),
    ],
)
def test_bad_head_arguments_raise_naming_them(task, kwargs, words):
    with pytest.raises(ValueError) as err:
        head_spec(task, **kwargs)
    for word in words:
        assert word in str(err.value)


def test_every_task_has_one_row_and_a_spec_passes_through():
    assert set(HEADS) == {"regression", "binary", "multiclass"}
    spec = head_spec("softmax", num_classes=46, one_hot=True)
    assert spec == HeadSpec("multiclass", "softmax", 46, "categorical_crossentropy", ("accuracy",))
    assert head_spec(spec) is spec
    assert output_head(spec).units == 46
    assert loss_and_metrics(spec) == {"loss": "categorical_crossentropy", "metrics": ["accuracy"]}


def test_head_on_a_functional_trunk_trains():
    inputs = keras.Input(shape=(5,))
    x = keras.layers.Dense(8, activation="relu")(inputs)
    model = keras.Model(inputs, output_head("multiclass", num_classes=3)(x))
    model.compile(optimizer="adam", **loss_and_metrics("multiclass"))
    rng = np.random.default_rng(0)
    history = model.fit(rng.normal(size=(32, 5)), rng.integers(0, 3, 32), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_head_stays_float32_under_mixed_precision():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        head = output_head("multiclass", num_classes=3)
        outputs = head(keras.ops.ones((2, 4), dtype="bfloat16"))
        assert head.compute_dtype == "float32"
        assert keras.backend.standardize_dtype(outputs.dtype) == "float32"
    finally:
        keras.mixed_precision.set_global_policy("float32")
