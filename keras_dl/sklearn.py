"""scikit-learn estimators over `build_dense_model`: `DenseClassifier` and `DenseRegressor`.

Every model and training setting is a plain constructor parameter, so ``clone``,
``GridSearchCV`` and ``Pipeline`` see and search each one alone::

    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from keras_dl.sklearn import DenseClassifier

    pipe = make_pipeline(StandardScaler(), DenseClassifier(epochs=30))
    grid = {"denseclassifier__hidden_units": [(32,), (64, 64)]}
    GridSearchCV(pipe, grid, cv=5).fit(X, y)

Built on scikit-learn's ``BaseEstimator`` rather than ``keras.wrappers``: those wrappers take
the model's settings as one ``model_kwargs`` dict (a grid cannot search one of them) and
leave the output head to the user, where here `infer_task` picks it from ``y``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from keras_dl._checks import is_int, is_number

PREDICT_BATCH = 256  # rows per predict batch


class _DenseEstimator(BaseEstimator):
    """The parameters, validation and training shared by both estimators.

    The network and its training are plain parameters (`build_dense_model`'s and ``fit``'s);
    ``validation_fraction`` > 0 holds that part out for early stopping with ``patience``;
    ``callbacks`` are Keras callbacks given to every fit, after the early stopping (clones
    get copies of them, as scikit-learn copies every parameter).
    """

    def __init__(
        self,
        *,
        hidden_units: Sequence[int] = (64, 64),
        activation: str = "relu",
        dropout: float = 0.0,
        l2: float = 0.0,
        optimizer: str = "rmsprop",
        learning_rate: float | None = None,
        epochs: int = 50,
        batch_size: int = 32,
        validation_fraction: float = 0.0,
        patience: int = 5,
        seed: int | None = 0,
        verbose: int = 0,
        callbacks: Sequence = (),
    ):
        self.hidden_units = hidden_units
        self.activation = activation
        self.dropout = dropout
        self.l2 = l2
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.seed = seed
        self.verbose = verbose
        self.callbacks = callbacks

    def _check_training_params(self) -> None:
        for name in ("epochs", "batch_size", "patience"):
            value = getattr(self, name)
            if not is_int(value) or value < 1:
                raise ValueError(f"{name}={value!r}: expected an integer >= 1")
        fraction = self.validation_fraction
        if not is_number(fraction) or not 0.0 <= fraction < 1.0:
            raise ValueError(
                f"validation_fraction={fraction!r}: expected a number in [0, 1) "
                "(0 = no early stopping)"
            )
        if self.seed is not None and (not is_int(self.seed) or not 0 <= self.seed <= 2**32 - 1):
            raise ValueError(f"seed={self.seed!r}: expected an integer in 0..{2**32 - 1} or None")
        if isinstance(self.callbacks, str) or not isinstance(self.callbacks, Sequence):
            raise ValueError(
                f"callbacks={self.callbacks!r}: expected a list of Keras callbacks, given to "
                "every fit"
            )

    def _train(self, X: np.ndarray, y: np.ndarray, task: str, **head) -> None:
        """Build the model for `task`, fit it (early stopping on a held-out part when
        ``validation_fraction`` > 0) and set ``model_`` and ``history_``; a ValueError
        when the loss becomes NaN or infinite (the targets overflow, say)."""
        import keras

        from keras_dl.builders import build_dense_model
        from keras_dl.runtime import seed_everything

        if self.seed is not None:
            seed_everything(self.seed)  # splits, initial weights, dropout and shuffling
        callbacks, validation = [], None
        if self.validation_fraction:
            stratify = (
                y if task != "regression" and _can_stratify(y, self.validation_fraction) else None
            )
            X, X_val, y, y_val = train_test_split(
                X, y, test_size=self.validation_fraction, random_state=self.seed, stratify=stratify
            )
            validation = (X_val, y_val)
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    patience=self.patience, restore_best_weights=True, verbose=self.verbose
                )
            )
        model = build_dense_model(
            X.shape[1],
            task,
            hidden_units=self.hidden_units,
            activation=self.activation,
            dropout=self.dropout,
            l2=self.l2,
            optimizer=self.optimizer,
            learning_rate=self.learning_rate,
            name=f"{type(self).__name__.lower()}",
            **head,
        )
        history = model.fit(
            X,
            y,
            epochs=self.epochs,
            batch_size=self.batch_size,
            validation_data=validation,
            callbacks=[*callbacks, *self.callbacks],
            verbose=self.verbose,
        )
        logs = {key: [float(v) for v in values] for key, values in history.history.items()}
        loss = np.asarray(logs.get("loss", []))
        if not np.all(np.isfinite(loss)):  # a NaN model is no model: nothing is set
            largest = float(np.max(np.abs(y)))
            raise ValueError(
                f"the loss became {loss[~np.isfinite(loss)][0]} at epoch "
                f"{int(np.flatnonzero(~np.isfinite(loss))[0]) + 1}: the model cannot be trained "
                f"on these data (the largest |y| is {largest:.3g}); scale the targets or "
                "features (e.g. sklearn.preprocessing.StandardScaler), or lower learning_rate"
            )
        self.model_, self.history_ = model, logs

    def _outputs(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=np.float32)
        # Every batch of the same size, the last one padded: a row's output then never
        # depends on the rows beside it (the BLAS blocks a matrix product by its size).
        # The model is called batch by batch, not through `predict`: a fitted model is
        # asked once or twice, and tracing a predict function for each of a grid search's
        # clones cost more than it saved (20 traces in the README's GridSearchCV example).
        import keras

        padded = np.concatenate([X, np.zeros((-len(X) % PREDICT_BATCH, X.shape[1]), X.dtype)])
        outputs = [
            keras.ops.convert_to_numpy(self.model_(padded[i : i + PREDICT_BATCH], training=False))
            for i in range(0, len(padded), PREDICT_BATCH)
        ]
        return np.concatenate(outputs)[: len(X)]


class DenseClassifier(ClassifierMixin, _DenseEstimator):
    """A Dense network classifier: sigmoid head for two classes, softmax for more.

    Labels can be any values scikit-learn accepts (strings, non-contiguous integers):
    ``classes_`` holds them sorted, and ``predict`` returns them. ``model_`` is the fitted
    Keras model and ``history_`` its per-epoch metrics.

    Example:
        >>> from sklearn.datasets import load_iris
        >>> X, y = load_iris(return_X_y=True)
        >>> DenseClassifier(epochs=5).fit(X, y).predict_proba(X[:2]).shape
        (2, 3)
    """

    def fit(self, X, y) -> DenseClassifier:
        """Fit the network to features `X` and class labels `y`; returns self."""
        self._check_training_params()
        X, y = validate_data(self, X, y, dtype=np.float32)
        check_classification_targets(y)
        y = column_or_1d(y, warn=True)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"y has 1 class ({self.classes_[0]!r}): expected at least 2 classes")
        from keras_dl.tasks import infer_task

        task, num_classes, _, _ = infer_task(encoded)
        self._train(X, encoded, task, num_classes=num_classes)
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, one column per class of ``classes_``."""
        check_is_fitted(self, "model_")
        outputs = self._outputs(X).astype(np.float64)
        if len(self.classes_) == 2:
            positive = outputs[:, 0]
            return np.column_stack([1.0 - positive, positive])
        return outputs

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row, as one of ``classes_``."""
        best = np.argmax(self.predict_proba(X), axis=1)
        return self.classes_[best]


class DenseRegressor(RegressorMixin, _DenseEstimator):
    """A Dense network regressor with a linear head: one unit per target column.

    ``y`` of shape ``(n,)`` gives predictions of shape ``(n,)``; ``(n, k)`` gives ``(n, k)``.
    ``model_`` is the fitted Keras model and ``history_`` its per-epoch metrics. The other
    parameters are `DenseClassifier`'s.

    Args:
        standardize_targets: True (the default): the network trains on each target column
            standardized with the training ``y``'s mean and standard deviation (scikit-learn's
            ``StandardScaler``; a constant column keeps scale 1), kept in ``y_mean_`` and
            ``y_scale_``, and ``predict`` maps its outputs back, so predictions and ``score``
            are on ``y``'s own scale whatever it is. The loss and metrics in ``history_`` are
            then in standardized units (each target's error over its standard deviation).
            False: the network fits ``y`` as given (``y_mean_`` and ``y_scale_`` are None),
            which trains poorly on targets far from unit scale.

    Example:
        >>> from sklearn.datasets import load_linnerud
        >>> from sklearn.pipeline import make_pipeline
        >>> from sklearn.preprocessing import StandardScaler
        >>> X, y = load_linnerud(return_X_y=True)  # 3 targets: weight, waist, pulse
        >>> fitted = make_pipeline(StandardScaler(), DenseRegressor(epochs=5)).fit(X, y)
        >>> fitted.predict(X[:2]).shape, fitted[-1].y_mean_.tolist()
        ((2, 3), [178.6, 35.4, 56.1])
    """

    def __init__(
        self,
        *,
        hidden_units: Sequence[int] = (64, 64),
        activation: str = "relu",
        dropout: float = 0.0,
        l2: float = 0.0,
        optimizer: str = "rmsprop",
        learning_rate: float | None = None,
        epochs: int = 50,
        batch_size: int = 32,
        validation_fraction: float = 0.0,
        patience: int = 5,
        seed: int | None = 0,
        verbose: int = 0,
        callbacks: Sequence = (),
        standardize_targets: bool = True,
    ):
        super().__init__(
            hidden_units=hidden_units,
            activation=activation,
            dropout=dropout,
            l2=l2,
            optimizer=optimizer,
            learning_rate=learning_rate,
            epochs=epochs,
            batch_size=batch_size,
            validation_fraction=validation_fraction,
            patience=patience,
            seed=seed,
            verbose=verbose,
            callbacks=callbacks,
        )
        self.standardize_targets = standardize_targets

    def fit(self, X, y) -> DenseRegressor:
        """Fit the network to features `X` and one or more numeric targets `y`; returns self."""
        self._check_training_params()
        if not isinstance(self.standardize_targets, (bool, np.bool_)):
            raise ValueError(
                f"standardize_targets={self.standardize_targets!r}: expected True (train on "
                "standardized targets) or False"
            )
        X, y = validate_data(self, X, y, dtype=np.float32, multi_output=True, y_numeric=True)
        y = np.asarray(y, dtype=np.float64)
        self._one_target = y.ndim == 1
        targets = y.reshape(len(y), -1)
        mean = scale = None
        if self.standardize_targets:
            scaler = StandardScaler().fit(targets)
            mean, scale, targets = scaler.mean_, scaler.scale_, scaler.transform(targets)
        targets = targets.astype(np.float32)
        self._train(X, targets, "regression", num_outputs=targets.shape[1])
        self.y_mean_, self.y_scale_ = mean, scale
        return self

    def predict(self, X) -> np.ndarray:
        """The predicted targets, on ``y``'s scale and in the shape ``y`` had at ``fit``."""
        outputs = self._outputs(X).astype(np.float64)
        if self.y_scale_ is not None:
            outputs = outputs * self.y_scale_ + self.y_mean_
        return outputs[:, 0] if self._one_target else outputs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def _can_stratify(y: np.ndarray, fraction: float) -> bool:
    """Whether every class has 2 rows and the held-out part a row per class."""
    counts = np.bincount(y)
    return counts.min() >= 2 and round(fraction * len(y)) >= len(counts)
