"""train_val_test_split and kfold: sizes, disjointness, stratification, standardization."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keras_dl import kfold, train_val_test_split
from keras_dl.splits import hold_out_first

fractions = st.floats(min_value=0.02, max_value=0.45)


def labelled_data(n: int, num_classes: int, seed: int = 0):
    """n samples of 3 features, labels with every class present at least 3 times."""
    rng = np.random.default_rng(seed)
    y = np.concatenate(
        [np.repeat(np.arange(num_classes), 3), rng.integers(0, num_classes, n - 3 * num_classes)]
    )
    return rng.normal(size=(n, 3)), rng.permutation(y)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(20, 400), val_size=fractions, test_size=fractions, seed=st.integers(0, 2**16))
def test_sizes_add_up_and_no_sample_appears_twice(n, val_size, test_size, seed):
    X, y = np.arange(n * 2).reshape(n, 2), np.linspace(0.0, 1.0, n)
    split = train_val_test_split(X, y, val_size=val_size, test_size=test_size, seed=seed)
    assert split.sizes == {
        "train": n - math.ceil(val_size * n) - math.ceil(test_size * n),
        "val": math.ceil(val_size * n),
        "test": math.ceil(test_size * n),
    }
    indices = np.concatenate([split.train_index, split.val_index, split.test_index])
    assert sorted(indices.tolist()) == list(range(n))
    for part, index in (
        (split.train, split.train_index),
        (split.val, split.val_index),
        (split.test, split.test_index),
    ):
        np.testing.assert_array_equal(part[0], X[index])
        np.testing.assert_array_equal(part[1], y[index])
    assert not split.stratified  # regression targets


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(60, 600),
    num_classes=st.integers(2, 12),
    val_size=fractions,
    test_size=fractions,
    seed=st.integers(0, 2**16),
)
def test_stratification_keeps_class_ratios_within_one_sample(
    n, num_classes, val_size, test_size, seed
):
    X, y = labelled_data(n, num_classes, seed)
    split = train_val_test_split(X, y, val_size=val_size, test_size=test_size, seed=seed)
    assert split.stratified
    share = np.bincount(y, minlength=num_classes) / n
    for index in (split.train_index, split.val_index, split.test_index):
        counts = np.bincount(y[index], minlength=num_classes)
        assert np.all(np.abs(counts - len(index) * share) <= 1.0 + 1e-9)


def test_one_hot_targets_are_stratified_by_class():
    X, labels = labelled_data(200, 4)
    split = train_val_test_split(X, np.eye(4)[labels], seed=1)
    assert split.stratified
    assert split.train[1].shape[1] == 4


def test_standardize_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    X = rng.normal(loc=5.0, scale=3.0, size=(300, 4)).astype("float32")
    y = rng.integers(0, 2, 300)
    split = train_val_test_split(X, y, seed=0, standardize=True)
    raw_train, raw_val = X[split.train_index], X[split.val_index]
    np.testing.assert_allclose(split.scaler.mean_, raw_train.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(split.train[0].mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(split.train[0].std(axis=0), 1.0, atol=1e-4)
    expected_val = (raw_val - raw_train.mean(axis=0)) / raw_train.std(axis=0)
    np.testing.assert_allclose(split.val[0], expected_val, rtol=1e-4, atol=1e-5)
    assert split.val[0].dtype == np.float32
    assert abs(split.val[0].mean()) > 1e-4  # val statistics were not used to centre it


def test_images_are_standardized_per_pixel_and_keep_their_shape():
    X = np.random.default_rng(0).integers(0, 255, size=(100, 8, 8)).astype("uint8")
    split = train_val_test_split(X, np.arange(100) % 2, seed=0, standardize=True)
    assert split.train[0].shape == (len(split.train_index), 8, 8)
    assert split.train[0].dtype == np.float32


def test_same_seed_same_split_other_seed_other_split():
    X, y = labelled_data(300, 3)
    first = train_val_test_split(X, y, seed=7)
    again = train_val_test_split(X, y, seed=7)
    other = train_val_test_split(X, y, seed=8)
    np.testing.assert_array_equal(first.test_index, again.test_index)
    np.testing.assert_array_equal(first.train_index, again.train_index)
    assert not np.array_equal(np.sort(first.test_index), np.sort(other.test_index))


def test_counts_are_accepted_as_sizes():
    X, y = labelled_data(100, 2)
    assert train_val_test_split(X, y, val_size=10, test_size=20).sizes == {
        "train": 70,
        "val": 10,
        "test": 20,
    }


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"val_size": 0.0}, "val_size"),
        ({"val_size": -0.1}, "val_size"),
        ({"test_size": 1.0}, "test_size"),
        ({"test_size": 1.5}, "test_size"),
        ({"val_size": 0.5, "test_size": 0.5}, "val_size"),
        ({"val_size": 0.6, "test_size": 0.45}, "val_size"),
        ({"test_size": "0.2"}, "test_size"),
        ({"val_size": 0}, "val_size"),
        ({"val_size": 100}, "val_size"),
        ({"seed": 1.5}, "seed"),
        ({"stratify": "yes"}, "stratify"),
    ],
)
def test_bad_sizes_and_options_are_refused(kwargs, name):
    X, y = labelled_data(100, 2)
    with pytest.raises(ValueError, match=name):
        train_val_test_split(X, y, **kwargs)


@settings(max_examples=40, deadline=None)
@given(val_size=st.floats(0.01, 0.99), test_size=st.floats(0.01, 0.99))
def test_fractions_summing_to_one_or_more_are_refused(val_size, test_size):
    X, y = np.zeros((50, 2)), np.linspace(0, 1, 50)
    if math.ceil(val_size * 50) + math.ceil(test_size * 50) >= 50:
        with pytest.raises(ValueError, match="val_size|test_size"):
            train_val_test_split(X, y, val_size=val_size, test_size=test_size)
    else:
        split = train_val_test_split(X, y, val_size=val_size, test_size=test_size)
        assert split.sizes["train"] >= 1


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        train_val_test_split(np.zeros((10, 2)), np.zeros(9))


def test_stratification_falls_back_or_refuses_when_classes_are_too_small():
    X = np.zeros((30, 2))
    y = np.array([0] * 14 + [1] * 14 + [2] * 2)  # class 2 has only 2 members
    assert not train_val_test_split(X, y).stratified
    with pytest.raises(ValueError, match="stratify=True.*2 member"):
        train_val_test_split(X, y, stratify=True)
    with pytest.raises(ValueError, match="stratify=True.*regression"):
        train_val_test_split(X, np.linspace(0, 1, 30), stratify=True)
    with pytest.raises(ValueError, match="stratify has shape"):
        train_val_test_split(X, y, stratify=np.zeros(5))


def test_stratify_by_a_group_array():
    X, y = np.zeros((90, 2)), np.linspace(0, 1, 90)
    groups = np.repeat(["a", "b", "c"], 30)
    split = train_val_test_split(X, y, stratify=groups, seed=0)
    assert split.stratified
    for index in (split.train_index, split.val_index, split.test_index):
        counts = np.unique(groups[index], return_counts=True)[1]
        assert counts.max() - counts.min() <= 1


def test_kfold_validates_every_sample_once():
    X, y = np.arange(50)[:, None].astype(float), np.arange(50).astype(float)
    folds = list(kfold(X, y, k=4, seed=0))
    assert len(folds) == 4
    seen = np.concatenate([val[1] for _, val in folds])
    assert sorted(seen.tolist()) == list(range(50))
    for (_X_train, y_train), (_X_val, y_val) in folds:
        assert not set(y_train) & set(y_val)
        assert len(y_train) + len(y_val) == 50


def test_kfold_without_shuffle_gives_the_books_contiguous_folds():
    X, y = np.arange(8)[:, None].astype(float), np.arange(8)
    assert [val[1].tolist() for _, val in kfold(X, y, k=4, shuffle=False)] == [
        [0, 1],
        [2, 3],
        [4, 5],
        [6, 7],
    ]


def test_kfold_standardizes_on_each_folds_training_part():
    rng = np.random.default_rng(0)
    X, y = rng.normal(3.0, 2.0, size=(40, 3)), rng.normal(size=40)
    for (X_train, _), (X_val, _) in kfold(X, y, k=4, standardize=True):
        np.testing.assert_allclose(X_train.mean(axis=0), 0.0, atol=1e-6)
        assert np.abs(X_val.mean(axis=0)).max() > 1e-6


@pytest.mark.parametrize("k", [1, 51, 2.5])
def test_kfold_refuses_bad_k(k):
    with pytest.raises(ValueError, match="k="):
        list(kfold(np.zeros((50, 2)), np.zeros(50), k=k))


def test_hold_out_first_takes_the_first_samples_in_order():
    X, y = np.arange(10)[:, None], np.arange(10) * 2
    (X_train, y_train), (X_val, y_val) = hold_out_first(X, y, 3)
    assert X_val[:, 0].tolist() == [0, 1, 2] and y_val.tolist() == [0, 2, 4]
    assert X_train[:, 0].tolist() == list(range(3, 10)) and y_train.tolist() == list(
        range(6, 20, 2)
    )


@pytest.mark.parametrize("count", [0, 10, 2.5, -1])
def test_hold_out_first_refuses_counts_that_leave_a_part_empty(count):
    with pytest.raises(ValueError, match=rf"count={count!r}: expected .* between 1 and 9"):
        hold_out_first(np.zeros((10, 2)), np.zeros(10), count)
