"""The Keras callbacks a run gives each of its fits: the safety net.

`EpochLog` puts each finished epoch on disk at once, `Backup` keeps what ``--resume`` needs,
Keras' `TerminateOnNaN` stops a diverging fit and `CtrlC` makes sure Ctrl-C stops it;
`LiveTensorBoard` logs the run's epochs for TensorBoard as they end, and never stops the fit.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np

from keras_dl import runtime
from keras_dl.records import tensorboard as event_logs
from keras_dl.records.files import atomic_replace, atomic_write, new_numbered_file
from keras_dl.records.read import read_history
from keras_dl.records.run import EpochWriter, RunFailedError


class EpochLog(keras.callbacks.Callback):
    """Append each finished epoch to a CSV of the run at once (`EpochWriter`), so that an
    interrupted or killed run keeps every epoch it finished.

    On a resumed fit the earlier epochs are already in the file: the new ones continue it
    (epochs the fit repeats because its last backup came before them keep their first
    rows), and the `History` that ``fit`` returns is given the file's epochs back at the
    end, so that it says what history.csv says.
    """

    def __init__(self, path: Path | None, *, folder: Path | None = None, stem: str = ""):
        super().__init__()
        self.writer = EpochWriter(path) if path is not None else None
        self.earlier = (
            read_history(path.parent, path.name) if self.writer and self.writer.rows else {}
        )
        self.first_epoch: int | None = None
        self.folder, self.stem = folder, stem

    @classmethod
    def each_fit(cls, folder: Path, stem: str) -> EpochLog:
        """An epoch log for every fit it is given to (copies of it too): each fit's epochs
        go to a file of their own, the next free ``folder/<stem>-<n>.csv``."""
        return cls(None, folder=folder, stem=stem)

    def on_train_begin(self, logs: dict | None = None) -> None:
        """A log for each fit: take this fit's file."""
        if self.folder is not None:
            self.writer = EpochWriter(new_numbered_file(self.folder, self.stem, ".csv"))
            self.first_epoch = None

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Note where this fit starts (after `BackupAndRestore` has restored its epoch)."""
        if self.first_epoch is None:
            self.first_epoch = epoch

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Write the epoch's row (1-based), unless the file holds it already."""
        self.writer.append(logs or {}, epoch + 1)

    def on_train_end(self, logs: dict | None = None) -> None:
        """Sync the file; give a resumed fit's `History` the epochs finished before."""
        self.writer.close()
        history = getattr(self.model, "history", None)
        if not self.earlier or not isinstance(history, keras.callbacks.History):
            return
        rows = len(self.earlier["epoch"])
        repeated = max(0, rows - (self.first_epoch or 0))  # in the file already
        for key, values in history.history.items():
            earlier = [float(v) for v in self.earlier.get(key, [])]
            history.history[key] = earlier + list(values)[repeated:]
        history.epoch = list(range(len(next(iter(history.history.values()), []))))


class Backup(keras.callbacks.BackupAndRestore):
    """Keras' `BackupAndRestore`, which never leaves a half-written backup, skips a backup
    the disk has no room for, and takes at most a twentieth of the training time.

    Each backup is written beside the last one and then replaces it in one step, so a Ctrl-C
    in the middle of writing keeps the previous backup intact (Keras writes in place, and an
    interrupted write leaves weights that cannot be loaded). Writing the HDF5 checkpoint onto
    a full disk can crash the process (h5py), which would cost the run what it finished;
    without the backup the run goes on, and only ``--resume`` past that epoch is lost (said
    once). Epochs shorter than 20 backups (boston's 500-epoch folds: 50 ms each against a
    10 ms backup) are backed up every few epochs: a resume repeats the few since the last.
    The processes of a multi-process JAX job back up together, every epoch (saving is a
    collective step there).
    """

    SPACING = 20  # after a backup that took t seconds, the next one comes 20 t later or more

    def __init__(self, backup_dir: str):
        # The backup stays after the fit: a run killed while it evaluates, plots or writes
        # its record resumes with nothing left to train. The run removes it once complete.
        super().__init__(backup_dir, delete_checkpoint=False)
        self.spacing = self.SPACING if runtime.processes()[1] == 1 else 0
        self.next_backup = 0.0  # time.monotonic() from which the next backup is due
        self.unsaved: int | None = None  # the last finished epoch, if not backed up

    def _save_model(self) -> None:
        """Write the weights, then the epoch, each to a temporary file that then replaces
        the previous one (interrupted in between, a resume repeats at most one epoch)."""
        folder = Path(self.backup_dir)
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f"partial-{os.getpid()}.weights.h5"
        self.model.save_weights(filepath=str(partial), overwrite=True)
        os.replace(partial, self._weights_path)
        state = json.dumps({"epoch": self._current_epoch, "batch": self._last_batch_seen})
        metadata = Path(self._training_metadata_path)
        (atomic_replace if metadata.exists() else atomic_write)(
            metadata, lambda f: f.write(state.encode())
        )

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Back up the epoch, when one is due and the disk has room for the weights and the
        optimizer state."""
        self.unsaved = epoch
        if time.monotonic() < self.next_backup:
            return
        variables = [*self.model.weights, *self.model.optimizer.variables]
        needed = sum(int(np.prod(v.shape)) * 8 for v in variables) + 2**20
        folder = Path(self.backup_dir)
        while not folder.exists():
            folder = folder.parent
        if shutil.disk_usage(folder).free >= needed:
            started = time.monotonic()
            super().on_epoch_end(epoch, logs)
            self.next_backup = time.monotonic() + self.spacing * (time.monotonic() - started)
            self.unsaved = None
        elif not getattr(self, "warned", False):
            self.warned = True
            print(f"warning: no room on disk for the resume state after epoch {epoch + 1}")

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Restore the fit from its backup, if it has one; a backup that cannot be read
        ends the run with one line naming it (and how to start the fit anew)."""
        try:
            super().on_train_begin(logs)
        except (OSError, ValueError) as err:
            raise RunFailedError(
                f"{self.backup_dir}: the resume state cannot be read ({str(err)[:120]}); "
                "remove that folder to train this fit anew"
            ) from None

    def on_train_end(self, logs: dict | None = None) -> None:
        """Back up the fit's last epoch, if the spacing skipped it (and the disk has room)."""
        if self.unsaved is not None:
            self.next_backup = 0.0
            self.on_epoch_end(self.unsaved, logs)
        super().on_train_end(logs)


class CtrlC(keras.callbacks.Callback):
    """Stop the fit at the next batch or epoch end once Ctrl-C was pressed during the run.

    Python raises `KeyboardInterrupt` wherever the main thread happens to be, and code that
    swallows it would make the run carry on as if nothing was pressed: NumPy's ``np.array``
    of a JAX array, which Keras calls for every batch's logs, sometimes does. The run
    remembers the press; this raises it again where nothing can swallow it.
    """

    async_safe = True  # it only reads a flag: Keras may keep dispatching batch ends in a thread

    def __init__(self, pressed: Callable[[], bool]):
        super().__init__()
        self.pressed = pressed

    def _check(self, *_args, **_kwargs) -> None:
        if self.pressed():
            raise KeyboardInterrupt

    on_train_batch_end = on_test_batch_end = on_predict_batch_end = on_epoch_end = _check


class LiveTensorBoard(keras.callbacks.Callback):
    """Each finished epoch of the run's own fit into its TensorBoard log, as it ends
    (`keras_dl.records.tensorboard.EventLog`: the same form as every other run's, on every
    backend). It never stops the training: when the log cannot be written (a full disk),
    it says why in `failed` and writes no more; the run then ends failed with that reason,
    keeping all it finished."""

    def __init__(self, log_dir: Path):
        super().__init__()
        self.log = event_logs.EventLog(log_dir)
        self.failed = ""

    @classmethod
    def where_possible(cls, log_dir: Path) -> LiveTensorBoard | None:
        """The callback, or None where the tensorboard package is missing."""
        return None if event_logs.missing() else cls(log_dir)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Add the epoch's metrics to the log, unless it failed before."""
        if self.failed:
            return
        try:
            self.log.add(epoch, {k: _number(v) for k, v in (logs or {}).items()})
        except OSError as err:
            self.failed = f"{err.filename or self.log.log_dir}: {err.strerror or err}"
            self.log.close()

    def on_train_end(self, logs: dict | None = None) -> None:
        """Close the log's files."""
        self.log.close()


def _number(value) -> float | None:
    """A Keras log value as a float (None where it is not a single number)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
