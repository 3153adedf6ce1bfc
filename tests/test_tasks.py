"""infer_task and task names: every rule, and every bad input named in the error."""

import numpy as np
import pytest

from keras_dl import TaskInfo, infer_task
from keras_dl.tasks import normalize_task


@pytest.mark.parametrize(
    ("y", "expected"),
    [
        (np.array([1.5, 2.25, 0.1]), TaskInfo("regression", None, 1, False)),
        (np.array([[1.5], [2.5], [0.5]]), TaskInfo("regression", None, 1, False)),
        (np.array([[0.5, 1.5], [2.0, 0.1], [0.3, 0.3]]), TaskInfo("regression", None, 2, False)),
        (np.array([0, 1, 1, 0]), TaskInfo("binary", 2, 1, False)),
        (np.array([0.0, 1.0, 1.0]), TaskInfo("binary", 2, 1, False)),
        (np.array([True, False, True]), TaskInfo("binary", 2, 1, False)),
        (np.array([[0], [1], [1]]), TaskInfo("binary", 2, 1, False)),
        (np.array([0, 2, 1, 2]), TaskInfo("multiclass", 3, 3, False)),
        (np.eye(4)[[0, 1, 2, 3, 1]], TaskInfo("multiclass", 4, 4, True)),
        (np.eye(3)[[0, 1, 1]], TaskInfo("multiclass", 3, 3, True)),  # class 2 absent, 3 columns
    ],
)
def test_infers_task_from_targets(y, expected):
    assert infer_task(y) == expected


def test_result_unpacks_like_a_tuple():
    task, num_classes, num_outputs, one_hot = infer_task(np.array([0, 1, 2]))
    assert (task, num_classes, num_outputs, one_hot) == ("multiclass", 3, 3, False)


def test_num_classes_allows_absent_classes_and_binary_labels_with_more_classes():
    assert infer_task([0, 1, 3], num_classes=5) == TaskInfo("multiclass", 5, 5, False)
    assert infer_task([0, 1, 1], num_classes=3).task == "multiclass"
    assert infer_task([0, 1, 1], num_classes=2).task == "binary"


@pytest.mark.parametrize(
    ("y", "kwargs", "words"),
    [
        ([], {}, ["y", "empty"]),
        (["cat", "dog"], {}, ["y", "dtype", "LabelEncoder"]),
        ([1.0, np.nan, 2.0], {}, ["y", "NaN"]),
        ([1.0, np.inf, 2.0], {}, ["y", "infinite"]),
        ([3, 3, 3], {}, ["y", "single"]),
        ([1.0, 1.0], {}, ["y", "single"]),
        (np.eye(3)[[1, 1, 1]], {}, ["y", "single class"]),
        ([-1, 0, 1], {}, ["y", "negative"]),
        ([0, 1, 3], {}, ["y", "non-contiguous", "LabelEncoder"]),
        ([0, 1, 7], {"num_classes": 5}, ["label 7", "num_classes=5"]),
        ([0, 1, 2], {"num_classes": 1}, ["num_classes=1"]),
        ([0, 1, 2], {"num_classes": 2.5}, ["num_classes=2.5"]),
        (np.eye(3)[[0, 1, 2]], {"num_classes": 4}, ["num_classes=4", "3 columns"]),
        (np.array([[1, 1, 0], [0, 1, 0]]), {}, ["y", "multi-label"]),
        (np.zeros((2, 2, 2)), {}, ["y", "shape"]),
    ],
)
def test_bad_targets_raise_naming_the_problem(y, kwargs, words):
    with pytest.raises(ValueError) as err:
        infer_task(y, **kwargs)
    for word in words:
        assert word in str(err.value)


@pytest.mark.parametrize(
    ("name", "task"),
    [
        ("linear", "regression"),
        ("sigmoid", "binary"),
        ("softmax", "multiclass"),
        ("Binary", "binary"),
    ],
)
def test_head_names_are_aliases(name, task):
    assert normalize_task(name) == task


@pytest.mark.parametrize("bad", ["relu", "", None, 3])
def test_unknown_task_names_are_refused(bad):
    with pytest.raises(ValueError, match="task="):
        normalize_task(bad)
