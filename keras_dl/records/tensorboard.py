"""TensorBoard event logs inside each run directory: ``tensorboard --logdir runs`` shows every run.

Every run writes them in one form, whichever way it trained: a fit made through the run
logs each finished epoch as it ends (`keras_dl.lab.callbacks.LiveTensorBoard`); a history
that reached the run another way (a custom training loop, the mean of several fits) is
written when the run finishes. Each epoch is one ``epoch_<metric>`` scalar (a plain
``simple_value``, which TensorBoard's ``EventAccumulator.Scalars`` reads), at step = the
0-based epoch, the training metrics under ``train/`` and the validation ones under
``validation/`` (``val_loss`` and ``neuron_val_loss`` become ``validation/epoch_loss`` and
``validation/epoch_neuron_loss``), as TensorBoard pairs them. The files are written with
TensorBoard's own record format, without TensorFlow.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from keras_dl.records.files import unused_name

LOG_DIR = "tensorboard"  # inside the run directory


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
    log = EventLog(log_dir)
    try:
        for epoch in range(max((len(values) for values in history.values()), default=0)):
            log.add(epoch, {k: v[epoch] for k, v in history.items() if epoch < len(v)})
    finally:
        log.close()
    return log.folders()


def part_of(key: str) -> tuple[str, str]:
    """Where a history key goes: its sub-folder and its metric name there.

    Example:
        >>> part_of("loss"), part_of("val_loss"), part_of("neuron_val_accuracy")
        (('train', 'loss'), ('validation', 'loss'), ('validation', 'neuron_accuracy'))
    """
    if key.startswith("val_"):
        return "validation", key[len("val_") :]
    if "_val_" in key:
        return "validation", key.replace("_val_", "_", 1)
    return "train", key


class EventLog:
    """A TensorBoard log written epoch by epoch: one event file per sub-folder, opened when
    its first value comes, each epoch flushed to disk as it is added."""

    def __init__(self, log_dir: Path):
        self.log_dir = Path(log_dir)
        self._files: dict[str, tuple] = {}

    def add(self, epoch: int, values: Mapping[str, float | None]) -> None:
        """Add one epoch's values (Keras' ``logs`` form); a missing or NaN value draws no
        point."""
        from tensorboard.compat.proto.event_pb2 import Event
        from tensorboard.compat.proto.summary_pb2 import Summary

        parts: dict[str, list] = {}
        for key, value in values.items():
            if key == "epoch" or value is None or not np.isfinite(value):
                continue
            part, name = part_of(key)
            tag = Summary.Value(tag=f"epoch_{name}", simple_value=float(value))
            parts.setdefault(part, []).append(tag)
        for part, tags in parts.items():
            file, records = self._open(part)
            event = Event(wall_time=time.time(), step=int(epoch), summary=Summary(value=tags))
            records.write(event.SerializeToString())
            file.flush()

    def folders(self) -> list[Path]:
        """The sub-folders written to, in the order they were opened."""
        return [self.log_dir / part for part in self._files]

    def close(self) -> None:
        """Close the event files (what a full disk kept from the last flush stays)."""
        for file, _ in self._files.values():
            with contextlib.suppress(OSError):
                file.close()

    def _open(self, part: str) -> tuple:
        if part not in self._files:
            from tensorboard.compat.proto.event_pb2 import Event
            from tensorboard.summary.writer.record_writer import RecordWriter

            folder = self.log_dir / part
            folder.mkdir(parents=True, exist_ok=True)
            name = f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}"
            path = unused_name(folder, f"{name}.{os.getpid()}", (".v2",))
            file = path.open("xb")
            records = RecordWriter(file)
            self._files[part] = (file, records)
            first = Event(wall_time=time.time(), file_version="brain.Event:2")
            records.write(first.SerializeToString())
        return self._files[part]
