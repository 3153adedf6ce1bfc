"""Your first neural network, Dense(512) -> Dense(10), on handwritten digits (ch. 2)

Deep Learning with Python, ch. 2.1 "A first look at a neural network".

The book trains Dense(512, relu) -> Dense(10, softmax) on MNIST with rmsprop, 5 epochs
of batch 128, and reports test accuracy 0.978. This recipe builds the same network with
`keras_dl.build_dense_model` and trains it on

  --dataset digits  (default) scikit-learn's bundled 8x8 digits: 1,797 images, no
                    download. Split 70/15/15, stratified, standardized with the training
                    statistics. Expect about 0.96: a small, coarse cousin of MNIST, so
                    its number is not the book's.
  --dataset mnist   keras.datasets.mnist exactly as the book: all 60,000 training images
                    (ch. 2 holds none out), 10,000 test images, 784 pixels / 255.

Run it:

    make recipe NAME=digits
    make recipe NAME=digits ARGS="--dataset mnist"
    python -m keras_dl run digits --epochs 10 --seed 1 --tag longer
"""

import argparse

import numpy as np
from sklearn.datasets import load_digits

from keras_dl import build_dense_model, train_val_test_split
from keras_dl.datasets import flatten_images, is_cached, load_mnist
from keras_dl.recipe import (
    BookFigure,
    Result,
    finish_recipe,
    parse_recipe_args,
    recipe_main,
    recipe_parser,
    start_recipe,
)
from keras_dl.synthetic import synthetic_mnist

BOOK = BookFigure("test accuracy", 0.978, "MNIST", "ch. 2.1")
QUICK_SAMPLES = 600
MNIST_ALTERNATIVE = "run with --dataset digits (embedded in scikit-learn, no download)"


def load_data(
    dataset: str, *, quick: bool, seed: int
) -> tuple[
    str,
    tuple[np.ndarray, np.ndarray],
    tuple[np.ndarray, np.ndarray] | None,
    tuple[np.ndarray, np.ndarray],
]:
    """Return (dataset name, train, val, test), each part an (x, y) pair; val may be None."""
    if dataset == "digits":
        images, labels = load_digits(return_X_y=True)
        if quick:
            images, labels = images[:QUICK_SAMPLES], labels[:QUICK_SAMPLES]
        split = train_val_test_split(images.astype("float32"), labels, seed=seed, standardize=True)
        print(f"digits split: {split}")
        return "digits", split.train, split.val, split.test

    if quick and not is_cached("mnist"):
        # No mnist.npz here: smoke-test the MNIST code path on generated 28x28 images.
        (x_train, y_train), (x_test, y_test) = synthetic_mnist(seed=seed)
        dataset_name = "synthetic-mnist"
        train, test = (flatten_images(x_train), y_train), (flatten_images(x_test), y_test)
    else:
        # (60000, 784) and (10000, 784) float32 in [0, 1], as in the book.
        train, test = load_mnist(alternative=MNIST_ALTERNATIVE)
        dataset_name = "MNIST"
        if quick:
            train = (train[0][:QUICK_SAMPLES], train[1][:QUICK_SAMPLES])
            test = (test[0][:QUICK_SAMPLES], test[1][:QUICK_SAMPLES])
    print(f"{dataset_name}: train {len(train[0])}, test {len(test[0])} (ch. 2 holds none out)")
    return dataset_name, train, None, test


def build_parser(default_dataset: str = "digits", doc: str = __doc__) -> argparse.ArgumentParser:
    """The shared recipe flags plus --dataset."""
    parser = recipe_parser(doc, epochs=5, batch_size=128)
    parser.add_argument(
        "--dataset",
        choices=("digits", "mnist"),
        default=default_dataset,
        help="digits: scikit-learn's 8x8 digits; mnist: keras.datasets.mnist "
        "(default: %(default)s)",
    )
    return parser


def run(name: str, args: argparse.Namespace) -> int:
    """Train and evaluate the first network; write the run record under args.out/name."""
    dataset, train, val, test = load_data(args.dataset, quick=args.quick, seed=args.seed)

    with start_recipe(name, args, dataset=dataset) as run_record:
        # Dense(512, relu) -> Dense(10, softmax), rmsprop, sparse categorical cross-entropy.
        model = build_dense_model(
            train[0].shape[1],
            "multiclass",
            num_classes=10,
            hidden_units=(512,),
            optimizer="rmsprop",
            name="first_network",
        )
        history = model.fit(
            *train,
            validation_data=val,
            epochs=args.epochs,
            batch_size=args.batch_size,
        )
        test_metrics = model.evaluate(*test, return_dict=True, verbose=0)

        finish_recipe(
            run_record,
            args,
            history=history.history,
            metrics={"test": test_metrics, "sizes": {"train": len(train[0]), "test": len(test[0])}},
            result=Result("test accuracy", test_metrics["accuracy"], dataset, BOOK),
            title=f"{name}: Dense(512) -> Dense(10) on {dataset}",
        )
    return 0


@recipe_main
def main(argv: list[str] | None = None) -> int:
    """Run the recipe from the command line; returns the exit status."""
    return run("digits", parse_recipe_args(build_parser(), argv))


if __name__ == "__main__":
    raise SystemExit(main())
