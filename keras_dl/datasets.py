"""The book's datasets through Keras' own loaders, with a clear message when offline.

`keras.datasets.*.load_data()` downloads each file once into the Keras cache
(``$KERAS_HOME/datasets``, by default ``~/.keras/datasets``). Without a network and
without the cached file, the loaders here raise `DatasetUnavailableError`, whose message names
the file, where to put it, and an alternative; recipes print it and exit with status 2.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import keras
import numpy as np

KERAS_DATA_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILES = {
    "mnist": "mnist.npz",
    "imdb": "imdb.npz",
    "reuters": "reuters.npz",
    "boston_housing": "boston_housing.npz",
    "imdb_word_index": "imdb_word_index.json",
    "reuters_word_index": "reuters_word_index.json",
}


class DatasetUnavailableError(RuntimeError):
    """A Keras dataset file is neither cached nor downloadable (e.g. offline)."""

    def __init__(self, dataset: str, reason: str = "", alternative: str = ""):
        self.dataset = dataset
        self.filename = FILES[dataset]
        self.path = keras_cache_dir() / self.filename
        self.url = KERAS_DATA_URL + self.filename
        lines = [
            f"{self.filename} is not in the Keras cache and could not be downloaded"
            + (f" ({reason})" if reason else "")
            + ".",
            f"Download {self.url}",
            f"and put it at {self.path}",
        ]
        if alternative:
            lines.append(f"or {alternative}.")
        super().__init__("\n".join(lines))


def keras_cache_dir() -> Path:
    """The folder where `keras.datasets` keeps downloaded files.

    Mirrors Keras: ``$KERAS_HOME`` or ``~/.keras`` (``/tmp/.keras`` if that is not
    writable), then ``datasets``.
    """
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    if os.path.isdir(home) and not os.access(home, os.W_OK):
        home = os.path.join("/tmp", ".keras")
    return Path(home) / "datasets"


def is_cached(dataset: str) -> bool:
    """Whether `dataset`'s file is already in the Keras cache (no download needed).

    Example:
        >>> is_cached("boston_housing")
        True
    """
    if dataset not in FILES:
        raise ValueError(f"dataset={dataset!r}: expected one of {sorted(FILES)}")
    return (keras_cache_dir() / FILES[dataset]).is_file()


def load_mnist(*, alternative: str = ""):
    """MNIST as in the book: ``((x_train, y_train), (x_test, y_test))``, x (n, 784) float32 / 255.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_mnist()
        >>> x_train.shape, x_test.shape
        ((60000, 784), (10000, 784))
    """
    (x_train, y_train), (x_test, y_test) = _load(
        "mnist", keras.datasets.mnist.load_data, alternative
    )
    return (flatten_images(x_train), y_train), (flatten_images(x_test), y_test)


def load_imdb(num_words: int = 10000, *, alternative: str = ""):
    """IMDB reviews as word-index sequences (Keras' start=1, oov=2, index_from=3)."""
    return _load("imdb", keras.datasets.imdb.load_data, alternative, num_words=num_words)


def load_reuters(num_words: int = 10000, *, alternative: str = ""):
    """Reuters newswires as word-index sequences, 46 topic labels."""
    return _load("reuters", keras.datasets.reuters.load_data, alternative, num_words=num_words)


def load_boston_housing(*, alternative: str = ""):
    """Boston housing: 404 training and 102 test rows of 13 features; prices in $1000s."""
    return _load("boston_housing", keras.datasets.boston_housing.load_data, alternative)


def load_word_index(dataset: str, *, alternative: str = "") -> dict[str, int]:
    """The word -> rank index of "imdb" or "reuters" (ranks start at 1)."""
    loaders = {
        "imdb": keras.datasets.imdb.get_word_index,
        "reuters": keras.datasets.reuters.get_word_index,
    }
    if dataset not in loaders:
        raise ValueError(f"dataset={dataset!r}: expected 'imdb' or 'reuters'")
    return _load(f"{dataset}_word_index", loaders[dataset], alternative)


def flatten_images(images: np.ndarray) -> np.ndarray:
    """uint8 images (n, h, w) -> float32 (n, h*w) in [0, 1], the book's preprocessing."""
    return images.reshape(len(images), -1).astype("float32") / 255


def multi_hot(sequences: Sequence[Sequence[int]], num_words: int, dtype="float32") -> np.ndarray:
    """Encode word-index sequences as multi-hot rows of width `num_words` (the book's
    ``vectorize_sequences``). float32 keeps 25,000 IMDB rows at 1 GB (float64 would be 2).

    Example:
        >>> multi_hot([[1, 3], [2]], num_words=4).tolist()
        [[0.0, 1.0, 0.0, 1.0], [0.0, 0.0, 1.0, 0.0]]
    """
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
    columns = (
        np.concatenate([np.asarray(s, dtype=np.int64) for s in sequences])
        if lengths.sum()
        else np.zeros(0, dtype=np.int64)
    )
    if columns.size and (columns.min() < 0 or columns.max() >= num_words):
        raise ValueError(
            f"num_words={num_words}: the sequences hold word index {columns.max()}; "
            f"expected indices in 0..{num_words - 1} (load the data with the same num_words)"
        )
    out = np.zeros((len(lengths), num_words), dtype=dtype)
    out[np.repeat(np.arange(len(lengths)), lengths), columns] = 1
    return out


def decode_sequence(
    sequence: Sequence[int], word_index: dict[str, int], index_from: int = 3
) -> str:
    """Turn a Keras word-index sequence back into words ("?" for start, padding and oov).

    Example:
        >>> decode_sequence([1, 14, 22], {"this": 11, "film": 19})
        '? this film'
    """
    words = {rank + index_from: word for word, rank in word_index.items()}
    return " ".join(words.get(i, "?") for i in sequence)


def _load(dataset: str, loader, alternative: str, **kwargs):
    try:
        return loader(**kwargs)
    except Exception as err:
        if is_cached(dataset):
            raise
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise DatasetUnavailableError(dataset, reason, alternative) from None
