"""Classifying newswires: 46 topics with a softmax head on Reuters (ch. 4.2)

Deep Learning with Python, ch. 4.2 "Classifying newswires: A multiclass classification
example".

`keras.datasets.reuters.load_data(num_words=10000)`: 8,982 training and 2,246 test
newswires, each a list of word ranks, labelled with one of 46 topics. Each newswire
becomes a multi-hot row of 10,000 float32 columns. The network is Dense(64, relu) ->
Dense(64, relu) -> Dense(46, softmax), trained with rmsprop on the cross-entropy.

1. Validation: the first 1,000 training newswires are held out; 20 epochs, batch 512.
   Book: the validation loss bottoms at epoch 8-9, then the model overfits.
2. A fresh model is trained 9 epochs on all 8,982 newswires and evaluated once on the
   test set. Book: test accuracy about 0.78 (0.777-0.782), against about 0.19 for a
   random classifier (the test labels shuffled and compared with themselves).
3. `--bottleneck`: a second run squeezes 46 classes through a 4-unit layer (64 -> 4 ->
   46, batch 128 as in the book) on the same hold-out. Book: validation accuracy peaks
   at about 0.71-0.73, several points below the 64-64 model's.

The book one-hot encodes the labels for `categorical_crossentropy`; we keep integer
labels and `sparse_categorical_crossentropy`, the same loss on the same numbers.

Run it:

    make recipe NAME=reuters
    make recipe NAME=reuters ARGS="--bottleneck"
    make recipe NAME=reuters ARGS="--quick"      # a slice (generated data without reuters.npz)
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from keras_dl import build_dense_model
from keras_dl.datasets import (
    DatasetUnavailableError,
    decode_sequence,
    is_cached,
    load_reuters,
    load_word_index,
    multi_hot,
)
from keras_dl.recipe import (
    QUICK_EPOCHS,
    BookFigure,
    Result,
    finish_recipe,
    overlay_runs,
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

BOOK = BookFigure("test accuracy", (0.777, 0.782), "Reuters", "ch. 4.2")
BOOK_BOTTLENECK = BookFigure("peak val accuracy", (0.71, 0.73), "Reuters", "ch. 4.2")
BOOK_BEST_EPOCH = (8, 9)  # where the book's validation loss bottoms
BOOK_SHUFFLED_BASELINE = 0.19
NUM_WORDS = 10000
NUM_CLASSES = 46
BOTTLENECK_BATCH = 128  # the book trains the bottleneck model with batch 128
QUICK_TRAIN, QUICK_TEST, QUICK_VAL = 1000, 500, 300
ALTERNATIVE = "run with --quick to smoke-test on generated data of the same shape"


def load_data(
    *, quick: bool, seed: int
) -> tuple[str, tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Return (dataset name, (train sequences, labels), (test sequences, labels))."""
    if quick and not is_cached("reuters"):
        # No reuters.npz here: generated word-index sequences in Keras' format, 46 topics.
        train, test = synthetic_sequences(
            QUICK_TRAIN, QUICK_TEST, num_classes=NUM_CLASSES, num_words=NUM_WORDS, seed=seed
        )
        return "synthetic-reuters", train, test
    train, test = load_reuters(NUM_WORDS, alternative=ALTERNATIVE)
    if quick:
        train = (train[0][:QUICK_TRAIN], train[1][:QUICK_TRAIN])
        test = (test[0][:QUICK_TEST], test[1][:QUICK_TEST])
    return "Reuters", train, test


def show_first_newswire(sequences: np.ndarray) -> None:
    """Print the first newswire decoded with Reuters' word index, when it can be had."""
    try:
        word_index = load_word_index("reuters")
    except DatasetUnavailableError as err:
        print(f"(not decoding a newswire: {str(err).splitlines()[0]})")
        return
    # Indices 0, 1 and 2 are padding, start and out-of-vocabulary: they decode to "?".
    print("first training newswire:", decode_sequence(sequences[0][:40], word_index), "...")


def build_model(hidden_units: tuple[int, ...], name: str) -> keras.Model:
    """Dense(relu) layers -> Dense(46, softmax); rmsprop, sparse categorical cross-entropy."""
    return build_dense_model(
        NUM_WORDS,
        "multiclass",
        num_classes=NUM_CLASSES,
        hidden_units=hidden_units,
        optimizer="rmsprop",
        name=name,
    )


def shuffled_label_accuracy(labels: np.ndarray, seed: int) -> float:
    """Accuracy of a random classifier: the labels against a random permutation of
    themselves (the book's baseline, about 0.19 on Reuters' unbalanced topics)."""
    shuffled = np.random.default_rng(seed).permutation(labels)
    return float(np.mean(labels == shuffled))


def peak(values: Sequence[float]) -> dict:
    """The best (highest) value of a per-epoch curve, its epoch (from 1) and the last value."""
    index = int(np.argmax(values))
    return {"peak": float(values[index]), "peak_epoch": index + 1, "final": float(values[-1])}


def build_parser() -> argparse.ArgumentParser:
    """The shared recipe flags plus the hold-out size, the retraining length and
    --bottleneck."""
    parser = recipe_parser(__doc__, epochs=20, batch_size=512)
    parser.add_argument(
        "--val-samples",
        type=positive_int,
        default=1000,
        help="training newswires held out (the first ones) for validation (default: %(default)s)",
    )
    parser.add_argument(
        "--retrain-epochs",
        type=positive_int,
        default=9,
        help="epochs of the final model on all training data (default: %(default)s)",
    )
    parser.add_argument(
        "--bottleneck",
        action="store_true",
        help="also train the 64-4-46 bottleneck model on the same hold-out (a second run)",
    )
    return parser


@recipe_main
def main(argv: list[str] | None = None) -> int:
    """Run the recipe from the command line; returns the exit status."""
    args = parse_recipe_args(build_parser(), argv)
    if args.quick:
        args.val_samples = min(args.val_samples, QUICK_VAL)
        args.retrain_epochs = min(args.retrain_epochs, QUICK_EPOCHS)

    dataset, (train_sequences, y_train), (test_sequences, y_test) = load_data(
        quick=args.quick, seed=args.seed
    )
    print(f"{dataset}: train {len(train_sequences)}, test {len(test_sequences)} newswires")
    if dataset == "Reuters":
        show_first_newswire(train_sequences)
    # Multi-hot: column i is 1 when word index i occurs in the newswire.
    x_train = multi_hot(train_sequences, NUM_WORDS)
    x_test = multi_hot(test_sequences, NUM_WORDS)
    if args.val_samples >= len(x_train):
        raise SystemExit(
            f"error: --val-samples {args.val_samples}: expected fewer than the "
            f"{len(x_train)} training newswires"
        )
    partial_train, val = hold_out_first(x_train, y_train, args.val_samples)

    with start_recipe("reuters", args, dataset=dataset) as main_run:
        # 1. Watch the validation loss to find where overfitting begins.
        model = build_model((64, 64), "reuters_64_64")
        history = model.fit(
            *partial_train, validation_data=val, epochs=args.epochs, batch_size=args.batch_size
        )
        val_accuracy = peak(history.history["val_accuracy"])
        bottom = int(np.argmin(history.history["val_loss"])) + 1
        low, high = BOOK_BEST_EPOCH
        print(f"val_loss is lowest at epoch {bottom} (book: epoch {low}-{high})")

        # 2. A fresh model, trained on all training newswires for the chosen number of
        #    epochs, then evaluated once on the test set.
        final_model = build_model((64, 64), "reuters_final")
        final_model.fit(x_train, y_train, epochs=args.retrain_epochs, batch_size=args.batch_size)
        test_metrics = final_model.evaluate(x_test, y_test, return_dict=True, verbose=0)
        baseline = shuffled_label_accuracy(y_test, args.seed)
        print(
            f"test accuracy {test_metrics['accuracy']:.4f} vs shuffled-label baseline "
            f"{baseline:.4f} (book: about {BOOK_SHUFFLED_BASELINE})"
        )

        result = Result("test accuracy", test_metrics["accuracy"], dataset, BOOK)
        finish_recipe(
            main_run,
            args,
            history=history.history,
            metrics={
                "test": test_metrics,
                "test_accuracy": test_metrics["accuracy"],
                "shuffled_label_baseline": baseline,
                "val_accuracy": val_accuracy,
                "retrain_epochs": args.retrain_epochs,
                "sizes": {
                    "train": len(partial_train[0]),
                    "val": len(val[0]),
                    "retrain": len(x_train),
                    "test": len(x_test),
                },
                "book": {
                    "best_epoch": BOOK_BEST_EPOCH,
                    "test_accuracy": BOOK.value,
                    "shuffled_label_baseline": BOOK_SHUFFLED_BASELINE,
                },
            },
            result=result,
            title=f"reuters: 64-64-46 on {dataset}, first {len(val[0])} held out",
        )

    if not args.bottleneck:
        return 0

    # 3. The bottleneck: 46 classes squeezed through 4 units lose information. So few
    #    ReLU units are fragile: one that dies leaves 3, and the peak varies by several
    #    points from seed to seed.
    with start_recipe("reuters", args, dataset=dataset, variant="bottleneck") as bottleneck_run:
        model = build_model((64, 4), "reuters_64_4")
        history = model.fit(
            *partial_train, validation_data=val, epochs=args.epochs, batch_size=BOTTLENECK_BATCH
        )
        bottleneck_accuracy = peak(history.history["val_accuracy"])
        finish_recipe(
            bottleneck_run,
            args,
            history=history.history,
            metrics={
                "val_accuracy": bottleneck_accuracy,
                "reference_64_64_val_accuracy": val_accuracy,
                "peak_val_accuracy_drop": val_accuracy["peak"] - bottleneck_accuracy["peak"],
                "batch_size": BOTTLENECK_BATCH,
                "book": {"peak_val_accuracy": BOOK_BOTTLENECK.value},
            },
            result=Result(
                "peak val accuracy", bottleneck_accuracy["peak"], dataset, BOOK_BOTTLENECK
            ),
            title=f"reuters: 64-4-46 bottleneck on {dataset}",
        )
    overlay_runs("reuters", [main_run, bottleneck_run], args, metric="val_accuracy")
    print(result.line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
