"""TensorBoard event logs inside each run directory: ``tensorboard --logdir runs`` shows every run.

A fit given the run's callbacks logs each finished epoch live, with Keras' own `TensorBoard`
callback. A history that reached the run another way (a custom training loop, several small
fits) is written when the run finishes, in the same form, with TensorBoard's own event
writer: one ``epoch_<metric>`` scalar per epoch, the training metrics under ``train/`` and
the validation ones (``val_<metric>``) under ``validation/``, as TensorBoard expects them.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

LOG_DIR = "tensorboard"  # inside the run directory
PARTS = {"train": "", "validation": "val_"}  # sub-folder -> prefix of its history keys


def missing() -> str:
    """What stops the logs from being written ("" when nothing does)."""
    if importlib.util.find_spec("tensorboard") is None:
        return "the tensorboard package is not installed (pip install tensorboard)"
    return ""


def live_callback(log_dir: Path):
    """Keras' `TensorBoard` callback writing to `log_dir`, or None where it cannot run.

    Keras writes its summaries with TensorFlow's, so a backend without TensorFlow installed
    gets no live logs; the run's history is then written by `write_history` at the end.
    """
    if missing() or importlib.util.find_spec("tensorflow") is None:
        return None
    import keras

    return keras.callbacks.TensorBoard(log_dir=str(log_dir), write_graph=False)


def write_history(history: Mapping[str, Sequence[float]], log_dir: Path) -> list[Path]:
    """Write every epoch of `history` (Keras' ``History.history`` form) as TensorBoard
    scalars under `log_dir`; returns the folders written (``train``, ``validation``)."""
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    written = []
    for part, prefix in PARTS.items():
        series = {
            key[len(prefix) :]: values
            for key, values in history.items()
            if key.startswith(prefix) and (prefix or not key.startswith("val_"))
        }
        if not series:
            continue
        writer = EventFileWriter(str(log_dir / part))
        for name, values in series.items():
            for epoch, value in enumerate(values):
                if value is None or not np.isfinite(value):
                    continue  # TensorBoard draws no point for a missing or NaN epoch
                summary = Summary(value=[Summary.Value(tag=f"epoch_{name}", simple_value=value)])
                writer.add_event(Event(wall_time=time.time(), step=epoch, summary=summary))
        writer.close()
        written.append(Path(writer.get_logdir()))
    return written
