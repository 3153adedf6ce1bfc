"""Keras dataset loading: the offline message, multi-hot encoding, and the real files."""

import keras
import numpy as np
import pytest

from keras_dl import datasets
from keras_dl.datasets import (
    DatasetUnavailableError,
    decode_sequence,
    is_cached,
    keras_cache_dir,
    multi_hot,
)


def test_cache_dir_follows_keras_home(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert keras_cache_dir() == tmp_path / "datasets"


def test_offline_loader_names_the_file_the_place_and_the_alternative(monkeypatch):
    def offline(**kwargs):
        raise Exception(
            "URL fetch failure on https://...: None -- [Errno -2] Name or service not known"
        )

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(DatasetUnavailableError) as err:
        datasets.load_mnist(alternative="run with --dataset digits")
    message = str(err.value)
    assert "mnist.npz" in message and "URL fetch failure" in message
    assert str(keras_cache_dir() / "mnist.npz") in message
    assert "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz" in message
    assert message.endswith("or run with --dataset digits.")


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
    (x_train, _), (x_test, _) = datasets.load_boston_housing()
    assert x_train.shape == (404, 13) and x_test.shape == (102, 13)
    (x_train, y_train), (x_test, _) = datasets.load_reuters(num_words=10000)
    assert (len(x_train), len(x_test)) == (8982, 2246) and y_train.max() == 45
    assert multi_hot(x_train[:5], 10000).shape == (5, 10000)
    assert len(datasets.load_word_index("imdb")) == 88584
    assert len(datasets.load_word_index("reuters")) == 30979
