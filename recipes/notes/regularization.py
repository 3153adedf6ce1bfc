"""Overfitting remedies: early stopping, L2 and dropout on digits with noisy labels

Course notes seeds/002_7062e522238e54db.txt ("과적합(Overfitting)의 해결 방안": early
stopping, regularization, dropout). The notes give no numbers; the claims checked here are
theirs: training too long on noisy data makes a model learn the noise, and each remedy keeps
it from doing so.

A small, noisy data set that overfits: scikit-learn's 8x8 digits (pixels / 16), split
30/30/40 stratified (538 training, 540 validation, 719 test images), and 30% of the
*training* labels replaced by a random wrong digit (--label-noise). Validation and test
labels stay clean, so they measure what the model learned about real digits. The network
is large for 538 images: Dense(512, relu) -> Dense(512, relu) -> Dense(10, softmax), Adam
(1e-3), batch 32, 40 epochs. Four variants, each a run of its own:

  baseline        no remedy: it memorizes the wrong labels (training accuracy near 1.0)
                  and its validation loss climbs back after its minimum
  early-stopping  EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True):
                  stops a few epochs after the minimum and restores that epoch's weights
  l2              L2(0.01) on both hidden kernels
  dropout         Dropout(0.5) after each hidden layer

A remedy "works" when the model fits the true digits instead of the noise: its training
accuracy (against the noisy labels) falls towards 1 - noise = 0.7, below its validation
accuracy (the gap turns negative), it reproduces few of the wrong labels, and its test
loss and accuracy improve. Each run records its train, validation and test accuracy and
cross-entropy, those gaps, and how many wrong labels it memorized; the runs' validation
curves are overlaid with `compare`: val_loss and val_crossentropy. L2's loss includes its
penalty (0.01 * sum of squared weights) on training and validation data alike; the
cross-entropy alone is the fair comparison across runs. The last line reports the test
accuracy of the run best on validation, beside the baseline's.

Run it:

    make recipe NAME=regularization                      # all four runs and the overlays
    make recipe NAME=regularization ARGS="--variant dropout --label-noise 0.1"
    make recipe NAME=regularization ARGS="--quick"       # 2 epochs each
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import keras
import numpy as np
from sklearn.datasets import load_digits

from keras_dl import build_dense_model, train_val_test_split
from keras_dl.recipe import (
    Result,
    finish_recipe,
    overlay_runs,
    parse_recipe_args,
    recipe_main,
    recipe_parser,
    start_recipe,
)

NAME = "regularization"
HIDDEN_UNITS = (512, 512)
VAL_SIZE, TEST_SIZE = 0.3, 0.4
PATIENCE = 5


@dataclass(frozen=True)
class Variant:
    """One run: which remedy (if any) is applied."""

    name: str
    remedy: str
    l2: float = 0.0
    dropout: float = 0.0
    early_stopping: bool = False


VARIANTS = (
    Variant("baseline", "no remedy"),
    Variant(
        "early-stopping",
        f"EarlyStopping(patience={PATIENCE}, restore_best_weights=True)",
        early_stopping=True,
    ),
    Variant("l2", "L2(0.01) on the hidden kernels", l2=0.01),
    Variant("dropout", "Dropout(0.5) after each hidden layer", dropout=0.5),
)


def load_noisy_digits(
    label_noise: float, seed: int
) -> tuple[
    str,
    tuple[np.ndarray, np.ndarray],
    tuple[np.ndarray, np.ndarray],
    tuple[np.ndarray, np.ndarray],
    np.ndarray,
    np.ndarray,
]:
    """Split digits 30/30/40 and give `label_noise` of the training images a wrong label.

    Returns (dataset name, train, val, test, clean training labels, wrong-label mask).
    """
    images, labels = load_digits(return_X_y=True)
    split = train_val_test_split(
        (images / 16).astype("float32"), labels, val_size=VAL_SIZE, test_size=TEST_SIZE, seed=seed
    )
    x_train, clean = split.train
    rng = np.random.default_rng(seed)
    wrong = np.zeros(len(clean), dtype=bool)
    wrong[rng.choice(len(clean), size=round(label_noise * len(clean)), replace=False)] = True
    noisy = clean.copy()
    # Adding 1..9 (mod 10) always gives another digit.
    noisy[wrong] = (clean[wrong] + rng.integers(1, 10, size=wrong.sum())) % 10
    print(f"digits split: {split}; {wrong.sum()} of {len(clean)} training labels made wrong")
    dataset = f"digits ({label_noise:.0%} noisy training labels)"
    return dataset, (x_train, noisy), split.val, split.test, clean, wrong


def build_model(variant: Variant) -> keras.Model:
    """The 512-512 network with the variant's L2 / dropout; Adam, and the cross-entropy
    as a metric too (the loss alone includes L2's penalty)."""
    model = build_dense_model(
        64,
        "multiclass",
        num_classes=10,
        hidden_units=HIDDEN_UNITS,
        l2=variant.l2,
        dropout=variant.dropout,
        compile=False,
        name=variant.name.replace("-", "_"),
    )
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy", keras.metrics.SparseCategoricalCrossentropy(name="crossentropy")],
    )
    return model


def scores(model: keras.Model, x: np.ndarray, y: np.ndarray) -> dict:
    """Accuracy and cross-entropy (without any penalty) of the model as it ends up."""
    evaluated = model.evaluate(x, y, return_dict=True, verbose=0)
    return {"accuracy": evaluated["accuracy"], "crossentropy": evaluated["crossentropy"]}


def run_variant(
    variant: Variant,
    args: argparse.Namespace,
    data: tuple[
        str,
        tuple[np.ndarray, np.ndarray],
        tuple[np.ndarray, np.ndarray],
        tuple[np.ndarray, np.ndarray],
        np.ndarray,
        np.ndarray,
    ],
) -> tuple[object, dict]:
    """Train one variant as a run of its own; return (run, metrics)."""
    dataset, train, val, test, clean, wrong = data
    with start_recipe(NAME, args, dataset=dataset, variant=variant.name) as run:
        print(f"{variant.name}: {variant.remedy}")
        model = build_model(variant)
        callbacks = []
        if variant.early_stopping:
            stopper = keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=PATIENCE, restore_best_weights=True, verbose=1
            )
            callbacks.append(stopper)
        history = model.fit(
            *train,
            validation_data=val,
            epochs=args.epochs,
            batch_size=args.batch_size,
            callbacks=callbacks,
            verbose=2,
        ).history

        # Scores of the final model: for early stopping, the restored best epoch's weights.
        on_train, on_val, on_test = scores(model, *train), scores(model, *val), scores(model, *test)
        predicted = np.argmax(model.predict(train[0], verbose=0), axis=1)
        val_loss = np.asarray(history["val_loss"])
        best = int(np.argmin(val_loss))
        metrics = {
            "variant": variant.name,
            "remedy": variant.remedy,
            "epochs_run": len(val_loss),
            "best_epoch": best + 1,
            "best_val_loss": float(val_loss[best]),
            "final_val_loss": float(val_loss[-1]),
            "val_loss_rise_after_best": float(val_loss[-1] - val_loss[best]),
            "train": on_train,  # against the noisy labels it was trained on
            "val": on_val,
            "test": on_test,
            "gap_accuracy": on_train["accuracy"] - on_val["accuracy"],
            "gap_crossentropy": on_val["crossentropy"] - on_train["crossentropy"],
            # How many wrong training labels the model learned, and how many true labels
            # of those images it still predicts.
            "memorized_wrong_labels": float(np.mean(predicted[wrong] == train[1][wrong])),
            "true_label_accuracy_on_noisy_images": float(np.mean(predicted[wrong] == clean[wrong])),
            "sizes": {"train": len(train[0]), "val": len(val[0]), "test": len(test[0])},
            "label_noise": args.label_noise,
        }
        if variant.early_stopping:
            metrics["stopped"] = len(val_loss) < args.epochs
            metrics["restored_epoch"] = stopper.best_epoch + 1
        finish_recipe(
            run,
            args,
            history=history,
            metrics=metrics,
            result=Result(f"test accuracy ({variant.name})", on_test["accuracy"], dataset),
            title=f"{NAME} {variant.name}: {variant.remedy}",
        )
    return run, metrics


def print_summary(rows: list[dict]) -> None:
    """One line per run: the training / validation gap and the test scores."""
    print("\nvariant         epochs train_acc val_acc gap_acc test_acc test_xent memorized")
    for m in rows:
        print(
            f"{m['variant']:<15} {m['epochs_run']:>6} {m['train']['accuracy']:>9.4f} "
            f"{m['val']['accuracy']:>7.4f} {m['gap_accuracy']:>7.4f} "
            f"{m['test']['accuracy']:>8.4f} {m['test']['crossentropy']:>9.4f} "
            f"{m['memorized_wrong_labels']:>9.4f}"
        )


def noise_fraction(text: str) -> float:
    """argparse type: a fraction in [0, 0.9]."""
    value = float(text)
    if not 0.0 <= value <= 0.9:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a fraction between 0 and 0.9")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The shared recipe flags plus --variant and --label-noise."""
    parser = recipe_parser(__doc__, epochs=40, batch_size=32)
    parser.add_argument(
        "--variant",
        choices=("all", *(v.name for v in VARIANTS)),
        default="all",
        help="all four runs (and their overlays), or one (default: %(default)s)",
    )
    parser.add_argument(
        "--label-noise",
        type=noise_fraction,
        default=0.3,
        help="fraction of training labels replaced by a wrong digit (default: %(default)s)",
    )
    return parser


@recipe_main
def main(argv: list[str] | None = None) -> int:
    """Run the recipe from the command line; returns the exit status."""
    args = parse_recipe_args(build_parser(), argv)
    data = load_noisy_digits(args.label_noise, args.seed)
    rows = [
        run_variant(variant, args, data)
        for variant in VARIANTS
        if args.variant in ("all", variant.name)
    ]
    if len(rows) > 1:
        for metric in ("val_loss", "val_crossentropy"):
            print(f"\n{metric} across the runs")
            overlay_runs(NAME, [run for run, _ in rows], args, metric=metric)
    print_summary([metrics for _, metrics in rows])

    by_name = {m["variant"]: m for _, m in rows}
    # The headline: the run best on validation (the test set only reports).
    best = max(by_name, key=lambda name: by_name[name]["val"]["accuracy"])
    metric = f"test accuracy ({best}, best on validation"
    if "baseline" in by_name and best != "baseline":
        metric += f"; baseline {by_name['baseline']['test']['accuracy']:.4f}"
    metric += ")"
    print(Result(metric, by_name[best]["test"]["accuracy"], data[0]).line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
