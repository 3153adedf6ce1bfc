"""The fast path: amortise Keras' per-step overhead without changing the training.

Keras runs one compiled step per batch and returns to Python in between (callbacks, the
progress bar, the next batch). `steps_per_execution` runs several batches per call instead:
the same steps in the same order on the same data, so the weights and metrics are those of
the plain path (a prediction can differ in float32's last bit), and per-epoch callbacks
(History, EarlyStopping, checkpoints) see the same epochs. Only per-batch callbacks are
called less often (once per execution), and the progress bar moves in steps of that size
(a fit with ``verbose=0`` shows none, and may run a whole small epoch per call).

`build_dense_model` returns a plain functional `keras.Model` with this path
(`make_fast`): compiled with the default ``steps_per_execution="auto"``, each ``fit`` picks
the value from the number of batches in its epoch (`auto_steps_per_execution`). On JAX
replicas (``--distribute``) it also fits the arrays to the sharding: every batch must split
evenly across the devices, and in a job of several processes each feeds its own share.
Everything else is Keras' own, its saved file included.
"""

from __future__ import annotations

import inspect
import math
import types

import keras
import numpy as np

from keras_dl import runtime
from keras_dl._checks import is_int

AUTO = "auto"
MAX_STEPS = 32  # beyond this, an epoch of MNIST (469 batches) gains nothing more on a CPU
UPDATES_PER_EPOCH = 10  # the progress bar moves at least this often during an epoch


def auto_steps_per_execution(
    batches: int | None, *, progress: bool = True, backend: str | None = None
) -> int:
    """Batches per compiled call for an epoch of `batches`: at most `MAX_STEPS`; with a
    progress bar, few enough that it moves at least `UPDATES_PER_EPOCH` times an epoch.

    The torch backend runs one batch per call (Keras refuses more), as does an epoch of
    unknown length.

    Example:
        >>> [auto_steps_per_execution(batches, backend="jax") for batches in (469, 19)]
        [32, 1]
        >>> auto_steps_per_execution(19, progress=False, backend="jax")  # fit(verbose=0)
        19
        >>> auto_steps_per_execution(469, backend="torch")
        1
    """
    backend = backend or keras.backend.backend()
    if backend == "torch" or not batches:
        return 1
    if progress:
        batches //= UPDATES_PER_EPOCH
    return max(1, min(MAX_STEPS, batches))


def check_steps_per_execution(value: int | str) -> int | str:
    """Return `value` if it is "auto" or a positive int; raise a ValueError naming it if not."""
    if value == AUTO:
        return value
    if not is_int(value) or value < 1:
        raise ValueError(
            f"steps_per_execution={value!r}: expected 'auto' or a positive int (batches per "
            "compiled call)"
        )
    if value > 1 and keras.backend.backend() == "torch":
        raise ValueError(
            f"steps_per_execution={value!r}: the torch backend runs one batch per call; "
            "expected 1 or 'auto'"
        )
    return int(value)


_FIT = inspect.signature(keras.Model.fit)


def make_fast(model: keras.Model) -> keras.Model:
    """Give `model` the fast path, in place, and return it.

    Its ``compile`` then also takes ``steps_per_execution="auto"``, the default (and the
    setting of a model compiled already, until its next ``compile``): each ``fit`` runs
    ``auto_steps_per_execution(batches per epoch)`` batches per compiled call (an int fixes
    the value, as in Keras). On JAX replicas its ``fit``, ``evaluate`` and ``predict`` also
    fit the arrays to the sharding.

    These are methods of this one model, not of a subclass: the model stays a plain
    `keras.Model`, its config and ``.keras`` file are Keras' own, and
    ``keras.models.load_model`` restores it without keras_dl (compiled as saved, an "auto"
    model with one batch per call). ``make_fast(loaded)`` makes it fast again.
    """
    for name, method in _FAST_METHODS.items():
        setattr(model, name, types.MethodType(method, model))
    model.auto_steps = True  # until compile says otherwise
    return model


def _compile(model: keras.Model, *args, steps_per_execution: int | str = AUTO, **kwargs) -> None:
    """`keras.Model.compile`, where ``steps_per_execution`` may also be "auto"."""
    value = check_steps_per_execution(steps_per_execution)
    model.auto_steps = value == AUTO
    type(model).compile(
        model, *args, steps_per_execution=1 if model.auto_steps else value, **kwargs
    )


def _fit(model: keras.Model, *args, **kwargs):
    """`keras.Model.fit`, after choosing the steps per execution from the epoch's batches
    (and, on JAX replicas, leaving out the few samples that would split a batch unevenly)."""
    bound = _FIT.bind(model, *args, **kwargs)
    bound.apply_defaults()
    arguments = {k: v for k, v in bound.arguments.items() if k not in ("self", "kwargs")}
    if _jax_replicas() > 1 and not arguments["validation_split"]:
        batch = arguments["batch_size"]
        arguments["batch_size"] = _feed_replicas(
            arguments, ("x", "y", "sample_weight"), batch, "fit"
        )
        if isinstance(arguments["validation_data"], tuple | list):
            validation = dict(enumerate(arguments["validation_data"]))
            arguments["validation_batch_size"] = _feed_replicas(
                validation,
                tuple(validation),
                arguments["validation_batch_size"] or batch,
                "validation",
            )
            arguments["validation_data"] = tuple(validation.values())
    if model.auto_steps:
        batches = _batches_per_epoch(arguments)
        progress = arguments["verbose"] != 0
        _set_steps_per_execution(model, auto_steps_per_execution(batches, progress=progress))
    return type(model).fit(model, **arguments, **bound.arguments.get("kwargs", {}))


def _evaluate(model: keras.Model, x=None, y=None, batch_size=None, sample_weight=None, **kwargs):
    """`keras.Model.evaluate` (on JAX replicas, without the few samples that would split
    the last batch unevenly)."""
    if _jax_replicas() > 1:
        data = {"x": x, "y": y, "sample_weight": sample_weight}
        batch_size = _feed_replicas(data, tuple(data), batch_size, "evaluate")
        x, y, sample_weight = data["x"], data["y"], data["sample_weight"]
    return type(model).evaluate(
        model, x, y, batch_size=batch_size, sample_weight=sample_weight, **kwargs
    )


def _predict(model: keras.Model, x, batch_size=None, **kwargs):
    """`keras.Model.predict` (on JAX replicas, the last batch padded to split evenly
    and the padding's predictions dropped: each row's prediction is its own)."""
    replicas = _jax_replicas()
    rows = _rows(x)
    if replicas <= 1 or rows is None:
        return type(model).predict(model, x, batch_size=batch_size, **kwargs)
    padding = -(rows % (batch_size or 32)) % replicas
    padded = keras.tree.map_structure(
        lambda a: np.concatenate([a, np.repeat(a[-1:], padding, axis=0)]), x
    )
    outputs = type(model).predict(model, padded, batch_size=batch_size, **kwargs)
    return keras.tree.map_structure(lambda a: a[:rows], outputs)


_FAST_METHODS = {"compile": _compile, "fit": _fit, "evaluate": _evaluate, "predict": _predict}


def start_over(model: keras.Model, fresh: keras.Model) -> keras.Model:
    """The model to fit next in a loop that trains a new model each time (the folds of a
    K-fold validation): on TensorFlow `model`, given `fresh`'s starting state in place, so
    that it trains exactly as `fresh` would with the step functions it has traced already;
    on JAX and torch `fresh` itself.

    `fresh` is the new model, built and compiled as `model` was (the same layers, loss,
    metrics and optimizer settings; a ValueError if not) after the same seeding; `model`
    takes its variables (weights, a Dropout's seed state) and its optimizer's starting
    state, and keeps its ``steps_per_execution`` (a fit of as many batches per epoch reuses
    its step functions). Each new model's first ``fit`` traces Keras' training step anew on
    TensorFlow (about half a second for a small Dense network on a CPU), and TensorFlow
    warns of "retracing" when a loop of short fits does so again and again. On JAX and
    torch a new model's first fit builds it on a batch it reads (a shuffle drawn from
    NumPy's generator; on torch a Dropout draw too), which a model fitted already does
    not: reusing one there would shift the random streams, and so the numbers.
    """
    if _setup(model) != _setup(fresh):
        raise ValueError(
            f"start_over: {fresh.name!r} is not built and compiled as {model.name!r} (layers, "
            "loss, metrics and optimizer settings must be the same)"
        )
    if keras.backend.backend() != "tensorflow":
        return fresh
    _assign(model.variables, fresh.variables)
    if model.optimizer is not None:
        for optimizer, variables in ((model.optimizer, model), (fresh.optimizer, fresh)):
            if not optimizer.built:  # built at the first fit, with its zero slots
                optimizer.build(variables.trainable_variables)
        _assign(model.optimizer.variables, fresh.optimizer.variables)
    model.reset_metrics()
    return model


def _setup(model: keras.Model):
    """What a model computes and how it trains, names left out (Keras numbers them)."""

    def unnamed(config):
        if isinstance(config, dict):
            return {k: unnamed(v) for k, v in config.items() if k != "name"}
        if isinstance(config, list | tuple):
            return [unnamed(v) for v in config]
        return config

    optimizer = model.optimizer.get_config() if model.optimizer is not None else None
    compiled = dict(model.get_compile_config() or {})
    compiled.pop("optimizer", None)
    compiled.pop("steps_per_execution", None)
    return unnamed([model.get_config(), compiled, type(model.optimizer), optimizer])


def _assign(targets: list, sources: list) -> None:
    if [tuple(v.shape) for v in targets] != [tuple(v.shape) for v in sources]:
        raise ValueError("start_over: the two models' variables differ in number or shape")
    for target, source in zip(targets, sources, strict=True):
        target.assign(source)


def _set_steps_per_execution(model: keras.Model, steps: int) -> None:
    if steps != model.steps_per_execution:
        model.steps_per_execution = steps
        # Keras compiles its step functions once, for the value at that time.
        model.train_function = model.test_function = model.predict_function = None


def _jax_replicas() -> int:
    """Devices of the current `keras.distribution` (JAX's DataParallel), 1 without one."""
    mesh = getattr(keras.distribution.distribution(), "device_mesh", None)
    return math.prod(mesh.shape) if mesh is not None else 1


def _rows(data) -> int | None:
    """Samples in an array (or a structure of arrays), None for anything else."""
    leaves = keras.tree.flatten(data) if data is not None else []
    if not leaves or not all(isinstance(a, np.ndarray) for a in leaves):
        return None
    return len(leaves[0])


def _feed_replicas(data: dict, keys: tuple, batch_size: int | None, what: str) -> int | None:
    """Fit `data[keys]` (arrays) to JAX's replicas; return the batch size to pass on.

    In a job of several processes each feeds its own equal share of the rows with its share
    of the global batch (`keras.distribution` then assembles the global batch). The last
    few samples that would leave a last batch the local devices cannot split evenly (fewer
    than the devices) are left out, and said so.
    """
    rows = _rows(data[keys[0]])
    if rows is None:
        return batch_size
    batch_size = batch_size or 32
    replicas = _jax_replicas()
    index, count = runtime.processes()
    start, stop = 0, rows
    if count > 1:
        if batch_size % count:
            raise ValueError(
                f"batch_size={batch_size}: expected a multiple of the {count} processes"
            )
        share = rows // count
        start, stop = index * share, (index + 1) * share
        batch_size, replicas = batch_size // count, replicas // count
    stop -= ((stop - start) % batch_size) % replicas
    if (start, stop) != (0, rows):
        for key in keys:
            if data[key] is not None:
                data[key] = keras.tree.map_structure(lambda a: a[start:stop], data[key])
    if count == 1 and stop < rows:
        print(
            f"{what}: leaving out the last {rows - stop} of {rows} samples, so that each "
            f"batch splits evenly across the {replicas} replicas"
        )
    elif count > 1:
        print(f"{what}: process {index + 1} of {count} feeds rows {start} to {stop - 1}")
    return batch_size


def _batches_per_epoch(arguments: dict) -> int | None:
    """Batches in one training epoch of ``fit(**arguments)``, or None when unknown."""
    if arguments["steps_per_epoch"]:
        return int(arguments["steps_per_epoch"])
    x = arguments["x"]
    if isinstance(x, keras.utils.PyDataset) or _is_dataset(x):
        try:
            return len(x)  # already batches
        except TypeError:  # an infinite or unknown-length dataset
            return None
    first = keras.tree.flatten(x)[0] if isinstance(x, dict | list | tuple) else x
    shape = getattr(first, "shape", None)  # a SciPy sparse matrix has no len(), a shape
    if shape is not None and len(shape):
        rows = int(shape[0])
    elif hasattr(first, "__len__"):
        rows = len(first)
    else:
        return None  # a generator
    samples = math.floor(rows * (1 - (arguments["validation_split"] or 0.0)))
    return math.ceil(samples / (arguments["batch_size"] or 32))


def _is_dataset(x) -> bool:
    """A tf.data.Dataset or a torch DataLoader, whose length counts batches."""
    return hasattr(x, "element_spec") or type(x).__name__ == "DataLoader"
