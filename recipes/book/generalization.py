"""Generalization: noise, shuffled labels, learning rate, capacity (ch. 5; 3rd ed.: --edition 3)

Deep Learning with Python, ch. 5.1-5.3. Every experiment trains the book's MNIST network,
Dense(512, relu) -> Dense(10, softmax), rmsprop, batch 128, the last 20% of the training
images held out (`validation_split=0.2`); each variant is a run of its own:

  experiment  variant          change                                book (MNIST)
  noise       noise-channels   append 784 U(0, 1) features, 10 ep.   final val_acc 0.970
              zero-channels    append 784 zeros, 10 epochs           final val_acc 0.981
  labels      shuffled-labels  train labels shuffled, 100 epochs     train acc 0.84, val 0.10
  lr          lr-1.0           RMSprop(learning_rate=1.0), 10 ep.    val_acc about 0.3
              lr-0.01          RMSprop(learning_rate=1e-2), 10 ep.   val_acc about 0.97
  capacity    dense-10         Dense(10, softmax) only, 20 epochs    val_acc 0.93, flat
              dense-96-96      96 - 96 - 10, 20 epochs               val_acc 0.976, val_loss
                                                                     bottoms at epoch 7
              dense-128-128    128 - 128 - 10 (--edition 3)          overfits after epoch 8

The 3rd edition (2025, `--edition 3`) runs the same experiments, rmsprop still, with a
bigger "right capacity" model, two layers of 128 units ("starts overfitting after eight
epochs"); it prints no accuracy for it.

Meaningless features cost accuracy (noise); a network memorizes labels that carry no
information, so a falling training loss proves nothing (labels: its curves.png is the
figure); a learning rate 100 times too large keeps it from fitting (lr); a model too small
plateaus, a larger one fits better, then overfits (capacity). Each experiment's runs are
overlaid: val_accuracy for noise and lr, val_loss for capacity.

  --dataset mnist   keras.datasets.mnist as the book (needs mnist.npz).
  --dataset digits  scikit-learn's 8x8 digits, 1,797 images / 16 shuffled with --seed, 64
                    channels appended: its numbers are not the book's. RMSprop(1.0) varies
                    widely with the seed; capacity needs more steps than 20 epochs give
                    (12 an epoch, MNIST's 375): try --variant capacity --epochs 150.
  --quick           at most 2 epochs on 600 images (generated without mnist.npz).

    make recipe NAME=generalization ARGS="--dataset digits --variant noise"
"""

import functools
import math
from dataclasses import dataclass

import numpy as np

from keras_dl import build_dense_model, recipe
from keras_dl.datasets import load_images

VALIDATION_SPLIT = 0.2
LR_MARGIN = 0.05  # how much lower lr 1.0 must be: RMSprop(1.0)'s accuracy varies with the seed
PLOT_READING = 0.03  # the book's end-of-run accuracies are read off its plots
VAL_ACCURACY = "final val accuracy"
book = functools.partial(recipe.BookFigure, dataset="MNIST", source="ch. 5")


def read_off_plot(metric: str, value: float, tolerance: float = PLOT_READING):
    """A figure read off one of the chapter's plots, judged within `tolerance`."""
    return book(metric, value, band=recipe.around(value, tolerance))


# What the book saw at the end of each run, beside ours. The chapter's claims are shapes,
# judged below (SHAPES) over seeds, each recorded with the overlay of its experiment's runs.
NOISE = read_off_plot(VAL_ACCURACY, 0.970)
ZEROS = read_off_plot(VAL_ACCURACY, 0.981)
SHUFFLED_TRAIN = book("final training accuracy", 0.84, band=(0.7, 1.0))
SHUFFLED_VAL = book("shuffled labels: final val accuracy", 0.10, band=(0.0, 0.15))
LR_HIGH = book(VAL_ACCURACY, 0.3, band=(0.1, 0.5))  # "about 0.3": RMSprop(1.0) is erratic
LR_RIGHT = read_off_plot(VAL_ACCURACY, 0.97)
DENSE_10 = read_off_plot(VAL_ACCURACY, 0.93)
DENSE_96 = read_off_plot(VAL_ACCURACY, 0.976)
DENSE_96_BOTTOM = book("96-96: epoch where val_loss bottoms", 7, band=(4, 10))
DENSE_128_BOTTOM = book("128-128: epoch where val_loss bottoms", 8, band=(5, 11), edition=3)
EDITIONS = {2: "the capacity model 96-96", 3: "128-128"}


@recipe.command
def main(argv: list[str] | None = None) -> int:
    """Train the selected variants, a run each, then overlay each experiment's runs."""
    parser = recipe.parser(__doc__, batch_size=128, datasets=("mnist", "digits"), editions=EDITIONS)
    parser.add_argument(
        "--variant",
        choices=("all", *EXPERIMENTS, *(v.name for v in VARIANTS)),
        default="all",
        help="all runs, one experiment's runs, or one run (default: %(default)s)",
    )
    parser.add_argument(
        "--epochs",
        type=recipe.positive_int,
        default=None,
        help="epochs of every selected run (default: the book's, per variant)",
    )
    args = parser.parse_args(argv)
    chosen = [
        v
        for v in VARIANTS
        if args.variant in ("all", v.name, v.experiment) and args.edition in v.editions
    ]
    if not chosen:  # one variant, of the other edition
        (other,) = (v.editions[0] for v in VARIANTS if v.name == args.variant)
        parser.error(
            f"--variant {args.variant}: a model of the book's other edition; expected "
            f"--edition {other}, or a variant of the {recipe.ordinal(args.edition)}"
        )

    # The data: only the training images, as rows of pixels in [0, 1]; ch. 5 validates on
    # the last 20% of them (digits, listed in a fixed order, is shuffled once first).
    data = load_images(args.dataset, split=None, quick=args.quick, seed=args.seed)
    x, y = data.train
    print(f"{data.name}: {len(x)} training images of {x.shape[1]} features")

    runs, curves, rows, results, claims = {}, {}, [], [], []
    for variant in chosen:
        epochs = args.epochs or variant.epochs
        # Each experiment changes the data (extra channels, shuffled labels) or the model.
        vx, vy = prepare(variant, x, y, args.seed)
        with recipe.start("generalization", args, dataset=data.name, variant=variant.name) as run:
            print(
                f"{variant.name}: {variant.change}; {vx.shape[1]} input features, {epochs} epochs"
            )
            model = build_dense_model(
                vx.shape[1],
                "multiclass",
                num_classes=10,
                hidden_units=variant.hidden_units,
                optimizer="rmsprop",
                learning_rate=variant.learning_rate,
                name=variant.name.replace("-", "_").replace(".", "_"),
            )
            history = run.fit(
                model,
                vx,
                vy,
                epochs=epochs,
                batch_size=args.batch_size,
                validation_split=VALIDATION_SPLIT,
                verbose=2,
            ).history

            # The book's figure for this run, and what the book reads off this run alone.
            curve = curves[variant.name] = curve_summary(history)
            metric = variant.book.metric if variant.book else VAL_ACCURACY
            headline = run.result(
                f"{metric} ({variant.name})", curve[variant.measure], variant.book
            )
            figures = run_figures(variant, curve, run)
            run.finish(
                history=history,
                metrics={
                    "experiment": variant.experiment,
                    "variant": variant.name,
                    "change": variant.change,
                    "epochs": epochs,
                    "input_features": int(vx.shape[1]),
                    "sizes": split_sizes(len(vx)),
                    **curve,
                },
                result=headline,
                figures=figures,
                title=f"generalization {variant.name}: {variant.change} ({data.name})",
            )
        runs.setdefault(variant.experiment, []).append(run)
        results.append(headline)
        claims += figures
        rows.append(table_row(variant, epochs, curve))

    # Each experiment's runs side by side, with the chapter's claim about them.
    for experiment, experiment_runs in runs.items():
        if len(experiment_runs) > 1:  # one run has nothing to be compared with
            print(f"\n{experiment}: {EXPERIMENTS[experiment]} across its runs")
            claim = shape_claim(SHAPES[args.edition][experiment], curves, experiment_runs[-1])
            recipe.overlay(
                experiment_runs, metric=EXPERIMENTS[experiment], label=experiment, claim=claim
            )
            claims.append(claim)
    recipe.print_table(rows, title=f"summary on {data.name} (book: MNIST)")
    if claims:
        print("\nthe chapter's claims")
        for claim in claims:
            print(claim.line())
    print(results[0].line())
    return 0


@dataclass(frozen=True)
class Variant:
    """One run of the chapter: what changes from the book's network, and the book's figure."""

    name: str
    experiment: str
    change: str
    epochs: int
    book: recipe.BookFigure | None  # None: the book prints no figure for this run
    measure: str = "final_val_accuracy"  # the curve summary's key `book` is a figure of
    hidden_units: tuple[int, ...] = (512,)
    learning_rate: float | None = None  # RMSprop's; None keeps Keras' default (1e-3)
    extra_channels: str = ""  # "noise" or "zeros": features appended to each image
    shuffle_labels: bool = False
    editions: tuple[int, ...] = (2, 3)  # the book's editions that run it


VARIANTS = (
    Variant(
        "noise-channels", "noise", "append U(0, 1) noise features", 10, NOISE,
        extra_channels="noise",
    ),
    Variant(
        "zero-channels", "noise", "append all-zero features", 10, ZEROS, extra_channels="zeros"
    ),
    Variant(
        "shuffled-labels", "labels", "train labels shuffled", 100, SHUFFLED_TRAIN,
        measure="final_accuracy", shuffle_labels=True,
    ),
    Variant("lr-1.0", "lr", "RMSprop(learning_rate=1.0)", 10, LR_HIGH, learning_rate=1.0),
    Variant("lr-0.01", "lr", "RMSprop(learning_rate=1e-2)", 10, LR_RIGHT, learning_rate=1e-2),
    Variant("dense-10", "capacity", "Dense(10, softmax) only", 20, DENSE_10, hidden_units=()),
    Variant(
        "dense-96-96", "capacity", "Dense(96) -> Dense(96) -> Dense(10)", 20, DENSE_96,
        hidden_units=(96, 96), editions=(2,),
    ),
    Variant(
        "dense-128-128", "capacity", "Dense(128) -> Dense(128) -> Dense(10)", 20, None,
        hidden_units=(128, 128), editions=(3,),
    ),
)  # fmt: skip
EXPERIMENTS = {  # experiment -> the metric its overlay compares
    "noise": "val_accuracy",
    "labels": None,  # one run: its curves.png (accuracy vs val_accuracy) is the figure
    "lr": "val_accuracy",
    "capacity": "val_loss",
}


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


@dataclass(frozen=True)
class Shape:
    """A shape the book draws from two runs: `lower`'s final val accuracy below `higher`'s."""

    book: recipe.BookFigure
    lower: str
    higher: str
    margin: float = 0.0  # below by more than this


SHAPES_2ND = {  # experiment -> the claim about its runs
    "noise": Shape(
        book(
            "noise vs zero channels: final val accuracy",
            f"{NOISE.text()} vs {ZEROS.text()}",
            band="noise lower",
        ),
        "noise-channels",
        "zero-channels",
    ),
    "lr": Shape(
        book(
            "learning rate 1.0 vs 0.01: final val accuracy",
            f"about {LR_HIGH.text()} vs {LR_RIGHT.text()}",
            band=f"lr 1.0 lower by more than {LR_MARGIN}",
        ),
        "lr-1.0",
        "lr-0.01",
        margin=LR_MARGIN,
    ),
    "capacity": Shape(
        book(
            "capacity: Dense(10) vs 96-96, final val accuracy",
            f"{DENSE_10.text()} vs {DENSE_96.text()}",
            band="Dense(10) lower",
        ),
        "dense-10",
        "dense-96-96",
    ),
}
SHAPES = {  # the edition -> its claims: the 3rd's capacity model is 128-128
    2: SHAPES_2ND,
    3: {
        **SHAPES_2ND,
        "capacity": Shape(
            book(
                "capacity: Dense(10) vs 128-128, final val accuracy",
                "Dense(10) lower",
                band="Dense(10) lower",
                edition=3,
            ),
            "dense-10",
            "dense-128-128",
        ),
    },
}


def run_figures(variant: Variant, curve: dict, run: recipe.RecipeRun) -> list[recipe.Result]:
    """What the book reads off this run alone, judged (on a stand-in: reported only)."""
    judged = []
    if variant.shuffle_labels:
        # Training accuracy climbs, validation accuracy stays at chance: memorization.
        judged.append(
            run.result(
                SHUFFLED_VAL.metric,
                curve["final_val_accuracy"],
                SHUFFLED_VAL,
                digits=3,
                detail=f"(train {curve['final_accuracy']:.3f})",
            )
        )
    if variant.name == "dense-96-96":
        # The book's bigger model overfits: its validation loss bottoms early, then climbs.
        judged.append(
            run.result(DENSE_96_BOTTOM.metric, curve["best_epoch"], DENSE_96_BOTTOM, digits=0)
        )
    if variant.name == "dense-128-128":
        judged.append(
            run.result(DENSE_128_BOTTOM.metric, curve["best_epoch"], DENSE_128_BOTTOM, digits=0)
        )
    return judged


def shape_claim(shape: Shape, curves: dict[str, dict], run: recipe.RecipeRun) -> recipe.Result:
    """The shape the book draws from two runs, at this seed (judged over seeds)."""
    low = curves[shape.lower]["final_val_accuracy"]
    high = curves[shape.higher]["final_val_accuracy"]
    comparison = recipe.Comparison(shape.lower, low, shape.higher, high, "lower", shape.margin)
    value = f"{shape.lower} {low:.3f}, {shape.higher} {high:.3f}"
    detail = f"({'holds' if comparison.holds else 'fails'} at this seed)"
    return run.result(
        shape.book.metric, value, shape.book, detail=detail, comparisons=(comparison,)
    )


def split_sizes(n: int) -> dict[str, int]:
    """Training and validation samples of `validation_split`, counted as Keras does."""
    train = math.floor(n * (1.0 - VALIDATION_SPLIT))
    return {"train": train, "val": n - train}


def table_row(variant: Variant, epochs: int, curve: dict) -> dict:
    """A run's line in the summary: our final accuracies and best epoch, the book's figure."""
    return {
        "variant": variant.name,
        "epochs": epochs,
        "acc": curve["final_accuracy"],
        "val_acc": curve["final_val_accuracy"],
        "best epoch": curve["best_epoch"],
        "book": f"{variant.book.metric} {variant.book.text()}" if variant.book else "-",
    }


if __name__ == "__main__":
    raise SystemExit(main())
