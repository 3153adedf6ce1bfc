"""Predicting house prices: K-fold validation on California housing (3rd ed. ch. 4)

Deep Learning with Python, 3rd edition (2025), ch. 4, "Predicting house prices: A
regression example", which replaced the 2nd edition's Boston housing (recipe `boston`).
keras.datasets.california_housing, the small version: 480 training and 120 test block
groups of the 1990 census, 8 features on very different scales (median income, house
age, rooms, ...), the median house value as target, divided by 100,000 (an error of 0.3 is
$30,000). The network is Dense(64, relu) -> Dense(64, relu) -> Dense(1) (linear), trained
with adam on the mean squared error, watching the mean absolute error (MAE).

1. K-fold validation: 480 samples are too few for one reliable hold-out, so the training
   set is cut into K = 4 contiguous folds and each is validated once by a model trained on
   the other three, batch 16. Book: per-fold val MAE after 50 epochs 0.298, 0.349, 0.232,
   0.305, mean 0.296.
2. The per-epoch validation MAE, averaged over the folds, over 200 epochs; the first 10
   points dropped and the rest smoothed. Book: it stops improving significantly after
   120-140 epochs.
3. A fresh model trained 130 epochs, batch 16, on all 480 samples, tested once. Book: test
   MAE 0.31 (about $31,000).

Without california_housing.npz in the Keras cache and no network, the recipe says where to
put the file and exits with status 2; `--quick` then runs the same code on generated block
groups of the same shape (synthetic-california-housing).

Run it:

    make recipe NAME=california
    make reproduce NAME=california SEEDS=5
"""

from __future__ import annotations

import functools

import keras
import numpy as np
from sklearn.preprocessing import StandardScaler

from keras_dl import build_dense_model, recipe
from keras_dl.datasets import load_california_housing
from keras_dl.records.plots import kfold_curve_figure

TARGET_SCALE = 100_000  # the book's targets are in units of $100,000

book = functools.partial(recipe.BookFigure, dataset="California housing", source="ch. 4", edition=3)
BOOK = book("test MAE (130 epochs on all)", 0.31, band=(0, 0.35))
BOOK_KFOLD = book("K-fold mean val MAE", 0.296, band=(0, 0.33))
BOOK_CURVE_BOTTOM = book("epoch where the smoothed val MAE bottoms", (120, 140), band=(100, 200))


@recipe.command
def main(argv: list[str] | None = None) -> int:
    """K-fold validate, find where overfitting starts, train on all, test; the exit status."""
    args = recipe.kfold_parser(__doc__, epochs=50, curve_epochs=200, final_epochs=130).parse_args(
        argv
    )
    data = load_california_housing(quick=args.quick, seed=args.seed)
    print(data)
    # The book's targets: the median value in units of $100,000.
    (x_train, y_train), (x_test, y_test) = data.train, data.test
    y_train, y_test = y_train / TARGET_SCALE, y_test / TARGET_SCALE

    with recipe.start("california", args, dataset=data.name) as run:
        # 1 and 2 in one K-fold pass: the per-fold scores are read at epoch 50 of the
        # 200-epoch pass, which is exactly what a 50-epoch pass reports (each fold is
        # seeded on its own; validating after an epoch does not change the weights).
        pass_epochs = max(args.epochs, args.curve_epochs)
        histories = recipe.cross_validate(
            run,
            x_train,
            y_train,
            build_model,
            folds=args.folds,
            epochs=pass_epochs,
            batch_size=args.batch_size,
            seed=args.seed,
        )
        fold_mae = [h["val_mae"][args.epochs - 1] for h in histories]
        print("per-fold val MAE after", args.epochs, "epochs:", np.round(fold_mae, 3).tolist())
        folds_text = ", ".join(f"{v:.3f}" for v in fold_mae)
        kfold_result = run.result(
            BOOK_KFOLD.metric,
            float(np.mean(fold_mae)),
            BOOK_KFOLD,
            digits=3,
            detail=f"(folds {folds_text})",
        )
        print(kfold_result.line())

        # 2. The mean validation curve, its first epochs dropped and the rest smoothed:
        #    where it bottoms, more epochs stop helping.
        mean_history = recipe.fold_mean(histories)
        smoothed, skip, curve_bottom = recipe.smoothed_bottom(mean_history["val_mae"])
        bottom_result = run.result(
            BOOK_CURVE_BOTTOM.metric, curve_bottom, BOOK_CURVE_BOTTOM, digits=0
        )
        print(bottom_result.line())
        if not args.no_plots:
            figure = kfold_curve_figure(
                mean_history,
                smoothed,
                skip=skip,
                bottom=curve_bottom,
                score_epoch=args.epochs,
                unit="$100,000s",
            )
            run.save_figure(figure, "kfold_mae.png")

        # 3. The final model: all training rows, scaled with their mean and std; the test
        #    rows are scaled with the same (training) statistics, never their own.
        scaler = StandardScaler().fit(x_train)
        model = build_model()
        run.fit(
            model,
            scaler.transform(x_train),
            y_train,
            epochs=args.final_epochs,
            batch_size=args.batch_size,
            verbose=0,
            log="final",
        )
        test = model.evaluate(scaler.transform(x_test), y_test, return_dict=True, verbose=0)
        # What the model says of the first test block group, in dollars.
        first = float(model.predict(scaler.transform(x_test[:1]), verbose=0)[0, 0])
        print(
            f"first test block group: predicted ${first * TARGET_SCALE:,.0f}, "
            f"actual ${y_test[0] * TARGET_SCALE:,.0f}"
        )

        run.finish(
            history=mean_history,
            metrics={
                "test": test,
                "test_mae": test["mae"],
                "fold_val_mae": fold_mae,
                "mean_val_mae": float(np.mean(fold_mae)),
                "score_epoch": args.epochs,
                "curve_epochs": pass_epochs,
                "smoothed_val_mae_best_epoch": curve_bottom,
                "smoothed_val_mae_min": float(smoothed.min()),
                "final_epochs": args.final_epochs,
                "target_scale": TARGET_SCALE,
            },
            result=run.result(
                f"test MAE ({args.final_epochs} epochs on all)", test["mae"], BOOK, digits=3
            ),
            figures=[kfold_result, bottom_result],
            title=f"california: 64-64-1 on {data.name}, mean of {args.folds} folds",
        )
    return 0


def build_model() -> keras.Model:
    """Dense(64, relu) -> Dense(64, relu) -> Dense(1); adam, mse loss, mae metric."""
    return build_dense_model(8, "regression", hidden_units=(64, 64), optimizer="adam")


if __name__ == "__main__":
    raise SystemExit(main())
