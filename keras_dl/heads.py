"""Output heads and the loss and metrics that belong with each, resolved from one table.

| task        | head                        | loss                                     | metrics  |
|-------------|-----------------------------|------------------------------------------|----------|
| regression  | Dense(num_outputs), linear  | mse                                      | mae      |
| binary      | Dense(1), sigmoid           | binary_crossentropy                      | accuracy |
| multiclass  | Dense(num_classes), softmax | sparse_categorical_crossentropy          | accuracy |
|             |                             | (categorical_crossentropy for one-hot y) |          |

`head_spec` checks the arguments once and returns a frozen `HeadSpec`; `output_head`,
`loss_and_metrics` and `build_dense_model` all read it. Adding a head is one row of `HEADS`
(and one rule in `keras_dl.tasks.infer_task`).
"""

from __future__ import annotations

from dataclasses import dataclass

import keras

from keras_dl._checks import is_int
from keras_dl.tasks import normalize_task


@dataclass(frozen=True)
class HeadSpec:
    """One output head, fully resolved: what `output_head` builds and `compile` needs."""

    task: str
    activation: str
    units: int
    loss: str
    metrics: tuple[str, ...]

    def compile_args(self) -> dict:
        """``{"loss": ..., "metrics": [...]}``, ready for ``model.compile(**...)``."""
        return {"loss": self.loss, "metrics": list(self.metrics)}


@dataclass(frozen=True)
class _Row:
    activation: str
    loss: str
    one_hot_loss: str | None  # the loss for one-hot labels; None: one-hot is not allowed
    metrics: tuple[str, ...]


HEADS = {
    "regression": _Row("linear", "mse", None, ("mae",)),
    "binary": _Row("sigmoid", "binary_crossentropy", None, ("accuracy",)),
    "multiclass": _Row(
        "softmax", "sparse_categorical_crossentropy", "categorical_crossentropy", ("accuracy",)
    ),
}


def head_spec(
    task: str | HeadSpec,
    num_classes: int | None = None,
    *,
    num_outputs: int = 1,
    one_hot: bool = False,
) -> HeadSpec:
    """Resolve `task` (a task or head name) and its sizes into a `HeadSpec`, checking them.

    A `HeadSpec` passes through unchanged.

    Example:
        >>> spec = head_spec("softmax", num_classes=46)
        >>> spec.task, spec.units, spec.loss
        ('multiclass', 46, 'sparse_categorical_crossentropy')
    """
    if isinstance(task, HeadSpec):
        return task
    name, row, loss = _resolve(task, one_hot)
    return HeadSpec(name, row.activation, _units(name, num_classes, num_outputs), loss, row.metrics)


def _resolve(task: str, one_hot: bool) -> tuple[str, _Row, str]:
    """The task's canonical name, its row of `HEADS`, and its loss."""
    name = normalize_task(task)
    row = HEADS[name]
    if one_hot and row.one_hot_loss is None:
        raise ValueError(f"one_hot=True with task={name!r}: one-hot labels are for multiclass")
    return name, row, row.one_hot_loss if one_hot else row.loss


def _units(task: str, num_classes, num_outputs) -> int:
    if num_classes is not None and not is_int(num_classes):
        raise ValueError(f"num_classes={num_classes!r}: expected an integer or None")
    if task == "multiclass":
        if num_classes is None:
            raise ValueError(
                "num_classes=None: a multiclass (softmax) head needs num_classes, the number "
                "of classes (e.g. infer_task(y).num_classes)"
            )
        if num_classes < 2:
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
    if num_classes is not None:
        raise ValueError(
            f"num_classes={num_classes!r} with task='regression': a linear head has no "
            "classes; give num_outputs (targets per sample) instead"
        )
    if not is_int(num_outputs) or num_outputs < 1:
        raise ValueError(f"num_outputs={num_outputs!r}: expected an integer >= 1")
    return int(num_outputs)


def output_head(
    task: str | HeadSpec,
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
    spec = head_spec(task, num_classes, num_outputs=num_outputs)
    policy = keras.config.dtype_policy().name
    dtype = "float32" if policy.startswith("mixed") else None
    return keras.layers.Dense(spec.units, activation=spec.activation, dtype=dtype, name=name)


def loss_and_metrics(task: str | HeadSpec, *, one_hot: bool = False) -> dict:
    """Return ``{"loss": ..., "metrics": [...]}`` for `task`, ready for ``model.compile(**...)``.

    Args:
        task: "regression" | "binary" | "multiclass", a head name, or a `HeadSpec`.
        one_hot: multiclass labels are one-hot rows (categorical_crossentropy) rather than
            integers (sparse_categorical_crossentropy).

    Example:
        >>> loss_and_metrics("binary")
        {'loss': 'binary_crossentropy', 'metrics': ['accuracy']}
    """
    if isinstance(task, HeadSpec):
        return task.compile_args()
    _, row, loss = _resolve(task, one_hot)
    return {"loss": loss, "metrics": list(row.metrics)}
