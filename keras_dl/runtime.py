"""The runtime: which backend and devices run the models, seeding, mixed precision, XLA and
data-parallel training on several local devices.

TENSORFLOW-ONLY CALLS LIVE HERE AND NOWHERE ELSE IN THE LIBRARY. Every other module uses
Keras 3's backend-neutral API, so the same code runs with ``KERAS_BACKEND=jax`` or
``torch``; here each backend-specific call sits behind a check of ``keras.backend.backend()``.
"""

from __future__ import annotations

import contextlib
import os
import platform
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata

import keras


def backend() -> str:
    """The Keras backend in use: "tensorflow" (the default), "jax" or "torch"."""
    return keras.backend.backend()


def device() -> str:
    """Describe the device the backend computes on, e.g. "GPU: NVIDIA H100 80GB HBM3".

    Example:
        >>> device().startswith(("CPU: ", "GPU: "))  # e.g. 'CPU: AMD EPYC (2 cores)'
        True
    """
    gpu = _gpu_name()
    return f"GPU: {gpu}" if gpu else f"CPU: {_cpu_name()} ({os.cpu_count()} cores)"


def computes_float64() -> bool:
    """Whether float64 layers compute in float64. JAX computes them in float32 unless its
    x64 mode is on (``JAX_ENABLE_X64=1`` before it starts); TensorFlow and torch always do."""
    if backend() == "jax":
        import jax

        return bool(jax.config.jax_enable_x64)
    return True


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and the backend, so that weights, dropout and shuffling repeat.

    Example:
        >>> seed_everything(0)
    """
    keras.utils.set_random_seed(int(seed))


def configure(
    *,
    mixed_precision: bool = False,
    xla: bool = False,
    distribute: bool = False,
    cpu_devices: int | None = None,
) -> Distribution:
    """Switch mixed precision, XLA and data-parallel training on request (all off by
    default); return the `Distribution` to build and train the models in.

    Mixed precision uses float16 on a GPU and bfloat16 on a CPU; output heads built by
    keras_dl stay float32. XLA: TensorFlow compiles with XLA auto-clustering; JAX always
    compiles with XLA; PyTorch has no XLA here and refuses. `cpu_devices` splits the CPU
    first (`split_cpu`); `distribute` trains on all local devices (`data_parallel`).
    """
    if cpu_devices is not None:
        split_cpu(cpu_devices)
    distribution = data_parallel() if distribute else SINGLE_DEVICE
    if mixed_precision:
        keras.mixed_precision.set_global_policy(
            "mixed_float16" if _gpu_name() else "mixed_bfloat16"
        )
    if xla:
        if backend() == "tensorflow":
            import tensorflow as tf

            tf.config.optimizer.set_jit(True)
        elif backend() == "torch":
            raise ValueError("xla=True: the torch backend does not compile with XLA")
    return distribution


@dataclass(frozen=True)
class Distribution:
    """How a model trains: the engine's strategy, its replicas (one per device), and the
    scope to build, compile and fit the model in."""

    strategy: str
    replicas: int
    scope: Callable[[], contextlib.AbstractContextManager]

    def as_dict(self) -> dict:
        """``{"strategy": ..., "replicas": ...}``, as in each run's config.json."""
        return {"strategy": self.strategy, "replicas": self.replicas}


SINGLE_DEVICE = Distribution("none", 1, contextlib.nullcontext)


def split_cpu(devices: int) -> None:
    """Split the CPU into `devices` logical devices, so that data-parallel training can be
    tried on one machine. Call it before the backend starts computing (the engines fix
    their devices then): TensorFlow's logical device configuration, JAX's
    ``jax_num_cpu_devices`` (the ``--xla_force_host_platform_device_count`` flag).
    """
    name = backend()
    if name == "tensorflow":
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        try:
            tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(devices)]
            )
        except RuntimeError:  # already started: fine if it has this split already
            started = len(tf.config.list_logical_devices("CPU"))
            if started != devices:
                raise ValueError(_started_message(devices, started)) from None
    elif name == "jax":
        import jax

        try:
            jax.config.update("jax_num_cpu_devices", devices)
        except RuntimeError:
            started = len(jax.devices("cpu"))
            if started != devices:
                raise ValueError(_started_message(devices, started)) from None
    else:
        raise ValueError(
            f"cpu_devices={devices}: the {name} backend cannot split the CPU; expected the "
            "tensorflow or jax backend"
        )


def _started_message(devices: int, started: int) -> str:
    return (
        f"cpu_devices={devices}: the {backend()} backend has started with {started} CPU "
        "device(s) and keeps them; split the CPU in a fresh process"
    )


def data_parallel() -> Distribution:
    """Data-parallel training on every local device (the GPUs, else the CPU's logical
    devices): `tf.distribute.MirroredStrategy` on TensorFlow, `keras.distribution.
    DataParallel` on JAX. Each batch is split across the replicas and the gradients are
    averaged, so ``batch_size`` stays the global batch. torch is refused: it trains on
    several devices with ``torchrun`` and DistributedDataParallel, outside Keras' fit.

    Several machines: with ``TF_CONFIG`` set, TensorFlow uses `MultiWorkerMirroredStrategy`;
    with ``KERAS_DISTRIBUTION_JOB_ADDRESSES``, ``KERAS_DISTRIBUTION_NUM_PROCESSES`` and
    ``KERAS_DISTRIBUTION_PROCESS_ID`` set, JAX joins the job (`keras.distribution.
    initialize`) and its DataParallel spans every process's devices.
    """
    name = backend()
    if name == "tensorflow" and os.environ.get("TF_CONFIG"):
        import tensorflow as tf

        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        return Distribution(
            "MultiWorkerMirroredStrategy", strategy.num_replicas_in_sync, strategy.scope
        )
    if name == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_logical_devices("GPU")
        devices = gpus or tf.config.list_logical_devices("CPU")
        strategy = tf.distribute.MirroredStrategy(
            devices=[d.name for d in devices],
            # NCCL all-reduce needs GPUs: CPU replicas reduce on one device.
            cross_device_ops=None if gpus else tf.distribute.ReductionToOneDevice(),
        )
        return Distribution("MirroredStrategy", strategy.num_replicas_in_sync, strategy.scope)
    if name == "jax":
        if os.environ.get("KERAS_DISTRIBUTION_JOB_ADDRESSES"):
            import jax

            # Processes on CPUs exchange gradients over gloo (GPUs use NCCL regardless).
            jax.config.update("jax_cpu_collectives_implementation", "gloo")
            keras.distribution.initialize()
        devices = keras.distribution.list_devices()
        # Several processes: each feeds its own share of the arrays (keras_dl.fast), so
        # Keras must not shard them again (it shards only tf.data pipelines itself).
        distribution = keras.distribution.DataParallel(
            devices=devices, auto_shard_dataset=processes()[1] == 1
        )
        return Distribution("DataParallel", len(devices), distribution.scope)
    raise ValueError(
        f"distribute=True: the {name} backend is not distributed by Keras' fit; launch the "
        "script with torchrun and wrap the model in DistributedDataParallel, or use the "
        "tensorflow or jax backend"
    )


def processes() -> tuple[int, int]:
    """(this process's index, the number of processes) in a job of several machines; (0, 1)
    for one process (always on TensorFlow, whose workers each see the whole strategy)."""
    if backend() == "jax":
        import jax

        return jax.process_index(), jax.process_count()
    return 0, 1


def describe() -> dict:
    """Backend, device and library versions, as stored in each run's config.json."""
    versions = {"python": platform.python_version()}
    for package in ("keras-dl", "keras", backend_package(), "numpy", "scikit-learn"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "backend": backend(),
        "device": device(),
        "dtype_policy": keras.config.dtype_policy().name,
        "versions": versions,
    }


def backend_package() -> str:
    """The distribution that provides the backend ("tensorflow", "jax" or "torch")."""
    return {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}.get(backend(), backend())


def _gpu_name() -> str | None:
    name = backend()
    if name == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            details = tf.config.experimental.get_device_details(gpus[0])
            return details.get("device_name", gpus[0].name)
    elif name == "jax":
        import jax

        devices = jax.devices()
        if devices and devices[0].platform == "gpu":
            return devices[0].device_kind
    elif name == "torch":
        import torch

        if torch.cuda.is_available():
            return torch.cuda.get_device_name(0)
    return None


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
