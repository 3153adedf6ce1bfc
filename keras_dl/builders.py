"""Dense (MLP) model builders with a task-matched output head."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import keras

from keras_dl._checks import is_int, is_number
from keras_dl.fast import check_steps_per_execution, make_fast
from keras_dl.heads import head_spec, output_head


def build_dense_model(
    input_shape: int | Sequence[int],
    task: str,
    *,
    num_classes: int | None = None,
    num_outputs: int = 1,
    hidden_units: Sequence[int] = (64, 64),
    activation: str = "relu",
    kernel_initializer: str | keras.initializers.Initializer = "glorot_uniform",
    dropout: float = 0.0,
    l2: float = 0.0,
    optimizer: str | keras.optimizers.Optimizer = "rmsprop",
    learning_rate: float | None = None,
    one_hot: bool = False,
    compile: bool = True,
    steps_per_execution: int | str = "auto",
    name: str | None = None,
) -> keras.Model:
    """Build a stack of Dense layers ending in the output head that matches `task`.

    Args:
        input_shape: features per sample, e.g. ``784`` or ``(28, 28)`` (flattened first).
        task: "regression" | "binary" | "multiclass", or a head name "linear" | "sigmoid" |
            "softmax".
        num_classes: classes of a multiclass task (the softmax units).
        num_outputs: regression targets per sample (the linear units).
        hidden_units: units of each hidden Dense layer; ``()`` gives a linear/logistic model.
        activation: activation of the hidden layers.
        kernel_initializer: initializer of the hidden layers' kernels, e.g. "he_normal" for
            ReLU networks (Keras' default "glorot_uniform"); the head keeps Keras' default.
        dropout: rate of a Dropout layer after each hidden layer (0 = none).
        l2: L2 penalty on the hidden layers' kernels (0 = none).
        optimizer: an optimizer name or instance.
        learning_rate: learning rate for an optimizer given by name (its default if None).
        one_hot: multiclass labels will be one-hot rows (categorical_crossentropy).
        compile: compile with the head's loss and metrics (see `loss_and_metrics`).
        steps_per_execution: batches per compiled call; "auto" picks it at each ``fit``
            from the epoch's batch count (`keras_dl.fast`): the same numbers, less overhead.
        name: the model's name.

    Returns:
        A plain functional ``keras.Model`` with the fast path (`keras_dl.fast.make_fast`):
        compile, summarize, save or extend it as usual; ``keras.models.load_model`` loads
        its ``.keras`` file without keras_dl.

    Example:
        >>> model = build_dense_model(784, "multiclass", num_classes=10, hidden_units=(512,))
        >>> model.output_shape
        (None, 10)
        >>> model.loss
        'sparse_categorical_crossentropy'
    """
    head = head_spec(task, num_classes, num_outputs=num_outputs, one_hot=one_hot)
    shape = _check_input_shape(input_shape)
    units = _check_hidden_units(hidden_units)
    if not is_number(dropout) or not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout={dropout!r}: expected a number, a rate in [0, 1)")
    if not is_number(l2) or not 0.0 <= l2 < math.inf:
        raise ValueError(f"l2={l2!r}: expected a number, a finite penalty >= 0")
    if learning_rate is not None and not isinstance(optimizer, str):
        raise ValueError(
            f"learning_rate={learning_rate!r} with an optimizer instance: set the rate on the "
            "instance, or pass the optimizer by name"
        )

    _check_initializer(kernel_initializer)
    check_steps_per_execution(steps_per_execution)

    inputs = keras.Input(shape=shape, name="features")
    x = keras.layers.Flatten(name="flatten")(inputs) if len(shape) > 1 else inputs
    regularizer = keras.regularizers.L2(l2) if l2 else None
    for i, width in enumerate(units, start=1):
        x = keras.layers.Dense(
            width,
            activation=activation,
            kernel_initializer=kernel_initializer,  # a name: a fresh initializer per layer
            kernel_regularizer=regularizer,
            name=f"hidden_{i}",
        )(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    outputs = output_head(head)(x)
    model = make_fast(keras.Model(inputs, outputs, name=name or f"dense_{head.task}"))

    if compile:
        model.compile(
            optimizer=_make_optimizer(optimizer, learning_rate),
            steps_per_execution=steps_per_execution,
            **head.compile_args(),
        )
    return model


def _check_input_shape(input_shape) -> tuple[int, ...]:
    if is_int(input_shape):
        shape = (input_shape,)
    elif isinstance(input_shape, tuple | list):
        shape = tuple(input_shape)
    else:
        shape = ()
    if not shape or not all(is_int(d) and d >= 1 for d in shape):
        raise ValueError(
            f"input_shape={input_shape!r}: expected a positive int (features per sample) or "
            "a tuple of positive ints, without the batch dimension"
        )
    return tuple(int(d) for d in shape)


def _check_initializer(kernel_initializer) -> None:
    # Building an unseeded initializer draws its seed from Python's `random`: restore the
    # state, so that checking the argument leaves the model's initial weights unchanged.
    state = random.getstate()
    try:
        keras.initializers.get(kernel_initializer)
    except ValueError:
        raise ValueError(
            f"kernel_initializer={kernel_initializer!r}: expected a Keras initializer name "
            "such as 'he_normal' or 'glorot_uniform', or an initializer instance"
        ) from None
    finally:
        random.setstate(state)


def _check_hidden_units(hidden_units) -> tuple[int, ...]:
    if is_int(hidden_units):
        raise ValueError(
            f"hidden_units={hidden_units!r}: expected a sequence of layer widths, e.g. "
            f"({hidden_units},) for one hidden layer"
        )
    if not isinstance(hidden_units, tuple | list):
        raise ValueError(
            f"hidden_units={hidden_units!r}: expected a sequence of integer layer widths, "
            "e.g. (64, 64), or () for none"
        )
    units = tuple(hidden_units)
    if not all(is_int(u) and u >= 1 for u in units):
        raise ValueError(f"hidden_units={hidden_units!r}: expected positive ints, e.g. (64, 64)")
    return tuple(int(u) for u in units)


def _make_optimizer(optimizer, learning_rate: float | None):
    if learning_rate is None:
        return optimizer
    if not is_number(learning_rate) or not 0 < learning_rate < math.inf:
        raise ValueError(f"learning_rate={learning_rate!r}: expected a finite number above 0")
    try:
        return keras.optimizers.get(
            {"class_name": optimizer, "config": {"learning_rate": float(learning_rate)}}
        )
    except ValueError as err:
        raise ValueError(f"optimizer={optimizer!r}: not a Keras optimizer name ({err})") from err
