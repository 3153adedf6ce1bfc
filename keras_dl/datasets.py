"""The book's datasets through Keras' own loaders, one loader per dataset family.

| loader                | datasets                          | stand-in (``quick=True``, no file) |
|-----------------------|-----------------------------------|------------------------------------|
| `load_images`         | "mnist" (Keras), "digits" (sklearn) | synthetic-mnist                  |
| `load_imdb`           | IMDB reviews (Keras)              | synthetic-imdb                     |
| `load_reuters`        | Reuters newswires (Keras)         | synthetic-reuters                  |
| `load_boston_housing` | Boston housing (Keras)            | synthetic-boston-housing           |
| `load_california_housing` | California housing, small (Keras) | synthetic-california-housing   |
| `load_jena_climate`   | Jena climate 2009-2016 (the book's CSV) | synthetic-jena-climate       |
| `load_imdb_text`      | IMDB reviews as raw text (aclImdb) | synthetic-imdb-text               |
| `load_table`          | scikit-learn's bundled tables     | - (embedded, always there)         |

Each returns a `Data`: the dataset's name (the stand-in's name when one was used, so that a
number measured on it is never reported under the book's), and its train / val / test
parts as ``(x, y)`` pairs. ``quick=True`` takes a small slice, and where the Keras file is
not cached, generated data of the same format (`keras_dl.synthetic`).

`keras.datasets.*.load_data()` downloads each file once into the Keras cache
(``$KERAS_HOME/datasets``, by default ``~/.keras/datasets``). Without a network and
without the cached file, the loaders raise `DatasetUnavailableError`, whose message names
the file, where to put it, and what to run instead; recipes print it and exit with status 2.
"""

from __future__ import annotations

import io
import os
import random
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import sklearn.datasets
from sklearn.preprocessing import StandardScaler

from keras_dl.splits import train_val_test_split
from keras_dl.synthetic import (
    synthetic_boston_housing,
    synthetic_california_housing,
    synthetic_jena_climate,
    synthetic_mnist,
    synthetic_reviews,
    synthetic_sequences,
)

KERAS_DATA_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILES = {
    "mnist": "mnist.npz",
    "imdb": "imdb.npz",
    "reuters": "reuters.npz",
    "boston_housing": "boston_housing.npz",
    "california_housing": "california_housing.npz",
    "jena_climate": "jena_climate_2009_2016.csv.zip",
    "aclimdb": "aclImdb_v1.tar.gz",
    "imdb_word_index": "imdb_word_index.json",
    "reuters_word_index": "reuters_word_index.json",
}
URLS = {  # files that Keras' own datasets folder does not hold
    "jena_climate": "https://s3.amazonaws.com/keras-datasets/jena_climate_2009_2016.csv.zip",
    "aclimdb": "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
}
OFFLINE_ADVICE = {
    "mnist": "run with --dataset digits (embedded in scikit-learn, no download)",
    "default": "run with --quick to smoke-test on generated data of the same shape",
}
QUICK_SIZES = {"mnist": (600, 600), "imdb": (1000, 500), "reuters": (1000, 500)}  # train, test
SYNTHETIC_MNIST_SIZES = (600, 100)
NUM_WORDS = 10000
TABLES = ("breast_cancer", "diabetes", "digits", "iris", "wine")
REGRESSION_TABLES = ("diabetes",)

XY = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Data:
    """A dataset's parts, each an ``(x, y)`` pair (val or test None when there is none).

    Attributes:
        name: the dataset's name as reported beside the book's ("MNIST", "digits",
            "synthetic-mnist" for a generated stand-in).
        family: the loader's dataset ("mnist", "digits", "imdb", ...).
        train, val, test: the parts.
        note: how the parts were made, e.g. "the first 10000 training images validate".
    """

    name: str
    family: str
    train: XY
    val: XY | None = None
    test: XY | None = None
    note: str = ""

    @property
    def synthetic(self) -> bool:
        """Whether the data is a generated stand-in (its numbers say nothing of the real one)."""
        return self.name.startswith("synthetic-")

    @property
    def sizes(self) -> dict[str, int]:
        """Samples per part, e.g. ``{"train": 50000, "val": 10000, "test": 10000}``."""
        parts = {"train": self.train, "val": self.val, "test": self.test}
        return {name: len(part[0]) for name, part in parts.items() if part is not None}

    def __str__(self) -> str:
        sizes = ", ".join(f"{name} {size}" for name, size in self.sizes.items())
        return f"{self.name}: {sizes}" + (f" ({self.note})" if self.note else "")


class DatasetUnavailableError(RuntimeError):
    """A Keras dataset file is neither cached nor downloadable (e.g. offline)."""

    def __init__(self, dataset: str, reason: str = ""):
        self.dataset = dataset
        self.filename = FILES[dataset]
        self.path = keras_cache_dir() / self.filename
        self.url = URLS.get(dataset, KERAS_DATA_URL + self.filename)
        advice = OFFLINE_ADVICE.get(dataset, OFFLINE_ADVICE["default"])
        super().__init__(
            f"{self.filename} is not in the Keras cache and could not be downloaded"
            + (f" ({reason})" if reason else "")
            + f".\nDownload {self.url}\nand put it at {self.path}\nor {advice}."
        )


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
        >>> is_cached("boston_housing") == (keras_cache_dir() / "boston_housing.npz").is_file()
        True
    """
    if dataset not in FILES:
        raise ValueError(f"dataset={dataset!r}: expected one of {sorted(FILES)}")
    return (keras_cache_dir() / FILES[dataset]).is_file()


def load_images(
    dataset: str = "mnist",
    *,
    hold_out: str = "none",
    split: tuple[float, float] | None = (0.15, 0.15),
    standardize: bool = False,
    quick: bool = False,
    seed: int = 0,
) -> Data:
    """Handwritten digits as float32 rows: MNIST (28x28, Keras) or digits (8x8, sklearn).

    Args:
        dataset: "mnist" (60,000 training and 10,000 test images, pixels / 255 as in the
            book) or "digits" (scikit-learn's 1,797 images, pixels / 16).
        hold_out: which MNIST training images validate: "none" (ch. 2), or the "first" or
            "last" sixth (the book's 10,000 of 60,000).
        split: digits has no test set of its own: the (val, test) fractions of a stratified
            split; None keeps every image for training, shuffled with `seed`.
        standardize: scale each pixel to mean 0, std 1 with the training part's statistics
            instead of dividing by the largest pixel value.
        quick: the first 600 images (of each MNIST part); generated synthetic-mnist when
            mnist.npz is not cached.
        seed: fixes the digits split or shuffle.

    Example:
        >>> print(load_images("digits", seed=0))
        digits: train 1257, val 270, test 270 (stratified)

    ``load_images("mnist", hold_out="first")`` gives MNIST as ch. 7 splits it: "MNIST:
    train 50000, val 10000, test 10000 (the first 10000 training images validate)".
    """
    if dataset == "digits":
        return _load_digits(split=split, standardize=standardize, quick=quick, seed=seed)
    if dataset != "mnist":
        raise ValueError(f"dataset={dataset!r}: expected 'mnist' or 'digits'")
    if hold_out not in ("none", "first", "last"):
        raise ValueError(f"hold_out={hold_out!r}: expected 'none', 'first' or 'last'")
    if quick and not is_cached("mnist"):
        name, (train, test) = "synthetic-mnist", synthetic_mnist(*SYNTHETIC_MNIST_SIZES, seed=seed)
    else:
        name, (train, test) = "MNIST", _keras_load("mnist", keras.datasets.mnist.load_data)
        if quick:
            train_size, test_size = QUICK_SIZES["mnist"]
            train, test = _head(train, train_size), _head(test, test_size)
    train, test = (flatten_images(train[0]), train[1]), (flatten_images(test[0]), test[1])
    val, note = None, ""
    if hold_out != "none":
        count = len(train[0]) // 6
        held = slice(None, count) if hold_out == "first" else slice(-count, None)
        kept = slice(count, None) if hold_out == "first" else slice(None, -count)
        train, val = (train[0][kept], train[1][kept]), (train[0][held], train[1][held])
        note = f"the {hold_out} {count} training images validate"
    if standardize:
        scaler = StandardScaler().fit(train[0])
        train, val, test = (
            None if part is None else (scaler.transform(part[0]).astype("float32"), part[1])
            for part in (train, val, test)
        )
        note = ", ".join(filter(None, (note, "standardized on train")))
    return Data(name, "mnist", train, val, test, note)


def _load_digits(*, split, standardize: bool, quick: bool, seed: int) -> Data:
    images, labels = sklearn.datasets.load_digits(return_X_y=True)
    if quick:
        images, labels = images[: QUICK_SIZES["mnist"][0]], labels[: QUICK_SIZES["mnist"][0]]
    if split is None:
        # load_digits lists the images in a fixed order: shuffle once, keep them all.
        order = np.random.default_rng(seed).permutation(len(images))
        x = images[order]
        x = StandardScaler().fit_transform(x) if standardize else x / 16
        return Data("digits", "digits", (x.astype("float32"), labels[order]), note="shuffled")
    x = images.astype("float32") if standardize else (images / 16).astype("float32")
    return _split("digits", x, labels, split, standardize, seed)


def load_table(
    name: str,
    *,
    split: tuple[float, float] = (0.15, 0.15),
    standardize: bool = True,
    quick: bool = False,
    seed: int = 0,
) -> Data:
    """One of scikit-learn's bundled tables, split train / val / test (stratified for classes).

    Features are float32; class labels int64, regression targets (diabetes) float32, so
    that `infer_task` reads each correctly.

    Args:
        name: "breast_cancer", "diabetes", "digits" (raw 0..16 pixels), "iris" or "wine".
        split: the (val, test) fractions.
        standardize: scale the features with the training part's mean and std.
        quick: the first 600 rows.
        seed: fixes the split.

    Example:
        >>> print(load_table("breast_cancer"))
        breast_cancer: train 397, val 86, test 86 (stratified, standardized on train)
    """
    if name not in TABLES:
        raise ValueError(f"name={name!r}: expected one of {TABLES}")
    X, y = getattr(sklearn.datasets, f"load_{name}")(return_X_y=True)
    if quick:
        X, y = X[: QUICK_SIZES["mnist"][0]], y[: QUICK_SIZES["mnist"][0]]
    y = y.astype("float32" if name in REGRESSION_TABLES else "int64")
    return _split(name, X.astype("float32"), y, split, standardize, seed)


def _split(name: str, x, y, split, standardize: bool, seed: int) -> Data:
    val_size, test_size = split
    parts = train_val_test_split(
        x, y, val_size=val_size, test_size=test_size, seed=seed, standardize=standardize
    )
    note = "stratified" if parts.stratified else "shuffled"
    note += ", standardized on train" if standardize else ""
    return Data(name, name, parts.train, parts.val, parts.test, note)


def load_imdb(num_words: int = NUM_WORDS, *, quick: bool = False, seed: int = 0) -> Data:
    """IMDB reviews as word-index sequences (Keras' start=1, oov=2, index_from=3), 0/1 labels.

    25,000 training and 25,000 test reviews; ``quick=True``: 1,000 and 500 (generated
    synthetic-imdb when imdb.npz is not cached).
    """
    return _sequences("imdb", keras.datasets.imdb.load_data, 2, num_words, quick, seed)


def load_reuters(num_words: int = NUM_WORDS, *, quick: bool = False, seed: int = 0) -> Data:
    """Reuters newswires as word-index sequences, labelled with one of 46 topics.

    8,982 training and 2,246 test newswires; ``quick=True``: 1,000 and 500 (generated
    synthetic-reuters when reuters.npz is not cached).
    """
    return _sequences("reuters", keras.datasets.reuters.load_data, 46, num_words, quick, seed)


def _sequences(family: str, loader, num_classes: int, num_words: int, quick: bool, seed: int):
    train_size, test_size = QUICK_SIZES[family]
    if quick and not is_cached(family):
        train, test = synthetic_sequences(
            train_size, test_size, num_classes=num_classes, num_words=num_words, seed=seed
        )
        return Data(f"synthetic-{family}", family, train, test=test)
    train, test = _keras_load(family, loader, num_words=num_words)
    if quick:
        train, test = _head(train, train_size), _head(test, test_size)
    return Data("IMDB" if family == "imdb" else "Reuters", family, train, test=test)


def load_boston_housing(*, quick: bool = False, seed: int = 0) -> Data:
    """Boston housing: 404 training and 102 test rows of 13 float32 features; prices in $1000s.

    ``quick=True`` without boston_housing.npz: generated rows of the same shape and scales.
    """
    if quick and not is_cached("boston_housing"):
        name, (train, test) = "synthetic-boston-housing", synthetic_boston_housing(seed=seed)
    else:
        name = "Boston housing"
        train, test = _keras_load("boston_housing", keras.datasets.boston_housing.load_data)
    train, test = (train[0].astype("float32"), train[1]), (test[0].astype("float32"), test[1])
    return Data(name, "boston_housing", train, test=test)


def load_california_housing(*, quick: bool = False, seed: int = 0) -> Data:
    """California housing, the small version the 3rd edition uses: 480 training and 120
    test block groups of 8 float32 features; the median house value in dollars.

    ``quick=True`` without california_housing.npz: generated rows of the same shape and
    scales (synthetic-california-housing).
    """
    if quick and not is_cached("california_housing"):
        name = "synthetic-california-housing"
        train, test = synthetic_california_housing(seed=seed)
    else:
        name = "California housing"
        train, test = _keras_load(
            "california_housing", keras.datasets.california_housing.load_data, version="small"
        )
    train, test = (train[0].astype("float32"), train[1]), (test[0].astype("float32"), test[1])
    return Data(name, "california_housing", train, test=test)


JENA_QUICK_ROWS = 20_000  # about 139 days of 10-minute records


def load_jena_climate(*, quick: bool = False, seed: int = 0) -> Data:
    """The Jena climate records of 2009-2016 (the book's ch. 10 CSV, downloaded with
    `keras.utils.get_file` as the book does): 420,451 rows, one every 10 minutes, of 14
    float32 weather readings; ``train`` is ``(readings, temperature)``, the temperature
    ("T (degC)") being column 1 of the readings.

    ``quick=True``: the first 20,000 rows, or, without the file, generated readings with
    daily and yearly cycles (synthetic-jena-climate).
    """
    if quick and not is_cached("jena_climate"):
        readings = synthetic_jena_climate(JENA_QUICK_ROWS, seed=seed)
        return Data("synthetic-jena-climate", "jena_climate", (readings, readings[:, 1]))
    path = _keras_load(
        "jena_climate",
        keras.utils.get_file,
        fname=FILES["jena_climate"],
        origin=URLS["jena_climate"],
    )
    readings = _read_jena_csv(Path(path))
    if quick:
        readings = readings[:JENA_QUICK_ROWS]
    return Data("Jena climate", "jena_climate", (readings, readings[:, 1]))


def _read_jena_csv(path: Path) -> np.ndarray:
    """The 14 readings of every row of the zipped CSV (its date column left out)."""
    with zipfile.ZipFile(path) as archive, archive.open("jena_climate_2009_2016.csv") as file:
        lines = io.TextIOWrapper(file, encoding="utf-8").read().splitlines()
    header = lines[0].split(",")
    if len(header) != 15 or "T (degC)" not in header[2]:
        raise ValueError(f"{path}: expected the Jena climate CSV's 15 columns, T (degC) third")
    return np.array([line.split(",")[1:] for line in lines[1:] if line], dtype="float32")


ACLIMDB_QUICK_SIZES = (2000, 1000)  # train, test


def load_imdb_text(*, quick: bool = False, seed: int = 0) -> Data:
    """The IMDB reviews as raw text (Maas et al.'s aclImdb, downloaded with
    `keras.utils.get_file` as the book does): 25,000 training and 25,000 test reviews,
    labelled 0 (negative) and 1 (positive); the unlabelled ones are left out.

    ``val``: 20% of each class of the training reviews, chosen as the book does
    (``random.Random(1337)`` shuffles each class's files, the last 20% validate), the
    files sorted by name first so that the split does not depend on the file system.
    ``quick=True``: 2,000 training and 1,000 test reviews, or, without the archive,
    generated short reviews whose words carry the label (synthetic-imdb-text).
    """
    train_size, test_size = ACLIMDB_QUICK_SIZES
    if quick and not is_cached("aclimdb"):
        train, test = synthetic_reviews(train_size, test_size, seed=seed)
        name = "synthetic-imdb-text"
    else:
        folder = Path(
            _keras_load(
                "aclimdb",
                keras.utils.get_file,
                fname=FILES["aclimdb"],
                origin=URLS["aclimdb"],
                extract=True,
            )
        )
        root = next(p for p in (folder / "aclImdb", folder) if (p / "train").is_dir())
        train, test = _read_reviews(root / "train"), _read_reviews(root / "test")
        if quick:  # a slice of each class, not the first files (all negative)
            train, test = _spread_head(train, train_size), _spread_head(test, test_size)
        name = "IMDB (text)"
    train, val = _hold_out_per_class(train, 0.2)
    return Data(name, "aclimdb", train, val, test, "20% of each class's training reviews validate")


def _read_reviews(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """The texts of ``neg/*.txt`` (label 0) then ``pos/*.txt`` (1), each class in name order."""
    texts, labels = [], []
    for label, category in enumerate(("neg", "pos")):
        for path in sorted((folder / category).glob("*.txt")):
            texts.append(path.read_text(encoding="utf-8"))
            labels.append(label)
    return np.array(texts, dtype=object), np.array(labels, dtype="int64")


def _spread_head(part: XY, size: int) -> XY:
    """`size` samples, half from each class (the first of each)."""
    x, y = part
    keep = np.concatenate([np.flatnonzero(y == label)[: size // 2] for label in (0, 1)])
    return x[keep], y[keep]


def _hold_out_per_class(part: XY, fraction: float) -> tuple[XY, XY]:
    """The book's validation split: per class, shuffle with ``random.Random(1337)`` and
    hold out the last `fraction`."""
    x, y = part
    train, val = [], []
    for label in np.unique(y):
        indices = np.flatnonzero(y == label).tolist()
        random.Random(1337).shuffle(indices)
        held = int(fraction * len(indices))
        train += indices[: len(indices) - held]
        val += indices[len(indices) - held :]
    train, val = np.sort(train), np.sort(val)
    return (x[train], y[train]), (x[val], y[val])


def load_word_index(dataset: str) -> dict[str, int]:
    """The word -> rank index of "imdb" or "reuters" (ranks start at 1)."""
    loaders = {
        "imdb": keras.datasets.imdb.get_word_index,
        "reuters": keras.datasets.reuters.get_word_index,
    }
    if dataset not in loaders:
        raise ValueError(f"dataset={dataset!r}: expected 'imdb' or 'reuters'")
    return _keras_load(f"{dataset}_word_index", loaders[dataset])


def first_words(data: Data, count: int = 40) -> str:
    """The first training sequence of IMDB or Reuters decoded into words, for a look.

    Says why instead when the data is a stand-in or the word index cannot be had.
    """
    if data.synthetic:
        return f"(not decoding: {data.name} is generated, its words mean nothing)"
    try:
        word_index = load_word_index(data.family)
    except DatasetUnavailableError as err:
        return f"(not decoding: {str(err).splitlines()[0]})"
    # Indices 0, 1 and 2 are padding, start and out-of-vocabulary: they decode to "?".
    return decode_sequence(data.train[0][0][:count], word_index) + " ..."


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


def _head(part: XY, count: int) -> XY:
    return part[0][:count], part[1][:count]


def _keras_load(dataset: str, loader, **kwargs):
    try:
        return loader(**kwargs)
    except Exception as err:
        if is_cached(dataset):
            raise
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise DatasetUnavailableError(dataset, reason) from None
