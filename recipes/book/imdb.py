"""Classifying movie reviews: a sigmoid head on IMDB (ch. 4.1)

Deep Learning with Python, ch. 4.1 "Classifying movie reviews: A binary classification
example".

`keras.datasets.imdb.load_data(num_words=10000)`: 25,000 training and 25,000 test
reviews, each a list of word ranks, labelled 0 (negative) or 1 (positive). Each review
becomes a multi-hot row of 10,000 float32 columns (float64 would take 2 GB per 25,000
rows). The network is Dense(16, relu) -> Dense(16, relu) -> Dense(1, sigmoid), trained
with rmsprop on the binary cross-entropy.

1. Validation: the first 10,000 training reviews are held out; 20 epochs, batch 512.
   Book: the validation loss bottoms at epoch 4, then the model overfits.
2. A fresh model is trained 4 epochs on all 25,000 training reviews and evaluated once
   on the test set. Book: test accuracy 0.884-0.885.

Without imdb.npz in the Keras cache and no network, the recipe says where to put the file
and exits with status 2; `--quick` then runs the same code on generated reviews in
Keras' format (start 1, out-of-vocabulary 2, ranks + 3), labelled synthetic-imdb.

Run it:

    make recipe NAME=imdb
    make recipe NAME=imdb ARGS="--quick"
    make recipe NAME=imdb ARGS="--retrain-epochs 3 --seed 1"
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

import numpy as np

from keras_dl import build_dense_model
from keras_dl.datasets import (
    DatasetUnavailableError,
    decode_sequence,
    is_cached,
    load_imdb,
    load_word_index,
    multi_hot,
)
from keras_dl.recipe import (
    QUICK_EPOCHS,
    BookFigure,
    Result,
    finish_recipe,
    parse_recipe_args,
    positive_int,
    recipe_main,
    recipe_parser,
    start_recipe,
)
from keras_dl.splits import hold_out_first
from keras_dl.synthetic import synthetic_sequences

if TYPE_CHECKING:
    import keras

BOOK = BookFigure("test accuracy", (0.884, 0.885), "IMDB", "ch. 4.1")
BOOK_BEST_EPOCH = 4  # where the book's validation loss bottoms
NUM_WORDS = 10000
QUICK_TRAIN, QUICK_TEST, QUICK_VAL = 1000, 500, 400
ALTERNATIVE = "run with --quick to smoke-test on generated data of the same shape"


def load_data(
    *, quick: bool, seed: int
) -> tuple[str, tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Return (dataset name, (train sequences, labels), (test sequences, labels))."""
    if quick and not is_cached("imdb"):
        # No imdb.npz here: generated word-index sequences in Keras' format, 2 classes.
        train, test = synthetic_sequences(
            QUICK_TRAIN, QUICK_TEST, num_classes=2, num_words=NUM_WORDS, seed=seed
        )
        return "synthetic-imdb", train, test
    train, test = load_imdb(NUM_WORDS, alternative=ALTERNATIVE)
    if quick:
        train = (train[0][:QUICK_TRAIN], train[1][:QUICK_TRAIN])
        test = (test[0][:QUICK_TEST], test[1][:QUICK_TEST])
    return "IMDB", train, test


def show_first_review(sequences: np.ndarray) -> None:
    """Print the first review decoded with IMDB's word index, when it can be had."""
    try:
        word_index = load_word_index("imdb")
    except DatasetUnavailableError as err:
        print(f"(not decoding a review: {str(err).splitlines()[0]})")
        return
    # Indices 0, 1 and 2 are padding, start and out-of-vocabulary: they decode to "?".
    print("first training review:", decode_sequence(sequences[0][:40], word_index), "...")


def vectorize(sequences: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Multi-hot rows (column i is 1 when word index i occurs) and float32 labels."""
    return multi_hot(sequences, NUM_WORDS), np.asarray(labels, dtype="float32")


def build_model(name: str) -> keras.Model:
    """Dense(16, relu) -> Dense(16, relu) -> Dense(1, sigmoid); rmsprop, binary
    cross-entropy."""
    return build_dense_model(
        NUM_WORDS, "binary", hidden_units=(16, 16), optimizer="rmsprop", name=name
    )


def build_parser() -> argparse.ArgumentParser:
    """The shared recipe flags plus the hold-out size and the retraining length."""
    parser = recipe_parser(__doc__, epochs=20, batch_size=512)
    parser.add_argument(
        "--val-samples",
        type=positive_int,
        default=10000,
        help="training reviews held out (the first ones) for validation (default: %(default)s)",
    )
    parser.add_argument(
        "--retrain-epochs",
        type=positive_int,
        default=4,
        help="epochs of the final model on all training data (default: %(default)s)",
    )
    return parser


@recipe_main
def main(argv: list[str] | None = None) -> int:
    """Run the recipe from the command line; returns the exit status."""
    args = parse_recipe_args(build_parser(), argv)
    if args.quick:
        args.val_samples = min(args.val_samples, QUICK_VAL)
        args.retrain_epochs = min(args.retrain_epochs, QUICK_EPOCHS)

    dataset, train, test = load_data(quick=args.quick, seed=args.seed)
    print(f"{dataset}: train {len(train[0])}, test {len(test[0])} reviews")
    if dataset == "IMDB":
        show_first_review(train[0])
    x_train, y_train = vectorize(*train)
    x_test, y_test = vectorize(*test)
    if args.val_samples >= len(x_train):
        raise SystemExit(
            f"error: --val-samples {args.val_samples}: expected fewer than the "
            f"{len(x_train)} training reviews"
        )
    partial_train, val = hold_out_first(x_train, y_train, args.val_samples)

    with start_recipe("imdb", args, dataset=dataset) as run:
        # 1. Watch the validation loss to find where overfitting begins.
        model = build_model("imdb_16_16")
        history = model.fit(
            *partial_train, validation_data=val, epochs=args.epochs, batch_size=args.batch_size
        )
        val_accuracy = history.history["val_accuracy"]
        bottom = int(np.argmin(history.history["val_loss"])) + 1
        print(f"val_loss is lowest at epoch {bottom} (book: epoch {BOOK_BEST_EPOCH})")

        # 2. A fresh model, trained on all training reviews for the chosen number of epochs
        #    (the book picks 4, where its validation loss bottomed), evaluated once on test.
        final_model = build_model("imdb_final")
        final_model.fit(x_train, y_train, epochs=args.retrain_epochs, batch_size=args.batch_size)
        test_metrics = final_model.evaluate(x_test, y_test, return_dict=True, verbose=0)

        finish_recipe(
            run,
            args,
            history=history.history,
            metrics={
                "test": test_metrics,
                "test_accuracy": test_metrics["accuracy"],
                "val_accuracy": {
                    "peak": float(max(val_accuracy)),
                    "peak_epoch": int(np.argmax(val_accuracy)) + 1,
                    "final": float(val_accuracy[-1]),
                },
                "retrain_epochs": args.retrain_epochs,
                "sizes": {
                    "train": len(partial_train[0]),
                    "val": len(val[0]),
                    "retrain": len(x_train),
                    "test": len(x_test),
                },
                "book": {"best_epoch": BOOK_BEST_EPOCH, "test_accuracy": BOOK.value},
            },
            result=Result("test accuracy", test_metrics["accuracy"], dataset, BOOK),
            title=f"imdb: 16-16-1 on {dataset}, first {len(val[0])} held out",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
