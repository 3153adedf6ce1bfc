"""keras-dl: Dense-network building blocks and the recipes of Deep Learning with Python.

    from keras_dl import build_dense_model, infer_task, train_val_test_split, kfold, output_head

Three products live here. The model and data library sits at the top (`builders`, `heads`,
`tasks`, `fast`, `splits`, `datasets`, `synthetic`, `sklearn`, `tuning`, `runtime`);
`keras_dl.records` reads, compares and judges what runs leave on disk, without Keras
(``keras_dl.compare``); `keras_dl.lab` runs the recipes: their runs, flags, registry,
groups of runs over seeds and grids, and the command line (``from keras_dl import recipe``).

Names are imported on first use, so ``import keras_dl`` (and ``keras_dl.records``) does not
start TensorFlow.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_EXPORTS = {
    "build_dense_model": "keras_dl.builders",
    "output_head": "keras_dl.heads",
    "loss_and_metrics": "keras_dl.heads",
    "infer_task": "keras_dl.tasks",
    "TaskInfo": "keras_dl.tasks",
    "train_val_test_split": "keras_dl.splits",
    "kfold": "keras_dl.splits",
    "DataSplit": "keras_dl.splits",
    "compare": "keras_dl.records.compare",
}
_MODULES = {"recipe": "keras_dl.lab.recipe"}  # ``from keras_dl import recipe``

__all__ = [  # noqa: RUF022 (grouped by module, as in _EXPORTS)
    "build_dense_model",
    "output_head",
    "loss_and_metrics",
    "infer_task",
    "TaskInfo",
    "train_val_test_split",
    "kfold",
    "DataSplit",
    "compare",
    "recipe",
]

if TYPE_CHECKING:
    from keras_dl.builders import build_dense_model
    from keras_dl.heads import loss_and_metrics, output_head
    from keras_dl.lab import recipe
    from keras_dl.records.compare import compare
    from keras_dl.splits import DataSplit, kfold, train_val_test_split
    from keras_dl.tasks import TaskInfo, infer_task


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name in _MODULES:
        value = importlib.import_module(_MODULES[name])
    else:
        raise AttributeError(f"module 'keras_dl' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, and the subpackages and modules already imported (what tab
    completion offers), not the plumbing of this file."""
    loaded = [name for name, value in globals().items() if isinstance(value, type(importlib))]
    public = {*__all__, "__version__", *(n for n in loaded if not n.startswith("_"))}
    return sorted(public - {"importlib"})
