"""Overfitting on IMDB: network size, L2 regularization and dropout (ch. 5.4)

Deep Learning with Python, ch. 5.4.1 "Reducing the network's size", 5.4.2 "Adding weight
regularization" and 5.4.3 "Adding dropout".

The IMDB reviews as multi-hot rows of the 10,000 most frequent words; the book's
classifier Dense(16, relu) -> Dense(16, relu) -> Dense(1, sigmoid), rmsprop, binary
cross-entropy, 20 epochs of batch 512, the last 40% of the 25,000 training reviews held
out (`validation_split=0.4`). Five variants, each a run of its own:

  variant   change                                   book: validation loss
  original  16 - 16                                  bottoms at epoch 3
  smaller   4 - 4                                    bottoms at epoch 8, rises slowly
  bigger    512 - 512                                bottoms at epoch 1, then climbs fast
  l2        16 - 16, L2(0.002) on both kernels       minimum 0.36 at epoch 5, grows slowly
  dropout   16 - 16, Dropout(0.5) after each layer   minimum 0.275 at epoch 7

What it shows: the more capacity, the sooner (and the faster) the model overfits; L2 and
dropout delay overfitting and keep the validation loss from climbing. The recipe ends
with the val_loss overlay of the runs (`compare`) and where each one bottoms. L2's loss
includes its penalty, on training and validation data alike, as in the book's figure.

Data:
  --dataset imdb            keras.datasets.imdb.load_data(num_words=10000), as the book.
                            Needs imdb.npz: offline without it the recipe says where to
                            put the file and exits with status 2.
  --dataset synthetic-imdb  2,000 generated reviews of the same format (keras_dl.synthetic),
                            about 30 words long, so that the class words give a weak, noisy
                            signal a network can overfit. Its numbers say nothing about IMDB
                            (they are labelled synthetic-imdb). With 1,200 training reviews,
                            batch 512 makes only 3 steps an epoch and nothing overfits in 20
                            epochs: use --batch-size 64 to see the shapes (the bigger model
                            bottoms first, the smaller one last, L2 and dropout later than
                            the original).
  --quick                   at most 2 epochs on 500 reviews (generated without imdb.npz).

Run it:

    make recipe NAME=overfitting
    make recipe NAME=overfitting ARGS="--variant bigger"
    make recipe NAME=overfitting ARGS="--dataset synthetic-imdb --batch-size 64"
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from keras_dl import build_dense_model
from keras_dl.datasets import is_cached, load_imdb, multi_hot
from keras_dl.recipe import (
    BookFigure,
    Result,
    finish_recipe,
    overlay_runs,
    parse_recipe_args,
    recipe_main,
    recipe_parser,
    start_recipe,
)
from keras_dl.synthetic import synthetic_sequences

if TYPE_CHECKING:
    from keras_dl.runs import Run

NAME = "overfitting"
SOURCE = "ch. 5.4"
NUM_WORDS = 10000
VALIDATION_SPLIT = 0.4
SYNTHETIC_REVIEWS = 2000
SYNTHETIC_MEAN_LENGTH = 30  # words per generated review
QUICK_REVIEWS = 500
ALTERNATIVE = (
    "run with --quick or --dataset synthetic-imdb to run on generated reviews of the same format"
)


def split_sizes(n: int) -> dict[str, int]:
    """Training and validation samples of `validation_split`, counted as Keras does."""
    train = math.floor(n * (1.0 - VALIDATION_SPLIT))
    return {"train": train, "val": n - train}


HEADLINES = {"best_epoch": "val_loss minimum epoch", "best_val_loss": "minimum val_loss"}


@dataclass(frozen=True)
class Variant:
    """One run of the section: the hidden layers and their regularization."""

    name: str
    change: str
    book: dict  # the book's figures by metrics.json key, e.g. {"best_epoch": 3}
    headline: str = "best_epoch"  # the key printed beside the book's
    hidden_units: tuple[int, ...] = (16, 16)
    l2: float = 0.0
    dropout: float = 0.0

    def book_figure(self) -> BookFigure:
        """The book's headline figure for this variant."""
        return BookFigure(HEADLINES[self.headline], self.book[self.headline], "IMDB", SOURCE)


VARIANTS = (
    Variant("original", "16 - 16", {"best_epoch": 3}),
    Variant("smaller", "4 - 4", {"best_epoch": 8}, hidden_units=(4, 4)),
    Variant("bigger", "512 - 512", {"best_epoch": 1}, hidden_units=(512, 512)),
    Variant(
        "l2", "16 - 16, L2(0.002)", {"best_val_loss": 0.36, "best_epoch": 5},
        headline="best_val_loss", l2=0.002,
    ),
    Variant(
        "dropout", "16 - 16, Dropout(0.5)", {"best_val_loss": 0.275, "best_epoch": 7},
        headline="best_val_loss", dropout=0.5,
    ),
)  # fmt: skip


def select_variants(choice: str) -> list[Variant]:
    """The variants named by --variant: all of them or one."""
    return [v for v in VARIANTS if choice in ("all", v.name)]


def load_reviews(dataset: str, *, quick: bool, seed: int) -> tuple[str, np.ndarray, np.ndarray]:
    """Return (dataset name, x, y): training reviews as multi-hot float32 rows, 0/1 labels.

    Only training reviews are needed: the section validates on the last 40% of them.
    """
    if dataset == "imdb" and (not quick or is_cached("imdb")):
        (sequences, labels), _ = load_imdb(NUM_WORDS, alternative=ALTERNATIVE)
        name = "IMDB"
    else:
        # Generated reviews in Keras' format: word ranks + 3, start 1, out-of-vocabulary 2.
        count = QUICK_REVIEWS if quick else SYNTHETIC_REVIEWS
        (sequences, labels), _ = synthetic_sequences(
            count, 1, num_words=NUM_WORDS, mean_length=SYNTHETIC_MEAN_LENGTH, seed=seed
        )
        name = "synthetic-imdb"
    if quick:
        sequences, labels = sequences[:QUICK_REVIEWS], labels[:QUICK_REVIEWS]
    # float32 keeps the 25,000 x 10,000 matrix at 1 GB.
    return name, multi_hot(sequences, NUM_WORDS), np.asarray(labels, dtype="float32")


def train(
    variant: Variant, x: np.ndarray, y: np.ndarray, epochs: int, batch_size: int
) -> dict[str, list[float]]:
    """Build the variant's model and fit it with the book's validation split."""
    model = build_dense_model(
        NUM_WORDS,
        "binary",
        hidden_units=variant.hidden_units,
        l2=variant.l2,
        dropout=variant.dropout,
        optimizer="rmsprop",
        name=f"imdb_{variant.name}",
    )
    history = model.fit(
        x, y, epochs=epochs, batch_size=batch_size, validation_split=VALIDATION_SPLIT, verbose=2
    )
    return history.history


def curve_summary(history: dict) -> dict:
    """Where the validation loss bottoms and how far it climbs back afterwards."""
    val_loss = np.asarray(history["val_loss"])
    best = int(np.argmin(val_loss))
    return {
        "best_epoch": best + 1,
        "best_val_loss": float(val_loss[best]),
        "final_val_loss": float(val_loss[-1]),
        "val_loss_rise_after_best": float(val_loss[-1] - val_loss[best]),
        "final_accuracy": float(history["accuracy"][-1]),
        "final_val_accuracy": float(history["val_accuracy"][-1]),
        "max_val_accuracy": float(np.max(history["val_accuracy"])),
    }


def run_variant(
    variant: Variant, args: argparse.Namespace, dataset: str, x: np.ndarray, y: np.ndarray
) -> tuple[Run, dict, Result]:
    """Train one variant as a run of its own; return (run, metrics, result)."""
    with start_recipe(NAME, args, dataset=dataset, variant=variant.name) as run:
        print(f"{variant.name}: {variant.change}")
        history = train(variant, x, y, args.epochs, args.batch_size)
        metrics = {
            "variant": variant.name,
            "change": variant.change,
            "epochs": args.epochs,
            "sizes": split_sizes(len(x)),
            **curve_summary(history),
            "book": {**variant.book, "dataset": "IMDB", "source": SOURCE},
        }
        book = variant.book_figure()
        result = Result(
            f"{book.metric} ({variant.name})",
            metrics[variant.headline],
            dataset,
            book,
            digits=0 if variant.headline == "best_epoch" else 4,  # an epoch is a whole number
        )
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
    """One line per run: where its validation loss bottoms, beside the book."""
    print(f"\nwhere the validation loss bottoms on {dataset} (book: IMDB)")
    print(f"{'variant':<9} {'best_ep':>7} {'min_val_loss':>12} {'final':>7} {'val_acc':>7}  book")
    for variant, m in rows:
        book = ", ".join(f"{k} {v:g}" for k, v in variant.book.items())
        print(
            f"{variant.name:<9} {m['best_epoch']:>7} {m['best_val_loss']:>12.4f} "
            f"{m['final_val_loss']:>7.4f} {m['final_val_accuracy']:>7.4f}  {book}"
        )


def build_parser() -> argparse.ArgumentParser:
    """The shared recipe flags plus --dataset and --variant."""
    parser = recipe_parser(__doc__, epochs=20, batch_size=512)
    parser.add_argument(
        "--dataset",
        choices=("imdb", "synthetic-imdb"),
        default="imdb",
        help="imdb: keras.datasets.imdb; synthetic-imdb: generated reviews of the same "
        "format (default: %(default)s)",
    )
    parser.add_argument(
        "--variant",
        choices=("all", *(v.name for v in VARIANTS)),
        default="all",
        help="all five runs (and their overlay), or one (default: %(default)s)",
    )
    return parser


@recipe_main
def main(argv: list[str] | None = None) -> int:
    """Run the recipe from the command line; returns the exit status."""
    args = parse_recipe_args(build_parser(), argv)
    variants = select_variants(args.variant)
    dataset, x, y = load_reviews(args.dataset, quick=args.quick, seed=args.seed)
    sizes = split_sizes(len(x))
    print(f"{dataset}: {len(x)} training reviews; the last {sizes['val']} validate")

    rows, runs, results = [], [], []
    for variant in variants:
        run, metrics, result = run_variant(variant, args, dataset, x, y)
        rows.append((variant, metrics))
        runs.append(run)
        results.append(result)

    if len(runs) > 1:
        print("\nval_loss across the runs")
        overlay_runs(NAME, runs, args, metric="val_loss")
    print_summary(rows, dataset)
    print(results[0].line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
