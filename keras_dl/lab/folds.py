"""K-fold validation as a run: one model per fold, every fold's epochs kept and resumable.

The book validates its small regression sets (Boston housing in the 2nd edition, California
housing in the 3rd) with K contiguous folds, each validated once by a model trained on the
others, and draws the per-epoch validation error averaged over the folds. `cross_validate`
does that inside a recipe's run and `kfold_parser` gives it its flags; `EpochValidation`
scores the fold after every epoch at a fraction of Keras' evaluation loop's cost,
`fold_mean` averages the folds' curves and `smoothed_bottom` reads them as the book does.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np

from keras_dl.fast import start_over
from keras_dl.lab.flags import QUICK_EPOCHS, RecipeParser, parser, positive_int
from keras_dl.lab.lifecycle import RecipeRun
from keras_dl.records.curves import smooth_curve
from keras_dl.records.read import epochs_logged, read_history
from keras_dl.splits import kfold


def kfold_parser(
    doc: str | None, *, epochs: int, curve_epochs: int, final_epochs: int, batch_size: int = 16
) -> RecipeParser:
    """The shared recipe flags plus a K-fold recipe's own: ``--folds`` (K, 4), the K-fold
    pass's length ``--curve-epochs`` (its per-fold scores read at ``--epochs`` within it)
    and ``--final-epochs`` of the model trained on all the training data."""
    result = parser(
        doc,
        epochs=epochs,
        batch_size=batch_size,
        quick={"curve_epochs": QUICK_EPOCHS, "final_epochs": QUICK_EPOCHS},
    )
    result.add_argument("--folds", type=positive_int, default=4, help="K (default: %(default)s)")
    result.add_argument(
        "--curve-epochs",
        type=positive_int,
        default=curve_epochs,
        help="length of the K-fold pass drawn as the validation curve; the per-fold scores "
        "are read at --epochs within it (default: %(default)s)",
    )
    result.add_argument(
        "--final-epochs",
        type=positive_int,
        default=final_epochs,
        help="epochs of the final model on all training data (default: %(default)s)",
    )
    return result


def cross_validate(
    run: RecipeRun,
    x: np.ndarray,
    y: np.ndarray,
    build_model: Callable[[], keras.Model],
    *,
    folds: int,
    epochs: int,
    batch_size: int,
    seed: int,
) -> list[dict[str, list[float]]]:
    """Train a fresh `build_model()` on each fold's other K-1 folds for `epochs` epochs,
    validating on the fold after every epoch; return each fold's Keras history.

    Each fold's epochs go to fits/fold-<k>.csv in the run as they end: an interrupted run
    keeps them, and ``--resume`` reads a finished fold back instead of training it again
    (each fold is seeded on its own, so it would train the same) and continues an
    unfinished one from its last epoch.

    The folds are contiguous (shuffle=False), as the book's. Each fold is standardized with
    the mean and std of its own training part, so its validation rows never shape the
    scaling (the book scales once with all the training rows; the difference is small).

    Fold k is seeded with `seed` + k before its model is built, so its weights and shuffles
    do not depend on how long the earlier folds trained (on JAX every epoch draws from the
    global seed generator): epoch E of a longer pass is exactly an E-epoch run. On
    TensorFlow each later fold trains the first fold's model, started over from its own
    fresh one (`keras_dl.fast.start_over`): the same numbers, without tracing the training
    step again.
    """
    histories = []
    model = None  # on TensorFlow one model trains every fold: see below
    splits = kfold(x, y, folds, shuffle=False, standardize=True)
    for fold, (train, val) in enumerate(splits, start=1):
        # fold-<k>.csv stood beside the run's files before fits/ held them (0.1.0).
        kept = [run.path / name for name in (f"fits/fold-{fold}.csv", f"fold-{fold}.csv")]
        finished = next((path for path in kept if epochs_logged(path) >= epochs), None)
        if finished is not None:
            logged = read_history(finished.parent, finished.name)
            histories.append({key: list(v) for key, v in logged.items() if key != "epoch"})
            print(f"fold {fold}/{folds}: kept from the interrupted run")
            continue
        keras.utils.set_random_seed(seed + fold)
        fresh = build_model()
        model = fresh if model is None else start_over(model, fresh)
        history = run.fit(
            model,
            *train,
            epochs=epochs,
            batch_size=batch_size,
            callbacks=[EpochValidation(*val)],  # before the run's epoch log, which records it
            verbose=0,
            log=f"fold-{fold}",
        )
        histories.append(history.history)
        print(f"fold {fold}/{folds}: {len(train[0])} train, {len(val[0])} val, trained {epochs}")
    return histories


class EpochValidation(keras.callbacks.Callback):
    """Log val_loss (MSE) and val_mae after every epoch, as ``fit(validation_data=...)``
    does, with one direct call of the model on the validation rows: Keras' evaluation
    loop costs about as much as the epoch's training on a few hundred rows."""

    def __init__(self, x_val: np.ndarray, y_val: np.ndarray) -> None:
        """Keep the validation rows to score after every epoch."""
        super().__init__()
        self.x_val, self.y_val = x_val, y_val

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Add val_loss and val_mae on the validation rows to the epoch's logs."""
        predictions = keras.ops.convert_to_numpy(self.model(self.x_val, training=False))
        errors = predictions[:, 0] - self.y_val
        # The History callback runs after this one and records these entries.
        logs["val_loss"] = float(np.mean(errors**2))
        logs["val_mae"] = float(np.mean(np.abs(errors)))


def fold_mean(histories: list[dict[str, list[float]]]) -> dict[str, list[float]]:
    """The per-epoch mean over folds of every logged quantity (loss, mae, val_loss, val_mae).

    Example:
        >>> fold_mean([{"val_mae": [3.0, 2.0]}, {"val_mae": [5.0, 4.0]}])
        {'val_mae': [4.0, 3.0]}
    """
    return {key: np.mean([h[key] for h in histories], axis=0).tolist() for key in histories[0]}


CURVE_SKIP = 10  # the first points are on another scale from the rest: the book drops them
SMOOTHING = 0.9  # the book's exponential moving average factor


def smoothed_bottom(
    values: list[float], *, smoothing: float = SMOOTHING, skip: int = CURVE_SKIP
) -> tuple[np.ndarray, int, int]:
    """The book's reading of a K-fold curve: drop the first `skip` points (none of a run
    shorter than twice that: a --quick run's 2 epochs would leave one), smooth the rest,
    find where it bottoms. Returns the smoothed curve, the points dropped and the bottom's
    epoch (from 1).

    Example:
        >>> smoothed, skip, bottom = smoothed_bottom([9.0, 3.0, 2.0, 2.5], smoothing=0.0)
        >>> skip, bottom
        (0, 3)
    """
    values = np.asarray(values, dtype=float)
    skip = skip if len(values) > 2 * skip else 0
    smoothed = smooth_curve(values[skip:], smoothing)
    return smoothed, skip, skip + int(np.argmin(smoothed)) + 1
