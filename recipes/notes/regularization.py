"""Overfitting remedies: early stopping, L2 and dropout on digits with noisy labels

Course notes: 양석환, "Deep Learning 01. 딥러닝 개요" (lecture notes) ("과적합(Overfitting)의 해결
방안": early stopping, regularization, dropout). The notes give no numbers; the claims checked here
are theirs: training too long on noisy data makes a model learn the noise, and each remedy keeps it
from doing so.

A small, noisy data set that overfits: scikit-learn's 8x8 digits (pixels / 16), split
30/30/40 stratified (538 training, 540 validation, 719 test images), with 30% of the
*training* labels replaced by a random wrong digit (--label-noise); validation and test labels
stay clean. The network is large for 538 images: Dense(512, relu) x 2 -> Dense(10, softmax),
Adam (1e-3), batch 32, 40 epochs. Four variants, each a run of its own:

  baseline        no remedy: it memorizes the wrong labels and its val_loss climbs back
  early-stopping  EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)
  l2              L2(0.01) on both hidden kernels
  dropout         Dropout(0.5) after each hidden layer

A remedy works when the model fits the true digits instead of the noise: its training accuracy
(on the noisy labels) falls towards 1 - noise, below its validation accuracy, it reproduces
few wrong labels, and it scores better on test. The val_loss and val_crossentropy curves are
overlaid (L2's loss includes its penalty: the cross-entropy alone compares fairly). The last
run records the claim, each remedy beats no remedy on test accuracy: the last line.

Run it:

    make recipe NAME=regularization                      # all four runs and the overlays
    make recipe NAME=regularization ARGS="--variant dropout --label-noise 0.1"
"""

from __future__ import annotations

import argparse
import dataclasses

import keras
import numpy as np

from keras_dl import build_dense_model, recipe
from keras_dl.datasets import Data, load_images

CLAIM = recipe.BookFigure(
    "test accuracy, noisy training labels",
    "each remedy keeps the model from learning the noise",
    recipe.ANY_DATASET,
    '"과적합(Overfitting)의 해결 방안"',
    band="each remedy beats no remedy",
    origin="notes",
)
NAME = "regularization"
HIDDEN_UNITS = (512, 512)
SPLIT = (0.3, 0.4)  # validation and test fractions: 538 images are left to train on
PATIENCE = 5


@dataclasses.dataclass(frozen=True)
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


@recipe.command
def main(argv: list[str] | None = None) -> int:
    """Train the baseline and each remedy on digits with noisy labels; the exit status."""
    # The flags: which variant to run, and how many training labels to make wrong.
    parser = recipe.parser(__doc__, epochs=40, batch_size=32)
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
    args = parser.parse_args(argv)

    # The data: digits whose training labels are partly replaced by a wrong digit, so that
    # a net can fit noise; validation and test labels stay clean.
    data, clean, wrong = load_noisy_digits(args.label_noise, quick=args.quick, seed=args.seed)

    # The baseline and each remedy, a run each (run_variant).
    runs, rows, results = [], [], []
    for variant in VARIANTS:
        if args.variant in ("all", variant.name):
            run, metrics, result = run_variant(variant, args, data, clean, wrong)
            runs.append(run)
            rows.append(metrics)
            results.append(result)

    # The notes' claim is about the variants together: with all of them, it is recorded
    # with their overlay, and it is the headline.
    claim = None
    if len(runs) == len(VARIANTS):
        claim = judge(rows, data.name, args.label_noise, smoke=args.quick)
    if len(runs) > 1:
        for metric in ("val_loss", "val_crossentropy"):
            print(f"\n{metric} across the runs")
            recipe.overlay(runs, metric=metric, claim=claim if metric == "val_loss" else None)
    print_summary(rows)
    print((claim or results[-1]).line())
    return 0


def noise_fraction(text: str) -> float:
    """argparse type: a fraction in [0, 0.9]."""
    value = float(text)
    if not 0.0 <= value <= 0.9:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a fraction between 0 and 0.9")
    return value


def load_noisy_digits(
    label_noise: float, *, quick: bool = False, seed: int = 0
) -> tuple[Data, np.ndarray, np.ndarray]:
    """Split digits 30/30/40 and give `label_noise` of the training images a wrong label.

    Returns the data (noisy training labels), the clean training labels, the wrong-label mask.
    """
    data = load_images("digits", split=SPLIT, quick=quick, seed=seed)
    x_train, clean = data.train
    rng = np.random.default_rng(seed)
    wrong = np.zeros(len(clean), dtype=bool)
    wrong[rng.choice(len(clean), size=round(label_noise * len(clean)), replace=False)] = True
    noisy = clean.copy()
    # Adding 1..9 (mod 10) always gives another digit.
    noisy[wrong] = (clean[wrong] + rng.integers(1, 10, size=wrong.sum())) % 10
    data = dataclasses.replace(
        data,
        name=f"digits ({label_noise:.0%} noisy training labels)",
        train=(x_train, noisy),
        note=f"{data.note}; {wrong.sum()} of {len(clean)} training labels made wrong",
    )
    print(data)
    return data, clean, wrong


def run_variant(
    variant: Variant,
    args: argparse.Namespace,
    data: Data,
    clean: np.ndarray,
    wrong: np.ndarray,
) -> tuple[recipe.RecipeRun, dict, recipe.Result]:
    """Train one variant as a run of its own; return (run, metrics, its test accuracy)."""
    train, val, test = data.train, data.val, data.test
    with recipe.start(NAME, args, dataset=data.name, variant=variant.name) as run:
        print(f"{variant.name}: {variant.remedy}")
        model = build_model(variant)
        callbacks = []
        if variant.early_stopping:
            # Stop PATIENCE epochs after val_loss stops improving; go back to its best epoch.
            stopper = keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=PATIENCE, restore_best_weights=True, verbose=1
            )
            callbacks.append(stopper)
        history = run.fit(
            model,
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
            "sizes": data.sizes,
            "label_noise": args.label_noise,
        }
        if variant.early_stopping:
            metrics["stopped"] = len(val_loss) < args.epochs
            metrics["restored_epoch"] = stopper.best_epoch + 1
        result = run.result(f"test accuracy ({variant.name})", on_test["accuracy"])
        run.finish(
            history=history,
            metrics=metrics,
            result=result,
            title=f"{NAME} {variant.name}: {variant.remedy}",
        )
    return run, metrics, result


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


def judge(
    rows: list[dict], dataset: str, label_noise: float, *, smoke: bool = False
) -> recipe.Result:
    """The claim over all variants: each remedy's test accuracy above the baseline's."""
    test = {m["variant"]: m["test"]["accuracy"] for m in rows}
    return recipe.Result(
        f"test accuracy, {label_noise:.0%} noisy training labels",
        ", ".join(f"{name} {value:.3f}" for name, value in test.items()),
        dataset,
        CLAIM,
        comparisons=tuple(
            recipe.Comparison(name, value, "baseline", test["baseline"], "higher")
            for name, value in test.items()
            if name != "baseline"
        ),
        smoke=smoke,
    )


def print_summary(rows: list[dict]) -> None:
    """One line per run: the training / validation gap and the test scores."""
    recipe.print_table(
        [
            {
                "variant": m["variant"],
                "epochs": m["epochs_run"],
                "train_acc": m["train"]["accuracy"],
                "val_acc": m["val"]["accuracy"],
                "gap_acc": m["gap_accuracy"],
                "test_acc": m["test"]["accuracy"],
                "test_xent": m["test"]["crossentropy"],
                "memorized": m["memorized_wrong_labels"],
            }
            for m in rows
        ]
    )


if __name__ == "__main__":
    raise SystemExit(main())
