"""Classifying movie reviews: a sigmoid head on IMDB (ch. 4.1; 3rd ed.: --edition 3)

Deep Learning with Python, ch. 4.1 "Classifying movie reviews: A binary classification
example". keras.datasets.imdb: 25,000 training and 25,000 test reviews, each a list of word
ranks (the 10,000 most frequent words), labelled 0 (negative) or 1 (positive). Each review
becomes a multi-hot row of 10,000 float32 columns (float64 would take 2 GB per 25,000
rows); the network is Dense(16, relu) -> Dense(16, relu) -> Dense(1, sigmoid), trained
with rmsprop on the binary cross-entropy.

1. The first 10,000 training reviews validate; 20 epochs, batch 512. Book: the validation
   loss bottoms at epoch 4, then the model overfits.
2. A fresh model trains 4 epochs on all 25,000 and is tested once. Book: test accuracy
   0.884-0.885.

The 3rd edition (2025, `--edition 3`) trains the same network with adam instead of
rmsprop. Book: test accuracy 0.8833.

Without imdb.npz in the Keras cache and no network, the recipe says where to put the file
and exits with status 2; `--quick` then runs the same code on generated reviews in Keras'
format (start 1, out-of-vocabulary 2, ranks + 3), labelled synthetic-imdb.

Run it:

    make recipe NAME=imdb
    make recipe NAME=imdb ARGS="--edition 3"    # the 3rd edition: adam
    make recipe NAME=imdb ARGS="--retrain-epochs 3 --seed 1"
"""

from __future__ import annotations

import argparse
import functools

import keras
import numpy as np

from keras_dl import build_dense_model, recipe
from keras_dl.datasets import first_words, load_imdb, multi_hot
from keras_dl.records.curves import best_epoch
from keras_dl.splits import hold_out_first

NUM_WORDS = 10000  # the vocabulary: the 10,000 most frequent words

# The book's figures, by edition: the 2nd (2021, rmsprop; our default) and the 3rd (2025,
# Keras 3, adam), whose ch. 4 prints one run of the same experiment.
EDITIONS = {2: "rmsprop", 3: "adam, as the 3rd edition's ch. 4"}
OPTIMIZER = {2: "rmsprop", 3: "adam"}
book = {
    2: functools.partial(recipe.BookFigure, dataset="IMDB", source="ch. 4.1"),
    3: functools.partial(recipe.BookFigure, dataset="IMDB", source="ch. 4", edition=3),
}
BOOK = {
    2: book[2]("test accuracy (4 epochs on all 25,000)", (0.884, 0.885), band=(0.875, 1.0)),
    3: book[3]("test accuracy (4 epochs on all 25,000)", 0.8833, band=(0.875, 1.0)),
}
# Both editions: the validation loss and accuracy "seem to peak at the fourth epoch".
BOOK_BEST_EPOCH = {
    edition: book[edition]("epoch where val_loss bottoms", 4, band=(3, 5)) for edition in book
}


@recipe.command
def main(argv: list[str] | None = None) -> int:
    """Find where IMDB overfits, retrain that long on all reviews, test; the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)

    # The data: each review is a list of word ranks, its label 1 for positive.
    data = load_imdb(NUM_WORDS, quick=args.quick, seed=args.seed)
    print(data)
    print("first training review:", first_words(data))
    if args.val_samples >= len(data.train[0]):
        parser.error(
            f"--val-samples {args.val_samples}: expected fewer than the "
            f"{len(data.train[0])} training reviews"
        )
    x_train, y_train = vectorize(*data.train)
    x_test, y_test = vectorize(*data.test)
    # Keras delivers the reviews shuffled, so the first 10,000 are a fair validation set.
    partial_train, val = hold_out_first(x_train, y_train, args.val_samples)

    with recipe.start("imdb", args, dataset=data.name) as run:
        # 1. Train on the rest and watch the validation loss: where it bottoms, the model
        #    starts to learn the training reviews rather than what makes a review positive.
        model = build_model("imdb_16_16", args.edition)
        history = run.fit(
            model,
            *partial_train,
            validation_data=val,
            epochs=args.epochs,
            batch_size=args.batch_size,
        )
        bottom, _ = best_epoch(history.history["val_loss"], "val_loss")
        best_figure = BOOK_BEST_EPOCH[args.edition]
        best = run.result(best_figure.metric, bottom, best_figure, digits=0)
        print(best.line())

        # 2. A fresh model, trained on all training reviews for about that many epochs (the
        #    book picks 4), is evaluated once on the test set: that number goes beside the book's.
        #    Its epochs go to the run's fits/final.csv (history.csv holds the first model's).
        final_model = build_model("imdb_final", args.edition)
        run.fit(
            final_model,
            x_train,
            y_train,
            epochs=args.retrain_epochs,
            batch_size=args.batch_size,
            log="final",
        )
        test = final_model.evaluate(x_test, y_test, return_dict=True, verbose=0)

        val_accuracy = history.history["val_accuracy"]
        peak_epoch, peak = best_epoch(val_accuracy, "val_accuracy")
        metric = f"test accuracy ({args.retrain_epochs} epochs on all {len(x_train):,})"
        run.finish(
            history=history,
            metrics={
                "test": test,
                "test_accuracy": test["accuracy"],
                "val_accuracy": {
                    "peak": peak,
                    "peak_epoch": peak_epoch,
                    "final": float(val_accuracy[-1]),
                },
                "retrain_epochs": args.retrain_epochs,
                "sizes": {
                    "train": len(partial_train[0]),
                    "val": len(val[0]),
                    "retrain": len(x_train),
                    "test": len(x_test),
                },
            },
            result=run.result(metric, test["accuracy"], BOOK[args.edition]),
            figures=[best],
            title=f"imdb: 16-16-1 on {data.name}, first {len(val[0])} held out, "
            f"{OPTIMIZER[args.edition]} ({recipe.ordinal(args.edition)} ed.)",
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The shared recipe flags plus the hold-out size and the retraining length."""
    parser = recipe.parser(
        __doc__,
        epochs=20,
        batch_size=512,
        quick={"val_samples": 400, "retrain_epochs": recipe.QUICK_EPOCHS},
        editions=EDITIONS,
    )
    parser.add_argument(
        "--val-samples",
        type=recipe.positive_int,
        default=10000,
        help="training reviews held out (the first ones) for validation (default: %(default)s)",
    )
    parser.add_argument(
        "--retrain-epochs",
        type=recipe.positive_int,
        default=4,
        help="epochs of the final model on all training data (default: %(default)s)",
    )
    return parser


def vectorize(sequences: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Multi-hot rows (column i is 1 when word i occurs) and float32 labels, as the book's."""
    return multi_hot(sequences, NUM_WORDS), np.asarray(labels, dtype="float32")


def build_model(name: str, edition: int) -> keras.Model:
    """Dense(16, relu) -> Dense(16, relu) -> Dense(1, sigmoid); the edition's optimizer
    (rmsprop, adam), binary cross-entropy."""
    return build_dense_model(
        NUM_WORDS, "binary", hidden_units=(16, 16), optimizer=OPTIMIZER[edition], name=name
    )


if __name__ == "__main__":
    raise SystemExit(main())
