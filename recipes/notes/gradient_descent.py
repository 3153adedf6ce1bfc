"""Gradient descent: f = x0^2 + x1^2 at four learning rates, and a line fitted to scores

Course notes: 양석환, "Deep Learning 01. 딥러닝 개요" (lecture notes) ("경사 하강법": weights
adjusted along the derivative; the starting point and the learning rate matter); Deep Learning from
Scratch (밑바닥부터 시작하는 딥러닝) ch. 4.4 (gradient_method.py); 모두의 딥러닝 (조태호), the
least-squares and gradient-descent chapters (hours studied vs exam scores).

1. f(x0, x1) = x0^2 + x1^2 from (-3, 4), x <- x - lr * grad f(x), the gradient taken
   numerically as DLFS does (central differences, h = 1e-4). At lr 0.1, 20 steps (DLFS
   figure 4-10), each step multiplies x by 0.8: x = (-3, 4) * 0.8^20 = (-0.0346, 0.0461).
   lr 1e-3 barely moves, lr 1.05 zigzags outward (x -1.1 per step), lr 10 explodes until,
   near 1e13, the numerical gradient is lost in rounding and x stops. Keras' SGD, fed the
   same gradients, follows the same path. DLFS ch. 4.4.1's 100-step results (lr 0.1, 10,
   1e-10) are reproduced to every printed digit.
2. 모두의 딥러닝: hours x = [2, 4, 6, 8], scores y = [81, 93, 91, 97]. Least squares gives
   a = 2.3, b = 79 (book), MSE 8.3; the book's MSE 11.0 is its first guess a = 3, b = 76.
   Gradient descent on the MSE from a = b = 0, lr 0.03, 2001 epochs (the book's settings)
   reaches the same line.

descent.png: the paths on f's contours and |x| per step; regression.png: the scores with
the three lines; curves.png: gradient descent's MSE, a and b per epoch (history.csv).

Run it:

    make recipe NAME=gradient_descent
    make recipe NAME=gradient_descent ARGS="--epochs 500"
"""

from collections.abc import Callable

import keras
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from keras_dl import recipe

# 모두의 딥러닝: least squares gives the line a = 2.3, b = 79; gradient descent must reach it.
BOOK_LINE = {"a": 2.3, "b": 79.0}
LINE_TOLERANCE = {"a": 0.05, "b": 0.5}
BOOK = recipe.BookFigure(
    "hours-vs-scores slope and intercept by gradient descent",
    f"a {BOOK_LINE['a']}, b {BOOK_LINE['b']}",
    "hours-vs-scores",
    "모두의 딥러닝",
    band=f"a within {LINE_TOLERANCE['a']}, b within {LINE_TOLERANCE['b']}",
    exact=True,
    origin="text",
)
# DLFS figure 4-10: at lr 0.1, 20 steps from (-3, 4) end near the minimum (0, 0).
NEAR_MINIMUM = 0.01
BOOK_DESCENT = recipe.BookFigure(
    "f = x0^2 + x1^2 from (-3, 4), lr 0.1, 20 steps",
    "near (0, 0)",
    recipe.ANY_DATASET,
    "DLFS ch. 4.4, figure 4-10",
    band=f"f < {NEAR_MINIMUM}",
    exact=True,
    origin="text",
)

GUESS = {"a": 3.0, "b": 76.0}  # the book's first guess at the line
BOOK_GUESS_MSE = 11.0

START = np.array([-3.0, 4.0])
STEPS = 20
LEARNING_RATES = {"right": 0.1, "too small": 1e-3, "too large": 1.05, "far too large": 10.0}

HOURS = np.array([2.0, 4.0, 6.0, 8.0])
SCORES = np.array([81.0, 93.0, 91.0, 97.0])
REGRESSION_LR = 0.03

# DLFS ch. 4.4.1: x after 100 steps from (-3, 4) at three learning rates, as printed.
DLFS_100_STEPS = {
    0.1: [-6.11110793e-10, 8.14814391e-10],
    10.0: [-2.58983747e13, -1.29524862e12],
    1e-10: [-2.99999994, 3.99999992],
}


@recipe.command
def main(argv: list[str] | None = None) -> int:
    """Descend x0^2 + x1^2, then fit the scores' line; returns the exit status."""
    args = recipe.parser(__doc__, epochs=2001).parse_args(argv)

    with recipe.start("gradient_descent", args, dataset="hours-vs-scores") as run:
        # 1. f = x0^2 + x1^2 at four learning rates.
        paths = {name: gradient_descent(START, lr, STEPS) for name, lr in LEARNING_RATES.items()}
        for name, path in paths.items():
            print(
                f"lr {LEARNING_RATES[name]:>6g} ({name}): x after {STEPS} steps = "
                f"{np.array2string(path[-1], precision=6)}, f = {f(path[-1]):.6g}"
            )
        dlfs = {lr: gradient_descent(START, lr, 100)[-1] for lr in DLFS_100_STEPS}
        for lr, x in dlfs.items():
            print(
                f"lr {lr:g}, 100 steps: x = {np.array2string(x, precision=8)} "
                f"(DLFS {np.array2string(np.array(DLFS_100_STEPS[lr]), precision=8)})"
            )
        keras_path = keras_sgd_path(START, LEARNING_RATES["right"], STEPS)
        keras_gap = float(np.max(np.abs(keras_path - paths["right"])))
        print(
            f"Keras SGD(0.1) on the same gradients: max |difference| along the path {keras_gap:.1e}"
        )

        # 2. The hours-vs-scores line: least squares, then gradient descent.
        a, b = least_squares()
        print(
            f"\nleast squares: a = {a:.4f}, b = {b:.4f}, MSE {mse(a, b):.4f} "
            f"(the book's guess a = 3, b = 76 has MSE {mse(**GUESS):.4f}, "
            f"book {BOOK_GUESS_MSE})"
        )
        history = fit_line_by_gradient_descent(args.epochs, REGRESSION_LR, run.epoch_log())
        for epoch in range(0, args.epochs, 500):
            print(f"epoch {epoch:>4}: a = {history['a'][epoch]:.4f}, b = {history['b'][epoch]:.4f}")
        gd_a, gd_b = history["a"][-1], history["b"][-1]
        print(
            f"after {args.epochs} epochs: a = {gd_a:.4f}, b = {gd_b:.4f}, MSE {mse(gd_a, gd_b):.4f}"
        )

        if not args.no_plots:
            run.save_figure(descent_figure(paths), "descent.png")
            run.save_figure(regression_figure(history, (a, b)), "regression.png")
            run.save_figure(curves_figure(history, (a, b)))
        # curves.png is drawn here (log scales for 2001 epochs), so run.finish gets no
        # history to plot; the epoch log wrote history.csv as the epochs ended.
        final_f = {name: f(path[-1]) for name, path in paths.items()}
        run.finish(
            metrics={
                "start": START,
                "steps": STEPS,
                "learning_rates": LEARNING_RATES,
                "final_x": {name: path[-1] for name, path in paths.items()},
                "final_f": final_f,
                "max_gap_keras_sgd_vs_numpy": keras_gap,
                "x_after_100_steps": {str(lr): x for lr, x in dlfs.items()},
                "dlfs_x_after_100_steps": {str(lr): x for lr, x in DLFS_100_STEPS.items()},
                "least_squares": {"a": a, "b": b, "mse": mse(a, b)},
                "guess": {**GUESS, "mse": mse(**GUESS)},
                "gradient_descent": {
                    "learning_rate": REGRESSION_LR,
                    "epochs": args.epochs,
                    "a": gd_a,
                    "b": gd_b,
                    "mse": mse(gd_a, gd_b),
                },
                "book": {"least_squares": BOOK_LINE, "guess_mse": BOOK_GUESS_MSE},
            },
            result=run.result(
                BOOK.metric,
                f"a {gd_a:.3f}, b {gd_b:.3f}",
                BOOK,
                holds=abs(gd_a - BOOK_LINE["a"]) <= LINE_TOLERANCE["a"]
                and abs(gd_b - BOOK_LINE["b"]) <= LINE_TOLERANCE["b"],
            ),
            figures=[
                run.result(
                    BOOK_DESCENT.metric,
                    f"f = {final_f['right']:.2e}",
                    BOOK_DESCENT,
                    holds=final_f["right"] < NEAR_MINIMUM,
                )
            ],
        )
    return 0


def f(x: np.ndarray) -> float:
    """x0^2 + x1^2."""
    return float(np.sum(x**2))


H = 1e-4  # DLFS's step for central differences


def numerical_gradient(fn: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """Central differences (fn(x + h e_i) - fn(x - h e_i)) / 2h in each coordinate (DLFS)."""
    gradient = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step[i] = H
        gradient[i] = (fn(x + step) - fn(x - step)) / (2 * H)
    return gradient


def gradient_descent(start: np.ndarray, learning_rate: float, steps: int) -> np.ndarray:
    """The path x_0 .. x_steps of x <- x - lr * grad f(x), shape (steps + 1, 2)."""
    path = [start.copy()]
    for _ in range(steps):
        path.append(path[-1] - learning_rate * numerical_gradient(f, path[-1]))
    return np.array(path)


def keras_sgd_path(start: np.ndarray, learning_rate: float, steps: int) -> np.ndarray:
    """The same descent by keras.optimizers.SGD, given the same numerical gradients."""
    x = keras.Variable(start.astype("float32"))
    optimizer = keras.optimizers.SGD(learning_rate)
    path = [keras.ops.convert_to_numpy(x).astype(float)]
    for _ in range(steps):
        gradient = numerical_gradient(f, keras.ops.convert_to_numpy(x).astype(float))
        optimizer.apply([keras.ops.convert_to_tensor(gradient, "float32")], [x])
        path.append(keras.ops.convert_to_numpy(x).astype(float))
    return np.array(path)


def mse(a: float, b: float) -> float:
    """Mean squared error of the line a x + b on the scores."""
    return float(np.mean((SCORES - (a * HOURS + b)) ** 2))


def least_squares() -> tuple[float, float]:
    """a = sum (x - mean x)(y - mean y) / sum (x - mean x)^2, b = mean y - a mean x."""
    dx, dy = HOURS - HOURS.mean(), SCORES - SCORES.mean()
    a = float(np.sum(dx * dy) / np.sum(dx**2))
    return a, float(SCORES.mean() - a * HOURS.mean())


def fit_line_by_gradient_descent(
    epochs: int, learning_rate: float, log: recipe.EpochWriter | None = None
) -> dict[str, list[float]]:
    """The book's loop: from a = b = 0, step along the MSE's derivatives; per-epoch history.

    d MSE / da = (2 / n) sum -x (y - y_hat), d MSE / db = (2 / n) sum -(y - y_hat).
    History: the MSE before each epoch's step, and a, b after it; each epoch's is appended
    to `log` as it ends.
    """
    a = b = 0.0
    n = len(HOURS)
    history = {"loss": [], "a": [], "b": []}
    for _ in range(epochs):
        error = SCORES - (a * HOURS + b)
        history["loss"].append(float(np.mean(error**2)))
        a -= learning_rate * (2 / n) * float(np.sum(-HOURS * error))
        b -= learning_rate * (2 / n) * float(np.sum(-error))
        history["a"].append(a)
        history["b"].append(b)
        if log is not None:
            log.append({"loss": history["loss"][-1], "a": a, "b": b})
    return history


def descent_figure(paths: dict[str, np.ndarray]) -> Figure:
    """Paths on f's contours (close and wide views) and |x| per step on a log scale."""
    fig = Figure(figsize=(16.0, 5.0), layout="constrained")
    close, wide, distance = fig.subplots(1, 3)
    colors = {
        "right": "#2e86c1",
        "too small": "#27ae60",
        "too large": "#c0392b",
        "far too large": "#7f8c8d",
    }
    for ax, limit, names in ((close, 5.0, ("right", "too small")), (wide, 40.0, ("too large",))):
        grid = np.linspace(-limit, limit, 201)
        x0, x1 = np.meshgrid(grid, grid)
        ax.contour(x0, x1, x0**2 + x1**2, levels=12, colors="#bbbbbb", linewidths=0.8)
        for name in names:
            path = paths[name]
            ax.plot(
                path[:, 0],
                path[:, 1],
                "o-",
                markersize=3,
                color=colors[name],
                label=f"lr {LEARNING_RATES[name]:g} ({name})",
            )
        ax.plot(*START, "k*", markersize=12, zorder=1, label="start (-3, 4)")
        ax.plot(0, 0, "k+", markersize=12)
        ax.set(xlim=(-limit, limit), ylim=(-limit, limit), aspect="equal", xlabel="x0", ylabel="x1")
        ax.legend(loc="lower right", fontsize=8)
    close.set_title(f"f = x0^2 + x1^2, {STEPS} steps")
    wide.set_title(f"lr {LEARNING_RATES['too large']:g}: x -1.1 per step, zigzags outward")

    for name, path in paths.items():
        distance.semilogy(
            np.linalg.norm(path, axis=1),
            "o-",
            markersize=3,
            color=colors[name],
            label=f"lr {LEARNING_RATES[name]:g}: x {1 - 2 * LEARNING_RATES[name]:g} per step",
        )
    distance.annotate(
        "lr 10 stalls: the numerical\ngradient is lost in rounding",
        (14, 3e13),
        xytext=(9.5, 1e6),
        arrowprops={"arrowstyle": "->"},
        fontsize=8,
    )
    distance.set(title="distance |x| from the minimum", xlabel="step", ylabel="|x| (log scale)")
    distance.xaxis.set_major_locator(MaxNLocator(integer=True))
    distance.grid(alpha=0.3)
    distance.legend(fontsize=8)
    return fig


def regression_figure(history: dict[str, list[float]], fitted: tuple[float, float]) -> Figure:
    """The scores with the book's guess, the least-squares line and gradient descent's."""
    fig = Figure(figsize=(6.4, 4.8), layout="constrained")
    ax = fig.add_subplot()
    hours = np.linspace(0, 10, 2)
    ax.scatter(HOURS, SCORES, s=50, color="k", zorder=3, label="hours studied, score")
    ax.plot(
        hours,
        GUESS["a"] * hours + GUESS["b"],
        "--",
        color="#7f8c8d",
        label=f"book's guess 3x + 76: MSE {mse(**GUESS):.1f}",
    )
    a, b = fitted
    ax.plot(
        hours,
        a * hours + b,
        color="#2e86c1",
        linewidth=4,
        alpha=0.5,
        label=f"least squares {a:.1f}x + {b:.0f}: MSE {mse(a, b):.1f}",
    )
    gd_a, gd_b = history["a"][-1], history["b"][-1]
    ax.plot(
        hours,
        gd_a * hours + gd_b,
        color="#c0392b",
        linestyle=":",
        linewidth=2,
        label=f"gradient descent, {len(history['a'])} epochs: {gd_a:.4f}x + {gd_b:.4f}",
    )
    ax.set(
        title="Everybody's Deep Learning: hours vs scores",
        xlabel="hours studied",
        ylabel="score",
        xlim=(0, 10),
        ylim=(70, 105),
    )
    ax.legend(fontsize=8, loc="lower right")
    return fig


def curves_figure(history: dict[str, list[float]], fitted: tuple[float, float]) -> Figure:
    """Gradient descent per epoch: the MSE (log scale), a and b, beside least squares'."""
    fig = Figure(figsize=(15.0, 4.2), layout="constrained")
    epochs = np.arange(1, len(history["loss"]) + 1)
    a, b = fitted
    targets = {"loss": (mse(a, b), "MSE (log scale)"), "a": (a, "slope a"), "b": (b, "intercept b")}
    for ax, (key, (value, label)) in zip(fig.subplots(1, 3), targets.items(), strict=True):
        ax.plot(epochs, history[key], color="#c0392b", label="gradient descent")
        ax.axhline(value, color="#2e86c1", linestyle="--", label=f"least squares: {value:.4g}")
        ax.set(xlabel="epoch", ylabel=label, xscale="log")
        if key == "loss":
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(
        f"gradient descent on the scores' MSE, lr {REGRESSION_LR:g}, from a = b = 0 "
        "(epochs on a log scale)"
    )
    return fig


if __name__ == "__main__":
    raise SystemExit(main())
