"""The fast path: amortise Keras' per-step overhead without changing the training.

Keras runs one compiled step per batch and returns to Python in between (callbacks, the
progress bar, the next batch). `steps_per_execution` runs several batches per call instead:
the same steps in the same order on the same data, so the weights and metrics are those of
the plain path (a prediction can differ in float32's last bit), and per-epoch callbacks
(History, EarlyStopping, checkpoints) see the same epochs. Only per-batch callbacks are
called less often (once per execution), and the progress bar moves in steps of that size
(a fit with ``verbose=0`` shows none, and may run a whole small epoch per call).

`FastModel` is the `keras.Model` that `build_dense_model` returns: compiled with the
default ``steps_per_execution="auto"``, each ``fit`` picks the value from the number of
batches in its epoch (`auto_steps_per_execution`). On JAX replicas (``--distribute``) it
also fits the arrays to the sharding: every batch must split evenly across the devices, and
in a job of several processes each feeds its own share. Everything else is Keras' own.
"""

from __future__ import annotations

import inspect
import math

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


@keras.saving.register_keras_serializable(package="keras_dl")
class FastModel(keras.Model):
    """A functional `keras.Model` whose ``compile`` also takes ``steps_per_execution="auto"``
    (the default): each ``fit`` then runs ``auto_steps_per_execution(batches per epoch)``
    batches per compiled call. An int fixes the value, as in Keras.

    Build it as a functional model, ``FastModel(inputs, outputs)``; save and load it as any
    Keras model (``keras.models.load_model`` knows the class once keras_dl is imported).
    """

    auto_steps = True  # until compile says otherwise

    def compile(self, *args, steps_per_execution: int | str = AUTO, **kwargs) -> None:
        """`keras.Model.compile`, where ``steps_per_execution`` may also be "auto"."""
        value = check_steps_per_execution(steps_per_execution)
        self.auto_steps = value == AUTO
        super().compile(*args, steps_per_execution=1 if self.auto_steps else value, **kwargs)

    def get_compile_config(self) -> dict | None:
        """Keras' compile config, keeping ``steps_per_execution="auto"`` for a loaded model."""
        config = super().get_compile_config()
        if config is not None and self.auto_steps:
            config["steps_per_execution"] = AUTO
        return config

    def compile_from_config(self, config: dict) -> None:
        """Compile a loaded model as it was compiled when saved (Keras' own steps)."""
        self.compile(**keras.saving.deserialize_keras_object(config))
        if self.built:
            self.optimizer.build(self.trainable_variables)  # so that its saved state loads

    def fit(self, *args, **kwargs):
        """`keras.Model.fit`, after choosing the steps per execution from the epoch's batches
        (and, on JAX replicas, leaving out the few samples that would split a batch unevenly)."""
        bound = _FIT.bind(self, *args, **kwargs)
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
        if self.auto_steps:
            batches = _batches_per_epoch(arguments)
            progress = arguments["verbose"] != 0
            self._set_steps_per_execution(auto_steps_per_execution(batches, progress=progress))
        return super().fit(**arguments, **bound.arguments.get("kwargs", {}))

    def evaluate(self, x=None, y=None, batch_size=None, sample_weight=None, **kwargs):
        """`keras.Model.evaluate` (on JAX replicas, without the few samples that would split
        the last batch unevenly)."""
        if _jax_replicas() > 1:
            data = {"x": x, "y": y, "sample_weight": sample_weight}
            batch_size = _feed_replicas(data, tuple(data), batch_size, "evaluate")
            x, y, sample_weight = data["x"], data["y"], data["sample_weight"]
        return super().evaluate(x, y, batch_size=batch_size, sample_weight=sample_weight, **kwargs)

    def predict(self, x, batch_size=None, **kwargs):
        """`keras.Model.predict` (on JAX replicas, the last batch padded to split evenly
        and the padding's predictions dropped: each row's prediction is its own)."""
        replicas = _jax_replicas()
        rows = _rows(x)
        if replicas <= 1 or rows is None:
            return super().predict(x, batch_size=batch_size, **kwargs)
        padding = -(rows % (batch_size or 32)) % replicas
        padded = keras.tree.map_structure(
            lambda a: np.concatenate([a, np.repeat(a[-1:], padding, axis=0)]), x
        )
        outputs = super().predict(padded, batch_size=batch_size, **kwargs)
        return keras.tree.map_structure(lambda a: a[:rows], outputs)

    def _set_steps_per_execution(self, steps: int) -> None:
        if steps != self.steps_per_execution:
            self.steps_per_execution = steps
            # Keras compiles its step functions once, for the value at that time.
            self.train_function = self.test_function = self.predict_function = None


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
