"""Optimizers: SGD, Momentum, AdaGrad, RMSprop and Adam on a bowl and on digits

Course notes seeds/002_7062e522238e54db.txt ("그 외의 가중치 조정 방법들: SGD, Momentum,
AdaGrad, RMSprop, Adam");
the experiments and their numbers are those of Deep Learning from Scratch (밑바닥부터
시작하는 딥러닝, DLFS) ch. 6.1 "Updating parameters".

1. Paths (the run "paths"). Each optimizer minimizes f(x, y) = x^2/20 + y^2 from (-7, 2)
   in 30 steps with DLFS's learning rates: SGD 0.95, Momentum 0.1 (momentum 0.9),
   AdaGrad 1.5, Adam 0.3 (beta_1 0.9, beta_2 0.999). RMSprop is not in DLFS's figure: we
   give it DLFS's decay rate 0.99 and learning rate 0.15. Keras' own optimizers take the
   analytic gradient (x/10, 2y) through `optimizer.apply(grads, variables)`; DLFS's update
   rules written out in NumPy give the same paths (the recipe checks it). paths.png plots
   every path on the contour lines of f, and f after each step.
   What it shows: f is 20 times steeper along y than along x, so SGD zigzags across the
   valley and crawls along it; Momentum rolls like a ball, overshooting; AdaGrad and
   RMSprop scale each coordinate's step by its gradient history, so the steep y direction
   calms down at once; Adam combines both.

2. Training (the runs "sgd", "momentum", "adagrad", "rmsprop", "adam"). DLFS's
   784-[100 x 4]-10 ReLU network (64 inputs on digits), softmax cross-entropy, batch 128,
   2000 iterations, one run per optimizer: SGD 0.01, Momentum 0.01 / 0.9, AdaGrad 0.01,
   RMSprop 0.01 / decay 0.99 (DLFS's class defaults), Adam 0.001. Every run starts from
   the same initial weights (same --seed), He-normal initialized as in DLFS. The runs'
   training-loss curves are overlaid with `compare`.
   Book (MNIST): training loss near iteration 1900 SGD 0.15, Momentum 0.05, AdaGrad 0.016,
   Adam 0.032 (single mini-batch losses); RMSprop is not in the book's figure. Ours is the
   mean training loss of the last epoch.

Data for part 2:
  --dataset digits  (default) scikit-learn's 8x8 digits, pixels / 16, split 70/15/15
                    stratified: 1,257 training images, 10 steps an epoch, so 2000 iterations
                    are 200 epochs. A small, easy set: the losses fall far below MNIST's.
  --dataset mnist   keras.datasets.mnist, pixels / 255; the last 10,000 training images
                    validate. Needs mnist.npz: offline without it, exit status 2.
  --quick           at most 2 epochs (generated synthetic-mnist without mnist.npz).

Run it:

    make recipe NAME=optimizers                          # paths + five training runs
    make recipe NAME=optimizers ARGS="--variant paths"
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
from keras import ops
from matplotlib.figure import Figure
from sklearn.datasets import load_digits

from keras_dl import build_dense_model, train_val_test_split
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

NAME = "optimizers"
SOURCE = "DLFS ch. 6.1.8 (loss near iteration 1900)"
START = (-7.0, 2.0)
PATH_STEPS = 30
GRADIENT_SCALE = np.array([1 / 10, 2.0])  # grad f(x, y) = (x/10, 2y)
FUNCTION = "f(x, y) = x^2/20 + y^2"
HIDDEN_UNITS = (100, 100, 100, 100)
MNIST_ALTERNATIVE = "run with --dataset digits (embedded in scikit-learn, no download)"


@dataclass(frozen=True)
class OptimizerSpec:
    """One optimizer: how Keras builds it, and its learning rates in the two experiments."""

    name: str  # the run's variant
    label: str  # DLFS's name
    build: Callable[[float], keras.optimizers.Optimizer]
    path_lr: float  # on f(x, y)
    train_lr: float  # on digits / MNIST
    book_loss: float | None  # DLFS's training loss near iteration 1900 on MNIST


OPTIMIZERS = (
    OptimizerSpec("sgd", "SGD", lambda lr: keras.optimizers.SGD(lr), 0.95, 0.01, 0.15),
    OptimizerSpec(
        "momentum", "Momentum", lambda lr: keras.optimizers.SGD(lr, momentum=0.9),
        0.1, 0.01, 0.05,
    ),
    # DLFS's accumulator starts at 0 (Keras' default is 0.1).
    OptimizerSpec(
        "adagrad", "AdaGrad",
        lambda lr: keras.optimizers.Adagrad(lr, initial_accumulator_value=0.0),
        1.5, 0.01, 0.016,
    ),
    # DLFS's decay rate 0.99 (Keras' default rho is 0.9).
    OptimizerSpec(
        "rmsprop", "RMSprop", lambda lr: keras.optimizers.RMSprop(lr, rho=0.99),
        0.15, 0.01, None,
    ),
    OptimizerSpec("adam", "Adam", lambda lr: keras.optimizers.Adam(lr), 0.3, 0.001, 0.032),
)  # fmt: skip


def f(points: np.ndarray) -> np.ndarray:
    """f(x, y) = x^2/20 + y^2 for points of shape (..., 2)."""
    return points[..., 0] ** 2 / 20 + points[..., 1] ** 2


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


def run_paths(args: argparse.Namespace) -> Result:
    """Part 1 as a run of its own: the paths, their NumPy check, paths.png and paths.json."""
    with start_recipe(NAME, args, dataset=FUNCTION, variant="paths") as run:
        paths, rows = {}, {}
        header = ("optimizer", "lr", "final x", "final y", "f", "|Keras-NumPy|")
        print("{:<9} {:>5} {:>9} {:>9} {:>10} {:>14}".format(*header))
        for spec in OPTIMIZERS:
            path, reference = keras_path(spec), numpy_path(spec)
            paths[spec.name] = path
            rows[spec.name] = {
                "learning_rate": spec.path_lr,
                "final_point": path[-1].tolist(),
                "final_f": float(f(path[-1])),
                "max_abs_diff_vs_numpy": float(np.max(np.abs(path - reference))),
            }
            row = rows[spec.name]
            print(
                f"{spec.label:<9} {spec.path_lr:>5g} {path[-1][0]:>9.4f} {path[-1][1]:>9.4f} "
                f"{row['final_f']:>10.3g} {row['max_abs_diff_vs_numpy']:>14.2g}"
            )
        run.save_json("paths.json", {name: path.tolist() for name, path in paths.items()})
        if not args.no_plots:
            run.save_figure(paths_figure(paths), "paths.png")
        worst = max(row["max_abs_diff_vs_numpy"] for row in rows.values())
        result = Result("max |Keras path - NumPy path|", worst, FUNCTION, digits=7)
        metrics = {"steps": PATH_STEPS, "start": list(START), "optimizers": rows}
        finish_recipe(run, args, history=None, metrics=metrics, result=result)
    return result


def load_data(
    dataset: str, *, quick: bool, seed: int
) -> tuple[
    str,
    tuple[np.ndarray, np.ndarray],
    tuple[np.ndarray, np.ndarray],
    tuple[np.ndarray, np.ndarray],
]:
    """Return (dataset name, train, val, test), each an (x, y) pair of float32 rows in [0, 1]."""
    if dataset == "digits":
        images, labels = load_digits(return_X_y=True)
        # Pixels 0..16 -> [0, 1], as DLFS scales MNIST's 0..255.
        split = train_val_test_split((images / 16).astype("float32"), labels, seed=seed)
        print(f"digits split: {split}")
        return "digits", split.train, split.val, split.test
    if quick and not is_cached("mnist"):
        # No mnist.npz here: smoke-test the MNIST code path on generated 28x28 images.
        (x_train, y_train), (x_test, y_test) = synthetic_mnist(seed=seed)
        name, x, y = "synthetic-mnist", flatten_images(x_train), y_train
        test = (flatten_images(x_test), y_test)
    else:
        (x, y), test = load_mnist(alternative=MNIST_ALTERNATIVE)
        name = "MNIST"
    n_val = len(x) // 6  # MNIST: the last 10,000 of 60,000 training images validate
    return name, (x[:-n_val], y[:-n_val]), (x[-n_val:], y[-n_val:]), test


def training_result(spec: OptimizerSpec, final_loss: float, dataset: str) -> Result:
    """Our final training loss beside DLFS's MNIST loss (RMSprop: not in the book).

    Six decimals: on digits the adaptive optimizers drive the loss below 1e-4."""
    book = BookFigure("training loss", spec.book_loss, "MNIST", SOURCE) if spec.book_loss else None
    return Result(f"final training loss ({spec.label})", final_loss, dataset, book, digits=6)


def run_training(
    spec: OptimizerSpec,
    args: argparse.Namespace,
    data: tuple[
        str,
        tuple[np.ndarray, np.ndarray],
        tuple[np.ndarray, np.ndarray],
        tuple[np.ndarray, np.ndarray],
    ],
) -> tuple[object, dict]:
    """Part 2: train DLFS's network with one optimizer, as a run of its own."""
    dataset, train, val, test = data
    steps_per_epoch = math.ceil(len(train[0]) / args.batch_size)
    epochs = math.ceil(args.iterations / steps_per_epoch)
    if args.quick:
        epochs = min(epochs, QUICK_EPOCHS)
    with start_recipe(NAME, args, dataset=dataset, variant=spec.name) as run:
        print(
            f"{spec.label} (lr {spec.train_lr:g}): {epochs} epochs of {steps_per_epoch} "
            f"steps = {epochs * steps_per_epoch} iterations"
        )
        model = build_dense_model(
            train[0].shape[1],
            "multiclass",
            num_classes=10,
            hidden_units=HIDDEN_UNITS,
            kernel_initializer="he_normal",  # DLFS's initialization for ReLU layers
            optimizer=spec.build(spec.train_lr),
            name=f"dlfs_{spec.name}",
        )
        history = model.fit(
            *train, validation_data=val, epochs=epochs, batch_size=args.batch_size, verbose=2
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
            "sizes": {"train": len(train[0]), "val": len(val[0]), "test": len(test[0])},
            "book": {"final_loss": spec.book_loss, "iterations": 2000, "dataset": "MNIST"},
        }
        result = training_result(spec, metrics["final_loss"], dataset)
        finish_recipe(
            run,
            args,
            history=history.history,
            metrics=metrics,
            result=result,
            title=f"{NAME} {spec.label} (lr {spec.train_lr:g}) on {dataset}",
        )
    return run, metrics


def print_summary(rows: list[tuple[OptimizerSpec, dict]], dataset: str) -> None:
    """One line per optimizer: final losses and test accuracy beside DLFS's MNIST loss."""
    print(f"\nafter {rows[0][1]['iterations']} iterations on {dataset} (book: MNIST, 2000)")
    print(f"{'optimizer':<9} {'lr':>6} {'loss':>9} {'val_loss':>9} {'test_acc':>8}  book loss")
    for spec, m in rows:
        book = "-" if spec.book_loss is None else f"{spec.book_loss:g}"
        print(
            f"{spec.label:<9} {spec.train_lr:>6g} {m['final_loss']:>9.2e} "
            f"{m['final_val_loss']:>9.2e} {m['test']['accuracy']:>8.4f}  {book}"
        )


def build_parser() -> argparse.ArgumentParser:
    """The shared recipe flags plus --dataset, --variant and --iterations."""
    parser = recipe_parser(__doc__, batch_size=128)
    parser.add_argument(
        "--dataset",
        choices=("digits", "mnist"),
        default="digits",
        help="training data: scikit-learn's 8x8 digits or keras.datasets.mnist "
        "(default: %(default)s)",
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
        type=positive_int,
        default=2000,
        help="mini-batch steps of each training run, rounded up to whole epochs "
        "(default: %(default)s, as DLFS)",
    )
    return parser


@recipe_main
def main(argv: list[str] | None = None) -> int:
    """Run the recipe from the command line; returns the exit status."""
    args = parse_recipe_args(build_parser(), argv)
    specs = [s for s in OPTIMIZERS if args.variant in ("all", "training", s.name)]
    # Load the training data first: without it (MNIST offline) no run is started.
    data = load_data(args.dataset, quick=args.quick, seed=args.seed) if specs else None
    headline = None
    if args.variant in ("all", "paths"):
        headline = run_paths(args)

    if specs:
        rows, runs = [], []
        for spec in specs:
            run, metrics = run_training(spec, args, data)
            rows.append((spec, metrics))
            runs.append(run)
        if len(runs) > 1:
            print("\ntraining loss across the optimizers")
            overlay_runs(NAME, runs, args, metric="loss")
        print_summary(rows, data[0])
        # The headline: the first training run's, e.g. SGD's final loss.
        headline = training_result(specs[0], rows[0][1]["final_loss"], data[0])
    print(headline.line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
