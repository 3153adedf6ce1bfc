"""Output heads and the loss and metrics that belong with each.

| task        | head                       | loss                                     | metrics  |
|-------------|----------------------------|------------------------------------------|----------|
| regression  | Dense(num_outputs), linear | mse                                      | mae      |
| binary      | Dense(1), sigmoid          | binary_crossentropy                      | accuracy |
| multiclass  | Dense(num_classes), softmax| sparse_categorical_crossentropy          | accuracy |
|             |                            | (categorical_crossentropy for one-hot y) |          |
"""

from __future__ import annotations

import keras

from keras_dl.tasks import normalize_task
from keras_dl.validation import is_int

_ACTIVATIONS = {"regression": "linear", "binary": "sigmoid", "multiclass": "softmax"}


def head_units(task: str, num_classes: int | None = None, num_outputs: int = 1) -> int:
    """Return how many units the output layer of `task` has, checking the arguments.

    Example:
        >>> head_units("multiclass", num_classes=46)
        46
    """
    task = normalize_task(task)
    if task == "multiclass":
        if num_classes is None:
            raise ValueError(
                "num_classes=None: a multiclass (softmax) head needs num_classes, the number "
                "of classes (e.g. infer_task(y).num_classes)"
            )
        if not is_int(num_classes) or num_classes < 2:
            raise ValueError(
                f"num_classes={num_classes!r}: a softmax head needs at least 2 units; for two "
                "classes with one unit use task='binary' (sigmoid)"
            )
        return int(num_classes)
    if task == "binary":
        if num_classes is not None and num_classes != 2:
            raise ValueError(
                f"num_classes={num_classes!r} with task='binary': a sigmoid head separates "
                "exactly 2 classes; use task='multiclass' for more"
            )
        return 1
    if not is_int(num_outputs) or num_outputs < 1:
        raise ValueError(f"num_outputs={num_outputs!r}: expected an integer >= 1")
    return int(num_outputs)


def output_head(
    task: str,
    num_classes: int | None = None,
    *,
    num_outputs: int = 1,
    name: str = "head",
) -> keras.layers.Dense:
    """Return the output layer for `task`: linear, sigmoid or softmax Dense.

    Under a mixed-precision policy the head computes in float32, so that the softmax and
    the loss stay numerically stable.

    Example (functional API, your own trunk):
        >>> inputs = keras.Input(shape=(20,))
        >>> x = keras.layers.Dense(32, activation="relu")(inputs)
        >>> outputs = output_head("multiclass", num_classes=3)(x)
        >>> model = keras.Model(inputs, outputs)
        >>> model.compile(optimizer="rmsprop", **loss_and_metrics("multiclass"))
    """
    units = head_units(task, num_classes, num_outputs)
    policy = keras.config.dtype_policy().name
    dtype = "float32" if policy.startswith("mixed") else None
    return keras.layers.Dense(
        units, activation=_ACTIVATIONS[normalize_task(task)], dtype=dtype, name=name
    )


def loss_and_metrics(task: str, *, one_hot: bool = False) -> dict:
    """Return ``{"loss": ..., "metrics": [...]}`` for `task`, ready for ``model.compile(**...)``.

    Args:
        task: "regression" | "binary" | "multiclass", or a head name.
        one_hot: multiclass labels are one-hot rows (categorical_crossentropy) rather than
            integers (sparse_categorical_crossentropy).

    Example:
        >>> loss_and_metrics("binary")
        {'loss': 'binary_crossentropy', 'metrics': ['accuracy']}
    """
    task = normalize_task(task)
    if one_hot and task != "multiclass":
        raise ValueError(f"one_hot=True with task={task!r}: one-hot labels are for multiclass")
    if task == "regression":
        return {"loss": "mse", "metrics": ["mae"]}
    if task == "binary":
        return {"loss": "binary_crossentropy", "metrics": ["accuracy"]}
    loss = "categorical_crossentropy" if one_hot else "sparse_categorical_crossentropy"
    return {"loss": loss, "metrics": ["accuracy"]}
