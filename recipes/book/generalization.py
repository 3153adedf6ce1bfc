"""Generalization: noise channels, shuffled labels, learning rate and capacity (ch. 5)

Deep Learning with Python, ch. 5.1-5.3 ("Generalization: The goal of machine learning",
"Evaluating machine learning models", "Improving model fit").

Every experiment trains the book's MNIST network, Dense(512, relu) -> Dense(10, softmax)
with rmsprop, batch 128, and holds out the last 20% of the training images
(`validation_split=0.2`). Each variant is a run of its own; an experiment's runs are
overlaid with `compare` on the metric the book plots.

  experiment  variant          change                                book (MNIST)
  noise       noise-channels   append 784 U(0, 1) features, 10 ep.   final val_acc 0.970
              zero-channels    append 784 zeros, 10 epochs           final val_acc 0.981
  labels      shuffled-labels  train labels shuffled, 100 epochs     train acc climbs to 0.84,
                                                                     val_acc stays 0.10
  lr          lr-1.0           RMSprop(learning_rate=1.0), 10 ep.    val_acc about 0.3
              lr-0.01          RMSprop(learning_rate=1e-2), 10 ep.   val_acc about 0.97
  capacity    dense-10         Dense(10, softmax) only, 20 epochs    val_acc 0.93, val_loss flat
              dense-96-96      96 - 96 - 10, 20 epochs               val_loss bottoms at epoch 7,
                                                                     val_acc 0.976

What it shows: meaningless input features cost accuracy even when the model could learn
to ignore them (noise); a network can memorize labels that carry no information, so a
falling training loss proves nothing (labels); a learning rate 100 times too large keeps
the model from fitting at all (lr); a model too small to overfit plateaus, a larger one
fits better and then overfits (capacity). The overlays are val_accuracy for noise and lr,
val_loss for capacity; the labels experiment is one run, whose curves.png is the book's
figure (training accuracy climbs, validation accuracy stays at chance).

Data:
  --dataset mnist   keras.datasets.mnist as in the book (60,000 training images; (n, 784)
                    float32 / 255). Needs mnist.npz: offline without it the recipe says
                    where to put the file and exits with status 2.
  --dataset digits  scikit-learn's 8x8 digits (1,797 images, 64 pixels / 16, shuffled
                    with --seed); 64 noise or zero features are appended instead of 784.
                    A small, easy cousin of MNIST: its numbers are not the book's.
  --quick           at most 2 epochs on 600 images: a digits slice, or generated
                    synthetic-mnist when mnist.npz is absent.

On digits the noise, labels and lr shapes hold (RMSprop(1.0)'s accuracy varies widely
with the seed). The capacity shapes need more steps than digits gives in 20 epochs (12
steps an epoch, MNIST's 375): neither model is done learning at epoch 20; with
`--variant capacity --epochs 150` Dense(10) levels off and 96-96 bottoms, then stays flat.

Run it:

    make recipe NAME=generalization                           # all experiments, MNIST
    make recipe NAME=generalization ARGS="--dataset digits"   # all experiments, digits
    make recipe NAME=generalization ARGS="--dataset digits --variant noise"
    make recipe NAME=generalization ARGS="--dataset digits --variant lr-1.0 --seed 1"
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from sklearn.datasets import load_digits

from keras_dl import build_dense_model
from keras_dl.datasets import flatten_images, is_cached, load_mnist
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
from keras_dl.synthetic import synthetic_mnist

if TYPE_CHECKING:
    from keras_dl.runs import Run

NAME = "generalization"
SOURCE = "ch. 5"
VALIDATION_SPLIT = 0.2
QUICK_SAMPLES = 600
MNIST_ALTERNATIVE = "run with --dataset digits (embedded in scikit-learn, no download)"


def split_sizes(n: int) -> dict[str, int]:
    """Training and validation samples of `validation_split`, counted as Keras does."""
    train = math.floor(n * (1.0 - VALIDATION_SPLIT))
    return {"train": train, "val": n - train}


HEADLINES = {
    "final_val_accuracy": "final val accuracy",
    "final_accuracy": "final training accuracy",
}


@dataclass(frozen=True)
class Variant:
    """One run of the chapter: what changes from the base model, and the book's figures."""

    name: str
    experiment: str
    change: str
    epochs: int
    book: dict  # the book's figures by metrics.json key, e.g. {"final_val_accuracy": 0.97}
    headline: str = "final_val_accuracy"  # the key printed beside the book's
    hidden_units: tuple[int, ...] = (512,)
    learning_rate: float | None = None  # RMSprop's; None keeps Keras' default (1e-3)
    extra_channels: str = ""  # "noise" or "zeros": features appended to each image
    shuffle_labels: bool = False

    def book_figure(self) -> BookFigure:
        """The book's headline figure for this variant."""
        return BookFigure(HEADLINES[self.headline], self.book[self.headline], "MNIST", SOURCE)


VARIANTS = (
    Variant(
        "noise-channels", "noise", "append U(0, 1) noise features", 10,
        {"final_val_accuracy": 0.970}, extra_channels="noise",
    ),
    Variant(
        "zero-channels", "noise", "append all-zero features", 10,
        {"final_val_accuracy": 0.981}, extra_channels="zeros",
    ),
    Variant(
        "shuffled-labels", "labels", "train labels shuffled", 100,
        {"final_accuracy": 0.84, "final_val_accuracy": 0.10}, headline="final_accuracy",
        shuffle_labels=True,
    ),
    Variant(
        "lr-1.0", "lr", "RMSprop(learning_rate=1.0)", 10,
        {"final_val_accuracy": 0.3}, learning_rate=1.0,
    ),
    Variant(
        "lr-0.01", "lr", "RMSprop(learning_rate=1e-2)", 10,
        {"final_val_accuracy": 0.97}, learning_rate=1e-2,
    ),
    Variant(
        "dense-10", "capacity", "Dense(10, softmax) only", 20,
        {"final_val_accuracy": 0.93}, hidden_units=(),
    ),
    Variant(
        "dense-96-96", "capacity", "Dense(96) -> Dense(96) -> Dense(10)", 20,
        {"final_val_accuracy": 0.976, "best_epoch": 7}, hidden_units=(96, 96),
    ),
)  # fmt: skip
EXPERIMENTS = {  # experiment -> the metric its overlay compares
    "noise": "val_accuracy",
    "labels": None,  # one run: its curves.png (accuracy vs val_accuracy) is the figure
    "lr": "val_accuracy",
    "capacity": "val_loss",
}


def select_variants(choice: str) -> list[Variant]:
    """The variants named by --variant: all, one experiment, or one variant."""
    if choice == "all":
        return list(VARIANTS)
    return [v for v in VARIANTS if choice in (v.name, v.experiment)]


def load_images(dataset: str, *, quick: bool, seed: int) -> tuple[str, np.ndarray, np.ndarray]:
    """Return (dataset name, x, y): training images as float32 rows in [0, 1], labels.

    Only training images are needed: ch. 5 validates on the last 20% of them.
    """
    if dataset == "digits":
        images, labels = load_digits(return_X_y=True)
        # Shuffle once (load_digits lists the images in a fixed order, and validation_split
        # takes the last 20%), then scale 0..16 -> [0, 1] as the book scales MNIST's 0..255.
        order = np.random.default_rng(seed).permutation(len(images))
        x, y = (images[order] / 16).astype("float32"), labels[order]
        name = "digits"
    elif quick and not is_cached("mnist"):
        # No mnist.npz here: smoke-test the MNIST code path on generated 28x28 images.
        (train_images, y), _ = synthetic_mnist(QUICK_SAMPLES, seed=seed)
        x, name = flatten_images(train_images), "synthetic-mnist"
    else:
        (x, y), _ = load_mnist(alternative=MNIST_ALTERNATIVE)
        name = "MNIST"
    if quick:
        x, y = x[:QUICK_SAMPLES], y[:QUICK_SAMPLES]
    return name, x, y


def prepare(
    variant: Variant, x: np.ndarray, y: np.ndarray, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Apply the variant's change to the data: extra channels or shuffled labels."""
    rng = np.random.default_rng(seed)
    if variant.extra_channels == "noise":
        x = np.concatenate([x, rng.random(x.shape, dtype=np.float32)], axis=1)
    elif variant.extra_channels == "zeros":
        x = np.concatenate([x, np.zeros_like(x)], axis=1)
    if variant.shuffle_labels:
        # As the book: all training labels are shuffled, so the validation labels are too.
        y = rng.permutation(y)
    return x, y


def train(
    variant: Variant, x: np.ndarray, y: np.ndarray, epochs: int, batch_size: int
) -> dict[str, list[float]]:
    """Build the variant's model and fit it with the book's validation split."""
    model = build_dense_model(
        x.shape[1],
        "multiclass",
        num_classes=10,
        hidden_units=variant.hidden_units,
        optimizer="rmsprop",
        learning_rate=variant.learning_rate,
        name=variant.name.replace("-", "_").replace(".", "_"),
    )
    history = model.fit(
        x, y, epochs=epochs, batch_size=batch_size, validation_split=VALIDATION_SPLIT, verbose=2
    )
    return history.history


def curve_summary(history: dict) -> dict:
    """The per-run numbers the book's claims are about."""
    val_loss = np.asarray(history["val_loss"])
    val_accuracy = np.asarray(history["val_accuracy"])
    last = min(5, len(val_loss) - 1)
    best = int(np.argmin(val_loss))
    return {
        "best_epoch": best + 1,
        "best_val_loss": float(val_loss[best]),
        "final_accuracy": float(history["accuracy"][-1]),
        "final_val_accuracy": float(val_accuracy[-1]),
        "max_val_accuracy": float(val_accuracy.max()),
        "final_val_loss": float(val_loss[-1]),
        # How far val_loss climbed back from its minimum (overfitting) ...
        "val_loss_rise_after_best": float(val_loss[-1] - val_loss.min()),
        # ... and how much it still fell over the last epochs (a plateau when near 0).
        "val_loss_drop_last_5_epochs": float(val_loss[-1 - last] - val_loss[-1]),
    }


def run_variant(
    variant: Variant, args: argparse.Namespace, dataset: str, x: np.ndarray, y: np.ndarray
) -> tuple[Run, dict, Result]:
    """Train one variant as a run of its own; return (run, metrics, result)."""
    epochs = args.epochs or variant.epochs
    if args.quick:
        epochs = min(epochs, QUICK_EPOCHS)
    x, y = prepare(variant, x, y, args.seed)
    with start_recipe(NAME, args, dataset=dataset, variant=variant.name) as run:
        print(f"{variant.name}: {variant.change}; {x.shape[1]} input features, {epochs} epochs")
        history = train(variant, x, y, epochs, args.batch_size)
        metrics = {
            "experiment": variant.experiment,
            "variant": variant.name,
            "change": variant.change,
            "epochs": epochs,
            "input_features": int(x.shape[1]),
            "sizes": split_sizes(len(x)),
            **curve_summary(history),
            "book": {**variant.book, "dataset": "MNIST", "source": SOURCE},
        }
        book = variant.book_figure()
        metric = f"{book.metric} ({variant.name})"
        result = Result(metric, metrics[variant.headline], dataset, book)
        finish_recipe(
            run,
            args,
            history=history,
            metrics=metrics,
            result=result,
            title=f"{NAME} {variant.name}: {variant.change} ({dataset})",
        )
    return run, metrics, result


def print_summary(rows: list[tuple[Variant, dict]], dataset: str) -> None:
    """One line per run: our final accuracies and best epoch beside the book's figures."""
    print(f"\nsummary on {dataset} (book: MNIST)")
    print(f"{'variant':<16} {'epochs':>6} {'acc':>7} {'val_acc':>8} {'best_ep':>8}  book")
    for variant, m in rows:
        book = ", ".join(f"{k} {v:g}" for k, v in variant.book.items())
        print(
            f"{variant.name:<16} {m['epochs']:>6} {m['final_accuracy']:>7.4f} "
            f"{m['final_val_accuracy']:>8.4f} {m['best_epoch']:>8}  {book}"
        )


def build_parser() -> argparse.ArgumentParser:
    """The shared recipe flags plus --dataset, --variant and a per-variant --epochs."""
    parser = recipe_parser(__doc__, batch_size=128)
    parser.add_argument(
        "--dataset",
        choices=("mnist", "digits"),
        default="mnist",
        help="mnist: keras.datasets.mnist; digits: scikit-learn's 8x8 digits "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--variant",
        choices=("all", *EXPERIMENTS, *(v.name for v in VARIANTS)),
        default="all",
        help="all runs, one experiment's runs, or one run (default: %(default)s)",
    )
    parser.add_argument(
        "--epochs",
        type=positive_int,
        default=None,
        help="epochs of every selected run (default: the book's, per variant)",
    )
    return parser


@recipe_main
def main(argv: list[str] | None = None) -> int:
    """Run the recipe from the command line; returns the exit status."""
    args = parse_recipe_args(build_parser(), argv)
    variants = select_variants(args.variant)
    dataset, x, y = load_images(args.dataset, quick=args.quick, seed=args.seed)
    print(f"{dataset}: {len(x)} training images of {x.shape[1]} features")

    rows, runs, results = [], {}, []
    for variant in variants:
        run, metrics, result = run_variant(variant, args, dataset, x, y)
        rows.append((variant, metrics))
        runs.setdefault(variant.experiment, []).append(run)
        results.append(result)

    for experiment, experiment_runs in runs.items():
        if len(experiment_runs) > 1:  # one run has nothing to be compared with
            print(f"\n{experiment}: {EXPERIMENTS[experiment]} across its runs")
            # The experiment's name goes into the overlay's file name (through its tag).
            tag = "-".join(part for part in (args.tag, experiment) if part)
            overlay_args = argparse.Namespace(**{**vars(args), "tag": tag})
            overlay_runs(NAME, experiment_runs, overlay_args, metric=EXPERIMENTS[experiment])
    print_summary(rows, dataset)
    print(results[0].line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
