"""Keras dataset loading: the offline message, multi-hot encoding, and the real files."""

import keras
import numpy as np
import pytest
from sklearn.datasets import load_digits

from keras_dl import datasets
from keras_dl.datasets import (
    DatasetUnavailableError,
    decode_sequence,
    is_cached,
    keras_cache_dir,
    multi_hot,
)
from keras_dl.splits import train_val_test_split


def test_cache_dir_follows_keras_home(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert keras_cache_dir() == tmp_path / "datasets"


def offline(**kwargs):
    raise Exception(
        "URL fetch failure on https://...: None -- [Errno -2] Name or service not known"
    )


def test_offline_loader_names_the_file_the_place_and_what_to_run(monkeypatch):
    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(DatasetUnavailableError) as err:
        datasets.load_images("mnist")
    message = str(err.value)
    assert "mnist.npz" in message and "URL fetch failure" in message
    assert str(keras_cache_dir() / "mnist.npz") in message
    assert "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz" in message
    assert message.endswith("or run with --dataset digits (embedded in scikit-learn, no download).")
    monkeypatch.setattr(keras.datasets.imdb, "load_data", offline)
    with pytest.raises(DatasetUnavailableError, match="imdb.npz(.|\n)*or run with --quick"):
        datasets.load_imdb()


def fake_mnist(**kwargs):
    """A tiny MNIST in Keras' format: image i is filled with the value i (train) or 100 + i."""
    train = np.repeat(np.arange(12, dtype=np.uint8), 4).reshape(12, 2, 2)
    return (train, np.arange(12) % 10), (train + 100, np.arange(12) % 10)


@pytest.mark.parametrize(
    ("hold_out", "train_first", "val_first"), [("first", 2, 0), ("last", 0, 10)]
)
def test_mnist_hold_out_takes_the_first_or_last_sixth(
    monkeypatch, hold_out, train_first, val_first
):
    monkeypatch.setattr(keras.datasets.mnist, "load_data", fake_mnist)
    data = datasets.load_images("mnist", hold_out=hold_out)
    assert data.name == "MNIST" and data.sizes == {"train": 10, "val": 2, "test": 12}
    assert data.train[0][0, 0] * 255 == pytest.approx(train_first)
    assert data.val[0][0, 0] * 255 == pytest.approx(val_first)
    assert data.train[0].dtype == np.float32 and data.train[0].shape == (10, 4)
    assert datasets.load_images("mnist").val is None


def test_quick_without_the_file_uses_a_labelled_stand_in():
    data = datasets.load_images("mnist", hold_out="first", quick=True, seed=1)
    assert data.name == "synthetic-mnist" and data.synthetic
    assert data.sizes == {"train": 500, "val": 100, "test": 100}
    reviews = datasets.load_reuters(quick=True)
    assert reviews.name == "synthetic-reuters" and reviews.sizes == {"train": 1000, "test": 500}
    assert "generated" in datasets.first_words(reviews)
    assert datasets.load_boston_housing(quick=True).name == "synthetic-boston-housing"


def test_digits_is_split_and_scaled_as_asked():
    standardized = datasets.load_images("digits", standardize=True, seed=3)
    split = train_val_test_split(
        load_digits().data.astype("float32"), load_digits().target, seed=3, standardize=True
    )
    np.testing.assert_array_equal(standardized.train[0], split.train[0])
    np.testing.assert_array_equal(standardized.test[1], split.test[1])
    assert str(standardized) == (
        "digits: train 1257, val 270, test 270 (stratified, standardized on train)"
    )
    scaled = datasets.load_images("digits", split=(0.3, 0.4))
    assert scaled.sizes == {"train": 538, "val": 540, "test": 719}
    assert scaled.train[0].max() == 1.0 and scaled.train[0].min() == 0.0
    everything = datasets.load_images("digits", split=None, seed=0)
    assert everything.sizes == {"train": 1797} and everything.val is None
    order = np.random.default_rng(0).permutation(1797)
    np.testing.assert_array_equal(everything.train[1], load_digits().target[order])
    assert datasets.load_images("digits", quick=True).sizes == {"train": 420, "val": 90, "test": 90}


def test_tables_cast_targets_for_infer_task():
    diabetes = datasets.load_table("diabetes")
    assert diabetes.train[1].dtype == np.float32 and diabetes.train[0].dtype == np.float32
    wine = datasets.load_table("wine", quick=True)
    assert wine.train[1].dtype == np.int64 and "stratified" in str(wine)
    with pytest.raises(ValueError, match="name='cifar'"):
        datasets.load_table("cifar")


def test_multi_hot_matches_the_books_vectorize_sequences():
    sequences = [[1, 5, 5, 9], [], [0, 3]]
    expected = np.zeros((3, 10), dtype="float32")
    for i, sequence in enumerate(sequences):
        for j in sequence:
            expected[i, j] = 1.0
    encoded = multi_hot(sequences, num_words=10)
    assert encoded.dtype == np.float32
    np.testing.assert_array_equal(encoded, expected)


def test_multi_hot_refuses_indices_beyond_num_words():
    with pytest.raises(ValueError, match="num_words=5.*word index 7"):
        multi_hot([[1, 7]], num_words=5)


def test_decode_sequence_uses_the_keras_offset():
    assert decode_sequence([1, 2, 14, 22], {"this": 11, "film": 19}) == "? ? this film"


def test_is_cached_refuses_unknown_names():
    with pytest.raises(ValueError, match="dataset='cifar'"):
        is_cached("cifar")


def test_real_files_load_through_the_keras_loaders(real_keras_datasets):
    boston = datasets.load_boston_housing(quick=True)  # the real file wins over the stand-in
    assert boston.name == "Boston housing" and boston.sizes == {"train": 404, "test": 102}
    reuters = datasets.load_reuters(num_words=10000)
    assert reuters.sizes == {"train": 8982, "test": 2246} and reuters.train[1].max() == 45
    assert multi_hot(reuters.train[0][:5], 10000).shape == (5, 10000)
    assert datasets.first_words(reuters).startswith("? ? ? said as a result of its december")
    assert len(datasets.load_word_index("imdb")) == 88584
    assert len(datasets.load_word_index("reuters")) == 30979
