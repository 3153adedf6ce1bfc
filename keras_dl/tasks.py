"""What kind of prediction problem the targets describe: regression, binary or multiclass.

NumPy only: importing this module does not import Keras or TensorFlow.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from keras_dl._checks import is_int

TASKS = ("regression", "binary", "multiclass")
HEAD_ALIASES = {"linear": "regression", "sigmoid": "binary", "softmax": "multiclass"}


class TaskInfo(NamedTuple):
    """The result of `infer_task`: unpacks as ``task, num_classes, num_outputs, one_hot``."""

    task: str
    num_classes: int | None
    num_outputs: int
    one_hot: bool


def normalize_task(task: str) -> str:
    """Return the canonical task name for a task or output-head name.

    Example:
        >>> normalize_task("sigmoid")
        'binary'
    """
    if not isinstance(task, str):
        raise ValueError(
            f"task={task!r}: expected one of {TASKS} or a head name {tuple(HEAD_ALIASES)}"
        )
    name = task.strip().lower()
    name = HEAD_ALIASES.get(name, name)
    if name not in TASKS:
        raise ValueError(
            f"task={task!r}: expected one of {TASKS} or a head name {tuple(HEAD_ALIASES)}"
        )
    return name


def infer_task(y, *, num_classes: int | None = None) -> TaskInfo:
    """Infer the task, the number of classes or outputs, and one-hot-ness from targets.

    Rules:
      * float targets other than 0/1 -> ``regression`` (2-D -> one output per column);
      * {0, 1} (bool, int or float) -> ``binary``;
      * integers 0..k-1 with k >= 3 -> ``multiclass``;
      * 2-D rows of 0/1 with exactly one 1 -> ``multiclass`` with ``one_hot=True``.

    Cast integer class labels stored as floats to ``int`` first: a float vector like
    ``[0., 2., 1.]`` is read as a regression target.

    Args:
        y: targets, shape ``(n,)``, ``(n, 1)`` or ``(n, k)``.
        num_classes: the number of classes, when known. Labels need not all be present
            then, but every label must be below it.

    Raises:
        ValueError: empty, non-numeric or non-finite targets; a single class; negative or
            non-contiguous labels; labels >= ``num_classes``; multi-label rows.

    Example:
        >>> infer_task([0, 2, 1, 2])
        TaskInfo(task='multiclass', num_classes=3, num_outputs=3, one_hot=False)
        >>> task, num_classes, num_outputs, one_hot = infer_task([[0.5, 1.5], [2.0, 0.1]])
        >>> task, num_outputs
        ('regression', 2)
    """
    y = np.asarray(y)
    _check_numeric_targets(y)
    if num_classes is not None and not is_int(num_classes):
        raise ValueError(f"num_classes={num_classes!r}: expected an integer >= 2 or None")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim == 1:
        return _infer_from_vector(y, num_classes)
    if y.ndim == 2:
        return _infer_from_matrix(y, num_classes)
    raise ValueError(
        f"y has shape {y.shape}: expected (n,) labels or values, or (n, k) one-hot rows or "
        "several regression targets"
    )


def _check_numeric_targets(y: np.ndarray) -> None:
    if y.size == 0:
        raise ValueError(f"y is empty (shape {y.shape}): expected at least two targets")
    if y.dtype.kind not in "biuf":
        raise ValueError(
            f"y has dtype {y.dtype}: expected numbers; encode string labels as integers "
            "0..k-1 first (e.g. sklearn.preprocessing.LabelEncoder)"
        )
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        bad = int(np.size(y) - np.count_nonzero(np.isfinite(y)))
        raise ValueError(f"y contains {bad} NaN or infinite value(s): expected finite targets")


def _infer_from_vector(y: np.ndarray, num_classes: int | None) -> TaskInfo:
    values = np.unique(y)
    if values.size < 2:
        raise ValueError(
            f"y has a single value ({values[0]!r}) in all {y.size} samples: a model needs at "
            "least two classes (or varying regression targets) to learn anything"
        )
    is_binary = y.dtype.kind == "b" or (values.size == 2 and values[0] == 0 and values[1] == 1)
    if y.dtype.kind == "f" and not is_binary:
        return TaskInfo("regression", None, 1, False)
    if is_binary and num_classes in (None, 2):
        return TaskInfo("binary", 2, 1, False)
    if values[-1] > np.iinfo(np.int64).max:  # uint64 labels NumPy cannot hold as int64
        raise ValueError(
            f"y contains label {values[-1]}: class labels must be integers 0..k-1; labels "
            "this large look like numbers, not classes: did you mean regression? cast y to float"
        )
    return _check_class_labels(values.astype(np.int64), num_classes)


def _check_class_labels(labels: np.ndarray, num_classes: int | None) -> TaskInfo:
    if labels[0] < 0:
        raise ValueError(
            f"y contains negative label {labels[0]}: class labels must be integers 0..k-1"
        )
    if num_classes is not None:
        if num_classes < 2:
            raise ValueError(f"num_classes={num_classes}: a classifier needs at least 2 classes")
        if labels[-1] >= num_classes:
            raise ValueError(
                f"y contains label {labels[-1]} but num_classes={num_classes}: labels must be "
                f"below num_classes (0..{num_classes - 1}); raise num_classes or fix the labels"
            )
        return TaskInfo("multiclass", int(num_classes), int(num_classes), False)
    # Sorted unique labels from 0 are contiguous exactly when the largest is size - 1:
    # checked in O(n) memory, whatever the label values.
    if labels[-1] != labels.size - 1:
        missing = list(range(min(int(labels[0]), 5)))  # below the smallest label
        for i in np.flatnonzero(np.diff(labels) > 1)[:5]:
            missing += range(int(labels[i]) + 1, min(int(labels[i + 1]), int(labels[i]) + 6))
        hint = (
            "; labels this large and sparse look like numbers, not classes: did you mean "
            "regression? cast y to float"
            if labels[-1] >= max(2 * labels.size, 1000)
            else ""
        )
        raise ValueError(
            f"y has non-contiguous labels (missing {missing[:5]} below the largest, "
            f"{labels[-1]}): re-encode them as 0..k-1 (sklearn.preprocessing.LabelEncoder), "
            "or pass num_classes if some classes are simply absent from this sample" + hint
        )
    return TaskInfo("multiclass", int(labels.size), int(labels.size), False)


def _infer_from_matrix(y: np.ndarray, num_classes: int | None) -> TaskInfo:
    width = y.shape[1]
    zero_one = bool(np.all((y == 0) | (y == 1)))
    if zero_one and np.all(y.sum(axis=1) == 1):
        present = np.flatnonzero(y.sum(axis=0))
        if present.size < 2:
            raise ValueError(
                f"y is one-hot with a single class (column {present[0]}) in all {len(y)} "
                "rows: a classifier needs at least two classes"
            )
        if num_classes is not None and num_classes != width:
            raise ValueError(
                f"num_classes={num_classes} but the one-hot y has {width} columns: they must agree"
            )
        return TaskInfo("multiclass", width, width, True)
    if zero_one or y.dtype.kind in "biu":
        raise ValueError(
            f"y has shape {y.shape} with 0/1 rows that are not one-hot (some rows hold no 1 "
            "or several): multi-label targets are not supported; use one-hot rows, integer "
            "labels, or float regression targets"
        )
    return TaskInfo("regression", None, width, False)
