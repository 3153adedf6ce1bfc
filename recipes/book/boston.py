"""Predicting house prices: a linear head and K-fold validation on Boston housing (ch. 4.3)

Deep Learning with Python, ch. 4.3 "Predicting house prices: A regression example".
keras.datasets.boston_housing: 404 training and 102 test suburbs of 1970s Boston, 13
features on very different scales, the median price in $1000s as target. The network is
Dense(64, relu) -> Dense(64, relu) -> Dense(1) (linear), trained with rmsprop on the mean
squared error, watching the mean absolute error (MAE).

1. K-fold validation: 404 samples are too few for one reliable hold-out, so the training
   set is cut into K = 4 contiguous folds and each is validated once by a model trained on
   the other three, batch 16. Book: per-fold val MAE after 100 epochs averages 2.35-2.38.
2. The per-epoch validation MAE, averaged over the folds, over 500 epochs; the first 10
   points dropped and the rest smoothed (exponential moving average, factor 0.9). Book: it
   stops improving near epoch 80, then the model overfits.
3. A fresh model trained 130 epochs, batch 16, on all 404 samples, tested once. Book: test
   MAE 2.55-2.72.

Without boston_housing.npz, `--quick` runs the same code on generated rows of the same
shape and scales (synthetic-boston-housing).

Run it:

    make recipe NAME=boston
    make recipe NAME=boston ARGS="--curve-epochs 100"   # a shorter curve: about 4 times faster
"""

from __future__ import annotations

import argparse

import keras
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from sklearn.preprocessing import StandardScaler

from keras_dl import build_dense_model, kfold, recipe
from keras_dl.datasets import load_boston_housing
from keras_dl.fast import start_over
from keras_dl.records.curves import smooth_curve
from keras_dl.records.read import epochs_logged, read_history

SMOOTHING = 0.9
CURVE_SKIP = 10  # the first points are on another scale from the rest: the book drops them

BOOK = recipe.BookFigure(
    "test MAE (130 epochs on all)", (2.55, 2.72), "Boston housing", "ch. 4.3", band=(0, 2.9)
)
BOOK_KFOLD = recipe.BookFigure(
    "K-fold mean val MAE", (2.35, 2.38), "Boston housing", "ch. 4.3", band=(0, 2.6)
)
BOOK_CURVE_BOTTOM = recipe.BookFigure(
    "epoch where the smoothed val MAE bottoms",
    80,
    "Boston housing",
    "ch. 4.3",
    differs="the book reads about 80 off one plot; at its settings our K-fold mean curve, "
    "smoothed the same way, bottoms later",
)


@recipe.command
def main(argv: list[str] | None = None) -> int:
    """K-fold validate, find where overfitting starts, train on all, test; the exit status."""
    args = build_parser().parse_args(argv)
    data = load_boston_housing(quick=args.quick, seed=args.seed)
    print(data)
    (x_train, y_train), (x_test, y_test) = data.train, data.test

    with recipe.start("boston", args, dataset=data.name) as run:
        # 1 and 2 in one K-fold pass. Fitting 500 epochs and reading the validation MAE
        # after epoch 100 gives exactly what a 100-epoch run reports: with the same seed,
        # the first 100 epochs draw the same initial weights and the same shuffles, and
        # validating after an epoch does not change the weights (tests/recipes/book/
        # test_boston.py checks it). The book runs the K-fold twice, for 100 and for 500
        # epochs, with new random weights each time.
        pass_epochs = max(args.epochs, args.curve_epochs)
        histories = cross_validate(
            run,
            x_train,
            y_train,
            folds=args.folds,
            epochs=pass_epochs,
            batch_size=args.batch_size,
            seed=args.seed,
        )
        fold_mae = [h["val_mae"][args.epochs - 1] for h in histories]
        mean_mae = float(np.mean(fold_mae))
        print("per-fold val MAE after", args.epochs, "epochs:", np.round(fold_mae, 3).tolist())
        folds_text = ", ".join(f"{v:.2f}" for v in fold_mae)
        kfold_result = run.result(
            "K-fold mean val MAE", mean_mae, BOOK_KFOLD, digits=3, detail=f"(folds {folds_text})"
        )
        print(kfold_result.line())

        # 2. The mean validation curve is noisy and its first epochs (errors near 20) dwarf
        #    the rest: drop them and smooth what is left to see where it stops improving.
        mean_history = fold_mean(histories)
        val_mae = np.asarray(mean_history["val_mae"])
        skip = curve_skip(len(val_mae))
        smoothed = smooth_curve(val_mae[skip:], SMOOTHING)
        curve_bottom = skip + int(np.argmin(smoothed)) + 1
        bottom_result = run.result(
            BOOK_CURVE_BOTTOM.metric, curve_bottom, BOOK_CURVE_BOTTOM, digits=0
        )
        print(bottom_result.line())
        if not args.no_plots:
            figure = curve_figure(mean_history, smoothed, skip, curve_bottom, args.epochs)
            run.save_figure(figure, "kfold_mae.png")

        # 3. The final model: all training rows, scaled with their mean and std; the test
        #    rows are scaled with the same (training) statistics, never their own.
        #    Its epochs go to fits/final.csv (history.csv is the folds' mean curve).
        scaler = StandardScaler().fit(x_train)
        model = build_model()
        x_train_scaled, x_test_scaled = scaler.transform(x_train), scaler.transform(x_test)
        run.fit(
            model,
            x_train_scaled,
            y_train,
            epochs=args.final_epochs,
            batch_size=args.batch_size,
            verbose=0,
            log="final",
        )
        test = model.evaluate(x_test_scaled, y_test, return_dict=True, verbose=0)

        run.finish(
            history=mean_history,
            metrics={
                "test": test,
                "test_mae": test["mae"],
                "fold_val_mae": fold_mae,
                "mean_val_mae": mean_mae,
                "score_epoch": args.epochs,
                "curve_epochs": pass_epochs,
                "smoothed_val_mae_best_epoch": curve_bottom,
                "smoothed_val_mae_min": float(smoothed.min()),
                "final_epochs": args.final_epochs,
            },
            result=run.result(
                f"test MAE ({args.final_epochs} epochs on all)", test["mae"], BOOK, digits=3
            ),
            figures=[kfold_result, bottom_result],
            title=f"boston: 64-64-1 on {data.name}, mean of {args.folds} folds",
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The shared recipe flags plus the folds, the curve length and the final training."""
    parser = recipe.parser(
        __doc__,
        epochs=100,
        batch_size=16,
        quick={"curve_epochs": recipe.QUICK_EPOCHS, "final_epochs": recipe.QUICK_EPOCHS},
    )
    parser.add_argument(
        "--folds", type=recipe.positive_int, default=4, help="K (default: %(default)s)"
    )
    parser.add_argument(
        "--curve-epochs",
        type=recipe.positive_int,
        default=500,
        help="length of the K-fold pass drawn as the validation curve; the per-fold scores "
        "are read at --epochs within it (default: %(default)s)",
    )
    parser.add_argument(
        "--final-epochs",
        type=recipe.positive_int,
        default=130,
        help="epochs of the final model on all training data (default: %(default)s)",
    )
    return parser


def cross_validate(
    run: recipe.RecipeRun,
    x: np.ndarray,
    y: np.ndarray,
    *,
    folds: int,
    epochs: int,
    batch_size: int,
    seed: int,
) -> list[dict[str, list[float]]]:
    """Train a fresh model on each fold's other K-1 folds for `epochs` epochs, validating
    on the fold after every epoch; return each fold's Keras history.

    Each fold's epochs go to fits/fold-<k>.csv in the run as they end: an interrupted run
    keeps them, and ``--resume`` reads a finished fold back instead of training it again
    (each fold is seeded on its own, so it would train the same) and continues an
    unfinished one from its last epoch.

    The folds are contiguous (shuffle=False), as the book's. Each fold is standardized with
    the mean and std of its own training part, so its validation rows never shape the
    scaling (the book scales once with all 404 rows; the difference is small).

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
        # On TensorFlow the first fold's model trains every fold, started over from the
        # fold's fresh one (its initial weights, a new optimizer): the fresh model's numbers,
        # with the training step traced once, not once a fold.
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


def build_model() -> keras.Model:
    """Dense(64, relu) -> Dense(64, relu) -> Dense(1); rmsprop, mse loss, mae metric.

    The tiny batches make Keras' per-call overhead, not the arithmetic, the cost of an
    epoch. The library's default ``steps_per_execution="auto"`` runs the whole epoch (19
    batches a fold, 26 on all 404 rows) in one call of the compiled training step when fit
    shows no progress bar: the updates, and so the results, are those of one batch per call.
    """
    return build_dense_model(13, "regression", hidden_units=(64, 64), optimizer="rmsprop")


class EpochValidation(keras.callbacks.Callback):
    """Log val_loss (MSE) and val_mae after every epoch, as ``fit(validation_data=...)``
    does, with one direct call of the model on the validation rows: Keras' evaluation
    loop costs about as much as the epoch's training here (500 epochs x 4 folds)."""

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
    """The per-epoch mean over folds of every logged quantity (loss, mae, val_loss, val_mae)."""
    return {key: np.mean([h[key] for h in histories], axis=0).tolist() for key in histories[0]}


def curve_skip(epochs: int) -> int:
    """How many first epochs the curve drops: `CURVE_SKIP`, or none of a short run's (a
    --quick run's 2 epochs would leave one point)."""
    return CURVE_SKIP if epochs > 2 * CURVE_SKIP else 0


def curve_figure(
    history: dict[str, list[float]], smoothed: np.ndarray, skip: int, bottom: int, score_epoch: int
) -> Figure:
    """Left: training and validation MAE per epoch, mean over the folds. Right: the
    validation MAE smoothed, with where it bottoms and the book's epoch. Both drop the
    first `skip` epochs, whose errors (about 20 at epoch 1) would flatten the rest."""
    fig = Figure(figsize=(11.0, 4.4), layout="constrained")
    left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    epochs = np.arange(skip + 1, len(history["val_mae"]) + 1)
    line = "o-" if len(epochs) <= 50 else "-"  # dots, so that short runs (--quick) show
    left.plot(epochs, history["mae"][skip:], line, markersize=3, label="training")
    left.plot(epochs, history["val_mae"][skip:], line, markersize=3, label="validation")
    left.set_title("MAE, mean of the folds")

    orange = {"color": "tab:orange", "markersize": 3}
    right.plot(epochs, history["val_mae"][skip:], line, alpha=0.3, label="raw", **orange)
    right.plot(epochs, smoothed, line, linewidth=2, label=f"smoothed {SMOOTHING}", **orange)
    best = smoothed[bottom - skip - 1]
    right.plot(
        [bottom], [best], "*", color="tab:red", markersize=14, label=f"minimum, epoch {bottom}"
    )
    right.axvline(
        score_epoch, color="grey", linestyle=":", label=f"K-fold score, epoch {score_epoch}"
    )
    book_epoch = BOOK_CURVE_BOTTOM.value
    if skip < book_epoch <= len(epochs) + skip:
        right.axvline(
            book_epoch, color="tab:green", linestyle="--", label=f"book: epoch {book_epoch}"
        )
    right.set_title("Validation MAE, smoothed")
    for ax in (left, right):
        ax.set_xlabel(f"epoch (first {skip} dropped)" if skip else "epoch")
        ax.set_ylabel("MAE ($1000s)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    return fig


if __name__ == "__main__":
    raise SystemExit(main())
