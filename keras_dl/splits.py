"""Train / validation / test splits and K-fold cross-validation, without leakage.

NumPy and scikit-learn only: importing this module does not import Keras.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_consistent_length

from keras_dl._checks import is_int
from keras_dl.tasks import infer_task

MIN_CLASS_MEMBERS = 3  # one sample per split, at least


@dataclass(frozen=True)
class DataSplit:
    """The result of `train_val_test_split`.

    Attributes:
        train, val, test: ``(X, y)`` pairs.
        train_index, val_index, test_index: positions of each part's samples in the input.
        stratified: whether class proportions were preserved.
        scaler: the StandardScaler fitted on the training features (None without
            ``standardize=True``); apply it to new data with ``scaler.transform``.
    """

    train: tuple[np.ndarray, np.ndarray]
    val: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]
    train_index: np.ndarray = field(repr=False)
    val_index: np.ndarray = field(repr=False)
    test_index: np.ndarray = field(repr=False)
    stratified: bool = False
    scaler: StandardScaler | None = field(default=None, repr=False)

    @property
    def sizes(self) -> dict[str, int]:
        """Samples per part, e.g. ``{"train": 1257, "val": 270, "test": 270}``."""
        return {
            "train": len(self.train_index),
            "val": len(self.val_index),
            "test": len(self.test_index),
        }

    def __str__(self) -> str:
        sizes = ", ".join(f"{name} {size}" for name, size in self.sizes.items())
        how = "stratified" if self.stratified else "shuffled"
        return f"{sizes} ({how}{', standardized on train' if self.scaler else ''})"


def train_val_test_split(
    X,
    y,
    *,
    val_size: float | int = 0.15,
    test_size: float | int = 0.15,
    stratify: str | bool | np.ndarray = "auto",
    seed: int = 0,
    standardize: bool = False,
    allow_nan: bool = False,
) -> DataSplit:
    """Shuffle and split ``(X, y)`` into training, validation and test parts.

    Args:
        X: features, shape ``(n, ...)``.
        y: targets, shape ``(n,)`` or ``(n, k)`` (one-hot rows are stratified by class).
        val_size: the validation part: a fraction in (0, 1) of the samples, or a number of
            samples.
        test_size: the test part, as `val_size`.
        stratify: "auto" keeps class proportions when `y` holds class labels and every class
            has at least 3 members; True insists (error otherwise); False never; or an array
            of n group labels to stratify by.
        seed: fixes the shuffle; another seed gives another split.
        standardize: fit mean/std on the training features only and apply them to all
            three parts (the fitted scaler is ``split.scaler``).
        allow_nan: accept NaN or infinite features (refused by default, with their count).

    `X` may be a NumPy array or a scipy.sparse matrix (rows stay sparse; standardizing
    scales them without centring, so that they stay sparse).

    With stratification every class's count in every part is within one sample of its
    share (the part's size times the class's proportion).

    Example:
        >>> from sklearn.datasets import load_digits
        >>> X, y = load_digits(return_X_y=True)
        >>> split = train_val_test_split(X, y, seed=0, standardize=True)
        >>> split.sizes
        {'train': 1257, 'val': 270, 'test': 270}
        >>> X_train, y_train = split.train
    """
    X, y = _check_features(X, allow_nan), _check_targets(y)
    check_consistent_length(X, y)
    n = X.shape[0]
    n_val = _split_count("val_size", val_size, n)
    n_test = _split_count("test_size", test_size, n)
    n_train = n - n_val - n_test
    if n_train < 1:
        raise ValueError(
            f"val_size={val_size!r} and test_size={test_size!r} leave {n_train} of {n} samples "
            "for training: their sum must be below 1 (or below n as counts)"
        )
    rng = np.random.default_rng(_check_seed(seed))
    groups = _stratify_groups(stratify, y, n)
    sizes = (n_train, n_val, n_test)
    if groups is None:
        order = rng.permutation(n)
        parts = (order[:n_train], order[n_train : n_train + n_val], order[n_train + n_val :])
    else:
        parts = _stratified_parts(groups, sizes, rng)

    scaler = None
    X_parts = [X[index] for index in parts]
    if standardize:
        scaler, X_parts = _standardize(X_parts)
    train, val, test = ((Xp, y[index]) for Xp, index in zip(X_parts, parts, strict=True))
    return DataSplit(train, val, test, *parts, stratified=groups is not None, scaler=scaler)


def kfold(
    X,
    y,
    k: int = 4,
    *,
    seed: int = 0,
    shuffle: bool = True,
    standardize: bool = False,
    allow_nan: bool = False,
) -> Iterator[tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]]:
    """Yield K ``(train, val)`` folds, each an ``(X, y)`` pair; every sample is validated once.

    Args:
        k: number of folds (>= 2).
        seed: fixes the shuffle (ignored with ``shuffle=False``, the book's contiguous folds).
        standardize: fit mean/std on each fold's training part only.
        allow_nan: accept NaN or infinite features (refused by default, with their count).

    `X` may be a NumPy array or a scipy.sparse matrix.

    Example:
        >>> import numpy as np
        >>> X, y = np.random.rand(100, 13), np.random.rand(100)
        >>> for (X_train, y_train), (X_val, y_val) in kfold(X, y, k=4, seed=0):
        ...     print(len(X_train), len(X_val))
        75 25
        75 25
        75 25
        75 25
    """
    X, y = _check_features(X, allow_nan), _check_targets(y)
    check_consistent_length(X, y)
    n = X.shape[0]
    if not is_int(k) or not 2 <= k <= n:
        raise ValueError(f"k={k!r}: expected an integer between 2 and the {n} samples")
    seed = _check_seed(seed)
    splitter = KFold(n_splits=int(k), shuffle=shuffle, random_state=seed if shuffle else None)
    for train_index, val_index in splitter.split(X):
        X_parts = [X[train_index], X[val_index]]
        if standardize:
            _, X_parts = _standardize(X_parts)
        yield (X_parts[0], y[train_index]), (X_parts[1], y[val_index])


def hold_out_first(X, y, count: int) -> tuple[tuple[np.ndarray, np.ndarray], tuple]:
    """The book's hold-out: the first `count` samples validate, the rest train (no shuffle).

    Keras' IMDB and Reuters training sets arrive shuffled, so the book simply takes the
    first 10,000 reviews (or 1,000 newswires) for validation.

    Returns ``((X_train, y_train), (X_val, y_val))``.

    Example:
        >>> import numpy as np
        >>> (X_train, y_train), (X_val, y_val) = hold_out_first(np.zeros((25, 3)), np.ones(25), 10)
        >>> len(X_train), len(X_val)
        (15, 10)
    """
    X = X if scipy.sparse.issparse(X) else np.asarray(X)
    y = np.asarray(y)
    check_consistent_length(X, y)
    n = X.shape[0]
    if not is_int(count) or not 1 <= count < n:
        raise ValueError(
            f"count={count!r}: expected the number of samples to hold out, between 1 and "
            f"{n - 1} (there are {n})"
        )
    return (X[count:], y[count:]), (X[:count], y[:count])


def _check_features(X, allow_nan: bool):
    """X as an array (or a CSR matrix, if sparse), with its non-finite values refused."""
    if scipy.sparse.issparse(X):
        X = scipy.sparse.csr_matrix(X)
        values = X.data
    else:
        X = np.asarray(X)
        if X.dtype.kind not in "biufc":
            raise ValueError(
                f"X has dtype {X.dtype} (shape {X.shape}): expected numbers, e.g. rows of equal "
                "length (vectorize sequences or encode strings first, e.g. "
                "keras_dl.datasets.multi_hot, sklearn.preprocessing.OneHotEncoder)"
            )
        values = X
    if X.ndim == 0:
        raise ValueError(f"X={X!r}: expected samples along the first axis, shape (n, ...)")
    if not allow_nan:
        bad = _non_finite(values)
        if bad:
            raise ValueError(
                f"X contains {bad} NaN or infinite value(s): impute or drop them first, or "
                "pass allow_nan=True"
            )
    return X


def _check_targets(y) -> np.ndarray:
    """y as an array, its NaN or infinite values refused (a model cannot learn from them)."""
    y = np.asarray(y)
    bad = _non_finite(y)
    if bad:
        raise ValueError(
            f"y contains {bad} NaN or infinite value(s): expected finite targets; drop "
            "those samples first"
        )
    return y


def _non_finite(values: np.ndarray) -> int:
    """How many NaN or infinite values a float or complex array holds (0 for other dtypes)."""
    if values.dtype.kind not in "fc":
        return 0
    return int(values.size - np.count_nonzero(np.isfinite(values)))


def _check_seed(seed) -> int:
    if not is_int(seed) or not 0 <= seed <= 2**32 - 1:
        raise ValueError(f"seed={seed!r}: expected an integer in 0..{2**32 - 1}")
    return int(seed)


def _split_count(name: str, size, n: int) -> int:
    if is_int(size):
        if not 1 <= size < n:
            raise ValueError(f"{name}={size!r}: as a count it must be between 1 and {n - 1}")
        return int(size)
    if isinstance(size, float | np.floating) and 0.0 < size < 1.0:
        count = math.ceil(size * n)
        if count >= n:
            raise ValueError(f"{name}={size!r} of {n} samples leaves nothing for training")
        return count
    raise ValueError(
        f"{name}={size!r}: expected a fraction strictly between 0 and 1, or a number of samples"
    )


def _stratify_groups(stratify, y: np.ndarray, n: int) -> np.ndarray | None:
    if isinstance(stratify, str):
        if stratify != "auto":
            raise ValueError(f"stratify={stratify!r}: expected 'auto', True, False or an array")
        groups = _class_labels(y)
        if groups is None or np.bincount(groups).min(initial=n) < MIN_CLASS_MEMBERS:
            return None
        return groups
    if stratify is False or stratify is None:
        return None
    if stratify is True:
        groups = _class_labels(y)
        if groups is None:
            raise ValueError(
                "stratify=True but y holds regression targets, not class labels: pass "
                "stratify=False, or an array of group labels to stratify by"
            )
    else:
        stratify = np.asarray(stratify)
        if stratify.shape != (n,):
            raise ValueError(
                f"stratify has shape {stratify.shape}: expected one group label per sample, "
                f"shape ({n},)"
            )
        groups = np.unique(stratify, return_inverse=True)[1]
    smallest = int(np.bincount(groups).min())
    if smallest < MIN_CLASS_MEMBERS:
        raise ValueError(
            f"stratify={stratify if isinstance(stratify, bool) else 'array'}: the smallest "
            f"class has {smallest} member(s); stratification needs at least "
            f"{MIN_CLASS_MEMBERS} per class (one per part). Pass stratify=False"
        )
    return groups


def _class_labels(y: np.ndarray) -> np.ndarray | None:
    """Integer class labels of classification targets (strings included), or None for
    regression targets."""
    if y.dtype.kind in "OUSb" and y.ndim == 1:
        return np.unique(y, return_inverse=True)[1]  # labels by name: classes all the same
    try:
        info = infer_task(y)
    except ValueError:
        return None
    if info.task == "regression":
        return None
    if info.one_hot:
        return np.argmax(y, axis=1)
    return np.asarray(y).reshape(len(y)).astype(np.int64)


def _stratified_parts(
    groups: np.ndarray, sizes: tuple[int, ...], rng: np.random.Generator
) -> tuple[np.ndarray, ...]:
    """Split indices so that each group's count in part j is floor or ceil of its share."""
    counts = _controlled_rounding(np.bincount(groups), np.array(sizes))
    # Each group's members in index order (a stable sort by group): O(n log n) for any
    # number of groups, the same members, in the same order, as np.flatnonzero gives.
    by_group = np.split(np.argsort(groups, kind="stable"), np.cumsum(counts.sum(axis=1))[:-1])
    parts: list[list[np.ndarray]] = [[] for _ in sizes]
    for row, members in zip(counts, by_group, strict=True):
        members = rng.permutation(members)
        for j, chunk in enumerate(np.split(members, np.cumsum(row)[:-1])):
            parts[j].append(chunk)
    return tuple(rng.permutation(np.concatenate(chunks)) for chunks in parts)


def _controlled_rounding(group_sizes: np.ndarray, part_sizes: np.ndarray) -> np.ndarray:
    """Round the table of expected counts so that rows and columns keep their exact sums.

    Entry (g, j) becomes floor or ceil of ``group_sizes[g] * part_sizes[j] / n``. Which
    entries round up is a small bipartite max-flow problem (groups -> parts); an integral
    solution always exists because the expected table's margins are integers.
    """
    n = int(group_sizes.sum())
    expected = np.outer(group_sizes, part_sizes) / n
    table = np.floor(expected + 1e-9).astype(np.int64)
    row_need = group_sizes - table.sum(axis=1)
    col_need = part_sizes - table.sum(axis=0)
    if not row_need.any():
        return table
    num_groups, num_parts = table.shape
    source, sink = num_groups + num_parts, num_groups + num_parts + 1
    can_round_up = (expected - table) > 1e-9
    edges = [(source, g, row_need[g]) for g in range(num_groups)]
    edges += [(g, num_groups + j, 1) for g, j in zip(*np.nonzero(can_round_up), strict=True)]
    edges += [(num_groups + j, sink, col_need[j]) for j in range(num_parts)]
    tails, heads, caps = zip(*edges, strict=True)
    graph = csr_matrix((np.array(caps, dtype=np.int32), (tails, heads)), shape=(sink + 1, sink + 1))
    # Only the groups -> parts block of the flow, as a dense (groups x parts) table: memory
    # O(groups), never the whole (nodes x nodes) matrix.
    flow = maximum_flow(graph, source, sink).flow.tocsr()
    table += flow[:num_groups, num_groups : num_groups + num_parts].toarray().clip(min=0)
    return table


def _standardize(parts: list) -> tuple[StandardScaler, list]:
    """Fit a StandardScaler on parts[0] (the training part) and apply it to every part.

    Sparse parts are scaled without centring (centring would make them dense).
    """
    if scipy.sparse.issparse(parts[0]):
        dtype = parts[0].dtype if parts[0].dtype.kind == "f" else np.float32
        scaler = StandardScaler(with_mean=False).fit(parts[0])
        return scaler, [scaler.transform(p).astype(dtype) for p in parts]
    dtype = parts[0].dtype if parts[0].dtype.kind == "f" else np.float32
    flat = [p.reshape(len(p), -1) for p in parts]
    scaler = StandardScaler().fit(flat[0])
    scaled = [
        scaler.transform(f).reshape(p.shape).astype(dtype) for f, p in zip(flat, parts, strict=True)
    ]
    return scaler, scaled
