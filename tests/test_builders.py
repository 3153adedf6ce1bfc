"""build_dense_model: one conformance test over every task and head alias, and bad input."""

import keras
import numpy as np
import pytest

from keras_dl import build_dense_model

CASES = [
    ("regression", {}, (1,), "linear", "mse", "mae"),
    ("linear", {"num_outputs": 2}, (2,), "linear", "mse", "mae"),
    ("binary", {}, (1,), "sigmoid", "binary_crossentropy", "accuracy"),
    ("sigmoid", {}, (1,), "sigmoid", "binary_crossentropy", "accuracy"),
    (
        "multiclass",
        {"num_classes": 3},
        (3,),
        "softmax",
        "sparse_categorical_crossentropy",
        "accuracy",
    ),
    ("softmax", {"num_classes": 3}, (3,), "softmax", "sparse_categorical_crossentropy", "accuracy"),
    (
        "multiclass",
        {"num_classes": 3, "one_hot": True},
        (3,),
        "softmax",
        "categorical_crossentropy",
        "accuracy",
    ),
]


def tiny_data(task: str, kwargs: dict, n: int = 64):
    """Learnable targets of the right kind for `task` on 6 random features."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 6)).astype("float32")
    if task in ("regression", "linear"):
        return X, X[:, : kwargs.get("num_outputs", 1)] @ np.ones(
            (kwargs.get("num_outputs", 1),) * 2
        )
    if task in ("binary", "sigmoid"):
        return X, (X[:, 0] > 0).astype("int32")
    labels = np.argmax(X[:, :3], axis=1)
    return X, (np.eye(3)[labels] if kwargs.get("one_hot") else labels)


@pytest.mark.parametrize(("task", "kwargs", "out_shape", "activation", "loss", "metric"), CASES)
def test_conformance(task, kwargs, out_shape, activation, loss, metric, tmp_path):
    model = build_dense_model(6, task, hidden_units=(16,), learning_rate=0.01, **kwargs)
    assert isinstance(model, keras.Model)
    assert model.output_shape == (None, *out_shape)
    assert model.layers[-1].activation.__name__ == activation
    assert model.loss == loss

    X, y = tiny_data(task, kwargs)
    before = model.evaluate(X, y, verbose=0, return_dict=True)
    history = model.fit(X, y, epochs=1, batch_size=8, verbose=0)
    after = model.evaluate(X, y, verbose=0, return_dict=True)
    assert metric in history.history
    assert after["loss"] < before["loss"]

    path = tmp_path / "model.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    for saved, loaded in zip(model.get_weights(), restored.get_weights(), strict=True):
        np.testing.assert_array_equal(loaded, saved)
    # The fitted model predicts 8 batches per call, the restored one 1 (until its first fit):
    # TensorFlow's multi-step loop can round the last float32 bit differently.
    np.testing.assert_allclose(
        restored.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-6
    )


def test_images_are_flattened_and_hidden_layers_regularized():
    model = build_dense_model(
        (8, 8), "multiclass", num_classes=10, hidden_units=(32, 16), dropout=0.5, l2=0.002
    )
    names = [layer.name for layer in model.layers]
    assert names == [
        "features",
        "flatten",
        "hidden_1",
        "dropout_1",
        "hidden_2",
        "dropout_2",
        "head",
    ]
    assert model.get_layer("hidden_1").kernel_regularizer.l2 == pytest.approx(0.002)
    assert model.get_layer("dropout_2").rate == 0.5
    assert model.output_shape == (None, 10)


def test_no_hidden_layers_gives_a_logistic_regression():
    model = build_dense_model(4, "binary", hidden_units=())
    assert [layer.name for layer in model.layers] == ["features", "head"]
    assert model.count_params() == 5


def test_uncompiled_model_can_be_compiled_and_extended_by_the_user():
    model = build_dense_model(4, "regression", compile=False, name="trunk")
    assert not model.compiled
    assert model.name == "trunk"
    extended = keras.Sequential([model, keras.layers.Dense(1)])
    extended.compile(optimizer="adam", loss="mse")
    assert extended.predict(np.ones((2, 4)), verbose=0).shape == (2, 1)


def test_optimizer_by_name_with_learning_rate():
    model = build_dense_model(4, "binary", optimizer="sgd", learning_rate=0.05)
    assert isinstance(model.optimizer, keras.optimizers.SGD)
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"input_shape": 0}, ["input_shape=0"]),
        ({"input_shape": (28, -1)}, ["input_shape=(28, -1)"]),
        ({"hidden_units": 64}, ["hidden_units=64", "(64,)"]),
        ({"hidden_units": (16, 0)}, ["hidden_units=(16, 0)"]),
        ({"dropout": 1.0}, ["dropout=1.0", "[0, 1)"]),
        ({"l2": -0.1}, ["l2=-0.1"]),
        ({"learning_rate": 0.0}, ["learning_rate=0.0"]),
        ({"optimizer": "nope", "learning_rate": 0.1}, ["optimizer='nope'"]),
        ({"optimizer": keras.optimizers.Adam(), "learning_rate": 0.1}, ["learning_rate=0.1"]),
        ({"task": "multiclass"}, ["num_classes=None"]),
        ({"task": "softmax", "num_classes": 1}, ["num_classes=1", "binary"]),
        ({"one_hot": True}, ["one_hot=True"]),
        ({"kernel_initializer": "he"}, ["kernel_initializer='he'", "'he_normal'"]),
    ],
)
def test_bad_arguments_raise_naming_them(kwargs, words):
    arguments = {"input_shape": 4, "task": "binary", **kwargs}
    with pytest.raises(ValueError) as err:
        build_dense_model(arguments.pop("input_shape"), arguments.pop("task"), **arguments)
    for word in words:
        assert word in str(err.value)


def test_kernel_initializer_sets_the_hidden_layers_only():
    model = build_dense_model(8, "binary", hidden_units=(4, 4, 4), kernel_initializer="he_normal")
    hidden = [model.get_layer(f"hidden_{i}") for i in (1, 2, 3)]
    assert all(type(layer.kernel_initializer).__name__ == "HeNormal" for layer in hidden)
    assert type(model.get_layer("head").kernel_initializer).__name__ == "GlorotUniform"
    # A fresh initializer per layer: two kernels of the same shape start different.
    second, third = (keras.ops.convert_to_numpy(layer.kernel) for layer in hidden[1:])
    assert not np.allclose(second, third)


def test_checking_the_initializer_leaves_the_initial_weights_unchanged():
    def first_kernel(**kwargs):
        keras.utils.set_random_seed(0)
        model = build_dense_model(8, "binary", hidden_units=(4,), compile=False, **kwargs)
        return keras.ops.convert_to_numpy(model.get_layer("hidden_1").kernel)

    keras.utils.set_random_seed(0)
    plain = keras.layers.Dense(4)
    plain.build((None, 8))
    np.testing.assert_array_equal(first_kernel(), keras.ops.convert_to_numpy(plain.kernel))
