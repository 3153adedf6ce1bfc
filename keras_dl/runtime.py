"""The runtime: which backend and device run the models, seeding, mixed precision and XLA.

TENSORFLOW-ONLY CALLS LIVE HERE AND NOWHERE ELSE IN THE LIBRARY. Every other module uses
Keras 3's backend-neutral API, so the same code runs with ``KERAS_BACKEND=jax`` or
``torch``; here each backend-specific call sits behind a check of ``keras.backend.backend()``.
"""

from __future__ import annotations

import os
import platform
from importlib import metadata

import keras


def backend() -> str:
    """The Keras backend in use: "tensorflow" (the default), "jax" or "torch"."""
    return keras.backend.backend()


def device() -> str:
    """Describe the device the backend computes on, e.g. "GPU: NVIDIA H100 80GB HBM3".

    Example:
        >>> device()
        'CPU: Intel(R) Xeon(R) Platinum 8481C (2 cores)'
    """
    gpu = _gpu_name()
    return f"GPU: {gpu}" if gpu else f"CPU: {_cpu_name()} ({os.cpu_count()} cores)"


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and the backend, so that weights, dropout and shuffling repeat.

    Example:
        >>> seed_everything(0)
    """
    keras.utils.set_random_seed(int(seed))


def configure(*, mixed_precision: bool = False, xla: bool = False) -> None:
    """Switch mixed precision and XLA compilation on request (both off by default).

    Mixed precision uses float16 on a GPU and bfloat16 on a CPU; output heads built by
    keras_dl stay float32. XLA: TensorFlow compiles with XLA auto-clustering; JAX always
    compiles with XLA; PyTorch has no XLA here and refuses.
    """
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
