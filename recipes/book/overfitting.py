"""Overfitting on IMDB: network size, L2 regularization and dropout (ch. 5.4)

Deep Learning with Python, 2nd ed. ch. 5.4.4 "Regularizing your model": "Reducing the
network's size", "Adding weight regularization", "Adding dropout". The IMDB classifier
Dense(16) -> Dense(16) -> Dense(1, sigmoid) on multi-hot rows of the 10,000 most frequent
words, rmsprop, 20 epochs of batch 512, the last 40% of the 25,000 training reviews held
out. Five variants, each a run:

  variant   change                                   book: validation loss
  original  16 - 16                                  bottoms at epoch 3
  smaller   4 - 4                                    bottoms at epoch 8, rises slowly
  bigger    512 - 512                                bottoms at epoch 1, then climbs fast
  l2        16 - 16, L2(0.002) on both kernels       minimum 0.36 at epoch 5, grows slowly
  dropout   16 - 16, Dropout(0.5) after each layer   minimum 0.275 at epoch 7

The more capacity, the sooner (and faster) a model overfits; L2 and dropout delay it. L2's
loss includes its penalty, on training and validation data alike, as in the book's figure.

  --dataset imdb            keras.datasets.imdb as the book (needs imdb.npz).
  --dataset synthetic-imdb  2,000 generated reviews of about 30 words (keras_dl.synthetic):
                            a weak, noisy signal to overfit; its numbers say nothing of
                            IMDB. Batch 512 makes 3 steps an epoch and nothing overfits in
                            20 epochs: use --batch-size 64 to see the shapes.
  --quick                   at most 2 epochs on IMDB's first 1,000 reviews (generated
                            ones without imdb.npz), or on 500 generated with synthetic-imdb.

    make recipe NAME=overfitting ARGS="--variant bigger"
    make recipe NAME=overfitting ARGS="--dataset synthetic-imdb --batch-size 64"
"""

import functools
import math
from dataclasses import dataclass

import numpy as np

from keras_dl import build_dense_model, recipe
from keras_dl.datasets import Data, load_imdb, multi_hot
from keras_dl.synthetic import synthetic_sequences

NUM_WORDS = 10000
VALIDATION_SPLIT = 0.4
EPOCH = "val_loss minimum epoch"  # where the validation loss bottoms: overfitting begins
LOSS = "minimum val_loss"
book = functools.partial(recipe.BookFigure, dataset="IMDB", source="ch. 5.4")
EPOCH_READING, LOSS_READING = 2, 0.03  # the section's figures are read off its plots


def bottom_epoch(epoch: int):
    """Where the book's validation loss bottoms, read off its plot within 2 epochs."""
    return book(EPOCH, epoch, band=(max(1, epoch - EPOCH_READING), epoch + EPOCH_READING))


def lowest_loss(loss: float):
    """The book's lowest validation loss, read off its plot within 0.03."""
    return book(LOSS, loss, band=recipe.around(loss, LOSS_READING))


@dataclass(frozen=True)
class Variant:
    """One run of the section: its hidden layers, their regularization, the book's figures."""

    name: str
    change: str
    epoch: recipe.BookFigure  # where the book's validation loss bottoms
    loss: recipe.BookFigure | None = None  # its minimum, the headline where the book gives it
    hidden_units: tuple[int, ...] = (16, 16)
    l2: float = 0.0
    dropout: float = 0.0


# The bigger model overfits from the first epochs on (its band is the book's own words);
# the other epochs and losses are read off the section's plots.
VARIANTS = (
    Variant("original", "16 - 16", bottom_epoch(3)),
    Variant("smaller", "4 - 4", bottom_epoch(8), hidden_units=(4, 4)),
    Variant("bigger", "512 - 512", book(EPOCH, 1, band=(1, 2)), hidden_units=(512, 512)),
    Variant("l2", "16 - 16, L2(0.002)", bottom_epoch(5), lowest_loss(0.36), l2=0.002),
    Variant("dropout", "16 - 16, Dropout(0.5)", bottom_epoch(7), lowest_loss(0.275), dropout=0.5),
)


@recipe.command
def main(argv: list[str] | None = None) -> int:
    """Train each variant as a run of its own and compare where their val_loss bottoms."""
    parser = recipe.parser(__doc__, epochs=20, batch_size=512, datasets=("imdb", "synthetic-imdb"))
    parser.add_argument(
        "--variant",
        choices=("all", *(v.name for v in VARIANTS)),
        default="all",
        help="all five runs (and their overlay), or one (default: %(default)s)",
    )
    args = parser.parse_args(argv)

    # The data: only training reviews, as multi-hot rows (one column per word, 1 where the
    # review uses it); the section validates on the last 40% of them.
    data = load_reviews(args.dataset, quick=args.quick, seed=args.seed)
    x, y = multi_hot(data.train[0], NUM_WORDS), np.asarray(data.train[1], dtype="float32")
    sizes = split_sizes(len(x))
    print(f"{data.name}: {len(x)} training reviews; the last {sizes['val']} validate")

    runs, rows, results = [], [], []
    for variant in (v for v in VARIANTS if args.variant in ("all", v.name)):
        with recipe.start("overfitting", args, dataset=data.name, variant=variant.name) as run:
            print(f"{variant.name}: {variant.change}")
            # The same classifier each time; only its size and regularization change.
            model = build_dense_model(
                NUM_WORDS,
                "binary",
                hidden_units=variant.hidden_units,
                l2=variant.l2,
                dropout=variant.dropout,
                optimizer="rmsprop",
                name=f"imdb_{variant.name}",
            )
            history = run.fit(
                model,
                x,
                y,
                epochs=args.epochs,
                batch_size=args.batch_size,
                validation_split=VALIDATION_SPLIT,
                verbose=2,
            ).history

            # Where the validation loss bottoms is where the model starts to overfit: the
            # number to put beside the book's, after the minimum itself for L2 and dropout.
            curve = bottom_of(history)
            epoch = run.result(
                f"{EPOCH} ({variant.name})", curve["best_epoch"], variant.epoch, digits=0
            )
            headline, figures = epoch, []
            if variant.loss is not None:
                headline = run.result(
                    f"{LOSS} ({variant.name})", curve["best_val_loss"], variant.loss
                )
                figures = [epoch]
            run.finish(
                history=history,
                metrics={
                    "variant": variant.name,
                    "change": variant.change,
                    "epochs": args.epochs,
                    "sizes": sizes,
                    **curve,
                },
                result=headline,
                figures=figures,
                title=f"overfitting {variant.name}: {variant.change} ({data.name})",
            )
        runs.append(run)
        results.append(headline)
        rows.append(table_row(variant, curve))

    # The book's figure: the validation losses of the runs on one plot.
    if len(runs) > 1:
        print("\nval_loss across the runs")
        recipe.overlay(runs, metric="val_loss")
    recipe.print_table(rows, title=f"where the validation loss bottoms on {data.name} (book: IMDB)")
    print(results[0].line())
    return 0


def load_reviews(dataset: str, *, quick: bool, seed: int) -> Data:
    """IMDB's reviews, or generated ones in Keras' format (start 1, oov 2, word ranks + 3)."""
    if dataset == "imdb":
        return load_imdb(NUM_WORDS, quick=quick, seed=seed)
    # Short reviews (about 30 words) make the class words a weak, noisy signal.
    train, test = synthetic_sequences(
        500 if quick else 2000, 1, num_words=NUM_WORDS, mean_length=30, seed=seed
    )
    return Data("synthetic-imdb", "imdb", train, test=test)


def split_sizes(n: int) -> dict[str, int]:
    """Training and validation samples of `validation_split`, counted as Keras does."""
    train = math.floor(n * (1.0 - VALIDATION_SPLIT))
    return {"train": train, "val": n - train}


def bottom_of(history: dict) -> dict:
    """Where the validation loss bottoms, and how far it climbs back afterwards."""
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


def table_row(variant: Variant, curve: dict) -> dict:
    """A run's line in the summary: where its validation loss bottoms, and the book's."""
    book = f"bottoms at epoch {variant.epoch.text()}"
    return {
        "variant": variant.name,
        "best epoch": curve["best_epoch"],
        "min val_loss": curve["best_val_loss"],
        "final val_loss": curve["final_val_loss"],
        "final val_acc": curve["final_val_accuracy"],
        "book": f"minimum {variant.loss.text()}, {book}" if variant.loss else book,
    }


if __name__ == "__main__":
    raise SystemExit(main())
