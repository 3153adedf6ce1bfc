"""Optimizers: SGD, Momentum, AdaGrad, RMSprop and Adam on a bowl and on digits

Course notes: 양석환, "Deep Learning 01. 딥러닝 개요" (lecture notes) ("그 외의 가중치 조정 방법들:
SGD, Momentum, AdaGrad, RMSprop, Adam", their family tree after 하용호's slides "자습해도 모르겠던
딥러닝, 머리속에 인스톨 시켜드립니다"); the experiments and their numbers are those of Deep
Learning from Scratch (밑바닥부터 시작하는 딥러닝, 사이토 고키; DLFS) ch. 6.1 "Updating
parameters".

1. Paths (the run "paths"): each optimizer takes 30 steps on f(x, y) = x^2/20 + y^2 from
   (-7, 2) with DLFS's learning rates (SGD 0.95, Momentum 0.1, AdaGrad 1.5, Adam 0.3; RMSprop,
   not in DLFS's figure, 0.15 with decay 0.99), Keras' optimizers fed the analytic gradient;
   DLFS's update rules in NumPy give the same paths (checked). f is 20 times steeper along y:
   SGD zigzags across the valley, Momentum overshoots like a ball, AdaGrad and RMSprop calm
   the steep direction at once, Adam does both. paths.png draws them on the contours of f.

2. Training (the runs "sgd" ... "adam"): DLFS's 784-[100 x 4]-10 ReLU network (He-normal; 64
   inputs on digits), batch 128, 2000 iterations, one run per optimizer from the same initial
   weights: SGD 0.01, Momentum 0.01 / 0.9, AdaGrad 0.01, RMSprop 0.01 / 0.99, Adam 0.001; the
   loss curves are overlaid. Book (MNIST), loss near iteration 1900: SGD 0.15, Momentum 0.05,
   AdaGrad 0.016, Adam 0.032 (one mini-batch's; ours: the last epoch's mean), SGD the highest:
   the last run records that claim.

  --dataset digits  (default) scikit-learn's 8x8 digits, pixels / 16, split 70/15/15: 1,257
                    training images, 10 steps an epoch; the losses fall far below MNIST's.
  --dataset mnist   keras.datasets.mnist, pixels / 255; the last 10,000 training images
                    validate. Needs mnist.npz: offline without it, exit status 2.

Run it:

    make recipe NAME=optimizers                          # paths + five training runs
    make recipe NAME=optimizers ARGS="--variant training --iterations 1000"
    make recipe NAME=optimizers ARGS="--dataset mnist"
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np
from keras import ops, optimizers
from matplotlib.figure import Figure

from keras_dl import build_dense_model, recipe
from keras_dl.datasets import Data, load_images

SOURCE = "DLFS ch. 6.1.8 (loss near iteration 1900)"
PLOT_FACTOR = 3  # one mini-batch's loss read off a noisy plot: within a factor of 3
BOOK_LOSS = {  # DLFS's MNIST training loss by optimizer; RMSprop is not in its figure
    label: recipe.BookFigure(
        "training loss",
        loss,
        "MNIST",
        SOURCE,
        band=(loss / PLOT_FACTOR, loss * PLOT_FACTOR),
        origin="text",
    )
    for label, loss in (("SGD", 0.15), ("Momentum", 0.05), ("AdaGrad", 0.016), ("Adam", 0.032))
}
SGD_HIGHEST = recipe.BookFigure(
    "final training loss by optimizer",
    ", ".join(f"{label} {figure.text()}" for label, figure in BOOK_LOSS.items()),
    "MNIST",
    SOURCE,
    band="SGD the highest",
    origin="text",
)
SAME_PATHS = recipe.BookFigure(
    "Keras optimizers vs the NumPy update rules on x^2/20 + y^2",
    "the same paths",
    recipe.ANY_DATASET,
    "DLFS ch. 6.1 (update rules)",
    band=(0.0, 1e-4),
    exact=True,
    origin="text",
)
NAME = "optimizers"
DLFS_ITERATIONS = 2000
FUNCTION = "f(x, y) = x^2/20 + y^2"
START = (-7.0, 2.0)
PATH_STEPS = 30
GRADIENT_SCALE = np.array([1 / 10, 2.0])  # grad f(x, y) = (x/10, 2y)
HIDDEN_UNITS = (100, 100, 100, 100)
QUICK_ITERATIONS = 8  # two epochs of the quick slices' 4 steps (420 or 500 training images)


@dataclass(frozen=True)
class OptimizerSpec:
    """One optimizer: how Keras builds it, and its learning rates in the two experiments."""

    name: str  # the run's variant
    label: str  # DLFS's name
    build: Callable[[float], optimizers.Optimizer]
    path_lr: float  # on f(x, y)
    train_lr: float  # on digits / MNIST


OPTIMIZERS = (  # DLFS's AdaGrad accumulator starts at 0 (Keras': 0.1), its RMSprop decays by 0.99
    OptimizerSpec("sgd", "SGD", lambda lr: optimizers.SGD(lr), 0.95, 0.01),
    OptimizerSpec("momentum", "Momentum", lambda lr: optimizers.SGD(lr, momentum=0.9), 0.1, 0.01),
    OptimizerSpec(
        "adagrad", "AdaGrad", lambda lr: optimizers.Adagrad(lr, initial_accumulator_value=0.0),
        1.5, 0.01,
    ),
    OptimizerSpec("rmsprop", "RMSprop", lambda lr: optimizers.RMSprop(lr, rho=0.99), 0.15, 0.01),
    OptimizerSpec("adam", "Adam", lambda lr: optimizers.Adam(lr), 0.3, 0.001),
)  # fmt: skip


@recipe.command
def main(argv: list[str] | None = None) -> int:
    """Trace the optimizers' paths, then train with each one; returns the exit status."""
    parser = recipe.parser(
        __doc__,
        batch_size=128,
        datasets=("digits", "mnist"),
        quick={"iterations": QUICK_ITERATIONS},
    )
    parser.add_argument(
        "--variant",
        choices=("all", "paths", "training", *(spec.name for spec in OPTIMIZERS)),
        default="all",
        help="all: the paths and the five training runs; training: the five training runs; "
        "or one of them (default: %(default)s)",
    )
    parser.add_argument(
        "--iterations",
        type=recipe.positive_int,
        default=DLFS_ITERATIONS,
        help="mini-batch steps of each training run, rounded up to whole epochs "
        "(default: %(default)s, as DLFS)",
    )
    args = parser.parse_args(argv)
    specs = [s for s in OPTIMIZERS if args.variant in ("all", "training", s.name)]

    # Load the training data first: without it (MNIST offline) no run is started. Pixels
    # are scaled to [0, 1] as DLFS scales MNIST's 0..255; digits is split 70/15/15.
    if specs:
        data = load_images(args.dataset, hold_out="last", quick=args.quick, seed=args.seed)
        print(data)
    last = None
    if args.variant in ("all", "paths"):
        last = run_paths(args)

    runs, rows = [], []
    for spec in specs:
        run, metrics, last = run_training(spec, args, data)
        runs.append(run)
        rows.append(metrics)
    # The notes' claim is about the five runs together: with all of them, it is recorded
    # with their overlay, and it is the headline.
    if len(runs) == len(OPTIMIZERS):
        last = sgd_highest(rows, data.name, args.iterations, smoke=args.quick)
    if len(runs) > 1:
        print("\ntraining loss across the optimizers")
        recipe.overlay(runs, metric="loss", claim=last if len(runs) == len(OPTIMIZERS) else None)
    if rows:
        print_summary(specs, rows, data.name)
    print(last.line())
    return 0


def run_paths(args: argparse.Namespace) -> recipe.Result:
    """Part 1 as a run of its own: the paths, their NumPy check, paths.png and paths.json."""
    with recipe.start(NAME, args, dataset=FUNCTION, variant="paths") as run:
        paths, rows = {}, {}
        for spec in OPTIMIZERS:
            path, reference = keras_path(spec), numpy_path(spec)
            paths[spec.name] = path
            rows[spec.name] = {
                "learning_rate": spec.path_lr,
                "final_point": path[-1].tolist(),
                "final_f": float(f(path[-1])),
                "max_abs_diff_vs_numpy": float(np.max(np.abs(path - reference))),
            }
        recipe.print_table(
            [
                {
                    "optimizer": spec.label,
                    "lr": spec.path_lr,
                    "final x": row["final_point"][0],
                    "final y": row["final_point"][1],
                    "f": row["final_f"],
                    "|Keras-NumPy|": row["max_abs_diff_vs_numpy"],
                }
                for spec, row in zip(OPTIMIZERS, rows.values(), strict=True)
            ]
        )
        run.save_json("paths.json", {name: path.tolist() for name, path in paths.items()})
        if not args.no_plots:
            run.save_figure(paths_figure(paths), "paths.png")
        worst = max(row["max_abs_diff_vs_numpy"] for row in rows.values())
        result = run.result(SAME_PATHS.metric, worst, SAME_PATHS, digits=9)
        metrics = {"steps": PATH_STEPS, "start": list(START), "optimizers": rows}
        run.finish(metrics=metrics, result=result)
    return result


def keras_path(spec: OptimizerSpec, steps: int = PATH_STEPS) -> np.ndarray:
    """Minimize f with Keras' optimizer, feeding it the analytic gradient; (steps + 1, 2)."""
    optimizer = spec.build(spec.path_lr)
    point = keras.Variable(np.array(START, dtype="float32"), name="point")
    scale = ops.convert_to_tensor(GRADIENT_SCALE, dtype="float32")
    path = [ops.convert_to_numpy(point)]
    for _ in range(steps):
        optimizer.apply([ops.multiply(point, scale)], [point])
        path.append(ops.convert_to_numpy(point))
    return np.array(path, dtype="float64")


def numpy_path(spec: OptimizerSpec, steps: int = PATH_STEPS) -> np.ndarray:
    """The same minimization with DLFS's update rules written out in NumPy; (steps + 1, 2)."""
    lr, eps = spec.path_lr, 1e-7
    p = np.array(START)
    v, h = np.zeros(2), np.zeros(2)  # momentum / first moment, and squared-gradient history
    path = [p.copy()]
    for t in range(1, steps + 1):
        g = p * GRADIENT_SCALE
        if spec.name == "sgd":
            p = p - lr * g
        elif spec.name == "momentum":
            v = 0.9 * v - lr * g  # velocity: keeps 90% of the last step
            p = p + v
        elif spec.name == "adagrad":
            h = h + g * g  # every squared gradient so far: steps only shrink
            p = p - lr * g / (np.sqrt(h) + eps)
        elif spec.name == "rmsprop":
            h = 0.99 * h + 0.01 * g * g  # a moving average: old gradients fade
            p = p - lr * g / (np.sqrt(h) + eps)
        else:  # adam: momentum (v) and RMSprop (h), both bias-corrected
            v = v + 0.1 * (g - v)
            h = h + 0.001 * (g * g - h)
            p = p - lr * math.sqrt(1 - 0.999**t) / (1 - 0.9**t) * v / (np.sqrt(h) + eps)
        path.append(p.copy())
    return np.array(path)


def f(points: np.ndarray) -> np.ndarray:
    """f(x, y) = x^2/20 + y^2 for points of shape (..., 2)."""
    return points[..., 0] ** 2 / 20 + points[..., 1] ** 2


def paths_figure(paths: dict[str, np.ndarray]) -> Figure:
    """DLFS's figure 6-8: each path on the contour lines of f; and f after each step."""
    fig = Figure(figsize=(14, 8.4), layout="constrained")
    xs, ys = np.meshgrid(np.linspace(-10, 10, 401), np.linspace(-5, 5, 201))
    levels = [0.1, 0.5, 1, 2, 4, 7]
    for i, spec in enumerate(OPTIMIZERS):
        path = paths[spec.name]
        ax = fig.add_subplot(2, 3, i + 1)
        contours = ax.contour(xs, ys, f(np.stack([xs, ys], axis=-1)), levels, colors="0.7")
        ax.clabel(contours, fontsize=7)
        ax.plot(path[:, 0], path[:, 1], "o-", color="tab:red", markersize=3, linewidth=1)
        ax.plot(*START, "s", color="black", markersize=6, label=f"start {START}")
        ax.plot(0, 0, "+", color="black", markersize=12, markeredgewidth=2, label="minimum")
        ax.set(xlim=(-10, 10), ylim=(-5, 5), xlabel="x", ylabel="y")
        ax.set_title(
            f"{spec.label} (lr {spec.path_lr:g}): f = {f(path[-1]):.2g} after {PATH_STEPS} steps"
        )
        ax.legend(loc="lower right", fontsize=7)
    ax = fig.add_subplot(2, 3, 6)
    for spec in OPTIMIZERS:
        ax.semilogy(f(paths[spec.name]), "o-", markersize=3, label=spec.label)
    ax.set(xlabel="step", ylabel="f(x, y) (log scale)", title="f after each step")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.suptitle(f"{PATH_STEPS} steps on {FUNCTION} from {START}")
    return fig


def run_training(
    spec: OptimizerSpec, args: argparse.Namespace, data: Data
) -> tuple[recipe.RecipeRun, dict, recipe.Result]:
    """Part 2: train DLFS's network with one optimizer, as a run of its own; returns the
    run, its metrics and its final training loss beside DLFS's."""
    train, val, test = data.train, data.val, data.test
    steps_per_epoch = math.ceil(len(train[0]) / args.batch_size)
    epochs = math.ceil(args.iterations / steps_per_epoch)
    book = BOOK_LOSS.get(spec.label)
    with recipe.start(NAME, args, dataset=data.name, variant=spec.name) as run:
        print(
            f"{spec.label} (lr {spec.train_lr:g}): {epochs} epochs of {steps_per_epoch} "
            f"steps = {epochs * steps_per_epoch} iterations"
        )
        # Every run starts from the same initial weights: recipe.start seeds them alike.
        model = build_dense_model(
            train[0].shape[1],
            "multiclass",
            num_classes=10,
            hidden_units=HIDDEN_UNITS,
            kernel_initializer="he_normal",  # DLFS's initialization for ReLU layers
            optimizer=spec.build(spec.train_lr),
            name=f"dlfs_{spec.name}",
        )
        history = run.fit(
            model,
            *train,
            validation_data=val,
            epochs=epochs,
            batch_size=args.batch_size,
            verbose=2,
        )
        test_metrics = model.evaluate(*test, return_dict=True, verbose=0)
        metrics = {
            "optimizer": spec.label,
            "learning_rate": spec.train_lr,
            "epochs": epochs,
            "steps_per_epoch": steps_per_epoch,
            "iterations": epochs * steps_per_epoch,
            "final_loss": float(history.history["loss"][-1]),
            "final_val_loss": float(history.history["val_loss"][-1]),
            "final_val_accuracy": float(history.history["val_accuracy"][-1]),
            "test": test_metrics,
            "sizes": data.sizes,
            "book": {
                "final_loss": book.value if book else None,
                "iterations": DLFS_ITERATIONS,
                "dataset": "MNIST",
            },
        }
        # Six decimals: on digits the adaptive optimizers drive the loss below 1e-4.
        result = run.result(
            f"final training loss ({spec.label})", metrics["final_loss"], book, digits=6
        )
        run.finish(
            history=history,
            metrics=metrics,
            result=result,
            title=f"{NAME} {spec.label} (lr {spec.train_lr:g}) on {data.name}",
        )
    return run, metrics, result


def sgd_highest(
    rows: list[dict], dataset: str, iterations: int, *, smoke: bool = False
) -> recipe.Result:
    """The claim over all five runs: plain SGD ends with the highest training loss."""
    losses = {m["optimizer"]: m["final_loss"] for m in rows}
    return recipe.Result(
        f"final training loss after {iterations:,} iterations",
        ", ".join(f"{label} {loss:.2g}" for label, loss in losses.items()),
        dataset,
        SGD_HIGHEST,
        comparisons=tuple(
            recipe.Comparison("SGD", losses["SGD"], label, loss, "higher")
            for label, loss in losses.items()
            if label != "SGD"
        ),
        smoke=smoke,
    )


def print_summary(specs: list[OptimizerSpec], rows: list[dict], dataset: str) -> None:
    """One line per optimizer: final losses and test accuracy beside DLFS's MNIST loss."""
    recipe.print_table(
        [
            {
                "optimizer": spec.label,
                "lr": spec.train_lr,
                "loss": m["final_loss"],
                "val_loss": m["final_val_loss"],
                "test_acc": m["test"]["accuracy"],
                "book loss": BOOK_LOSS[spec.label].text() if spec.label in BOOK_LOSS else "-",
            }
            for spec, m in zip(specs, rows, strict=True)
        ],
        title=f"after {rows[0]['iterations']} iterations on {dataset} "
        f"(book: MNIST, {DLFS_ITERATIONS})",
    )


if __name__ == "__main__":
    raise SystemExit(main())
