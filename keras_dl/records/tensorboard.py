"""TensorBoard event logs inside each run directory: ``tensorboard --logdir runs`` shows every run.

A fit made through the run logs each finished epoch live, with Keras' own `TensorBoard`
callback (`keras_dl.lab.callbacks`). A history that reached the run another way (a custom
training loop, the mean of several fits) is written here when the run finishes, in the same
form, with TensorBoard's own event writer: one ``epoch_<metric>`` scalar per epoch, the
training metrics under ``train/`` and the validation ones (``val_<metric>``) under
``validation/``, as TensorBoard expects them.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from keras_dl.records.files import unused_name

LOG_DIR = "tensorboard"  # inside the run directory
PARTS = {"train": "", "validation": "val_"}  # sub-folder -> prefix of its history keys


def missing() -> str:
    """What stops the logs from being written ("" when nothing does)."""
    if importlib.util.find_spec("tensorboard") is None:
        return "the tensorboard package is not installed (pip install tensorboard)"
    return ""


def write_history(history: Mapping[str, Sequence[float]], log_dir: Path) -> list[Path]:
    """Write every epoch of `history` (Keras' ``History.history`` form) as TensorBoard
    scalars under `log_dir`; returns the folders written (``train``, ``validation``).

    Example:
        >>> [path.name for path in write_history({"loss": [0.5], "val_loss": [0.7]}, Path("tb"))]
        ['train', 'validation']
    """
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary

    written = []
    for part, prefix in PARTS.items():
        series = {
            key[len(prefix) :]: values
            for key, values in history.items()
            if key.startswith(prefix) and (prefix or not key.startswith("val_"))
        }
        if not series:
            continue
        events = [Event(wall_time=time.time(), file_version="brain.Event:2")]
        for name, values in series.items():
            for epoch, value in enumerate(values):
                if value is None or not np.isfinite(value):
                    continue  # TensorBoard draws no point for a missing or NaN epoch
                summary = Summary(value=[Summary.Value(tag=f"epoch_{name}", simple_value=value)])
                events.append(Event(wall_time=time.time(), step=epoch, summary=summary))
        written.append(_write_events(log_dir / part, events))
    return written


def _write_events(folder: Path, events: Sequence) -> Path:
    """An event file of `events` in `folder`, named as TensorBoard's writers name theirs.

    TensorBoard's own record format (`RecordWriter`), without its `EventFileWriter`, which
    imports TensorFlow wherever it is installed for its file system layer.
    """
    from tensorboard.summary.writer.record_writer import RecordWriter

    folder.mkdir(parents=True, exist_ok=True)
    name = f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}.{os.getpid()}"
    path = unused_name(folder, name, (".v2",))
    with path.open("xb") as f:
        records = RecordWriter(f)
        for event in events:
            records.write(event.SerializeToString())
    return folder
