"""Activation functions: step, sigmoid, tanh, ReLU and a softmax that does not overflow

Course notes: "딥러닝" lecture notes (author not named; they follow DLFS ch. 2-3) ("활성화
함수": step, sigmoid, ReLU, linear vs non-linear) and 양석환, "Deep Learning 01. 딥러닝 개요"
(lecture notes) (sigmoid, tanh, ReLU, softmax; which output activation for which task); Deep
Learning from Scratch (밑바닥부터 시작하는 딥러닝, 사이토 고키; DLFS) ch. 3.2 and 3.5.

1. Step, sigmoid, tanh and ReLU in NumPy, drawn with their derivatives (activations.png).
   The step's derivative is 0 wherever it exists: why the notes train with sigmoid (and
   ReLU) instead.
2. Softmax in its stable form, exp(a - max(a)) / sum(exp(a - max(a))). Book (DLFS ch. 3.5):
   softmax([0.3, 2.9, 4.0]) = [0.0182, 0.2452, 0.7366], summing to 1.
3. Why the max is subtracted: naive exp(a) / sum(exp(a)) on [1010, 1000, 990] overflows
   (inf / inf = nan), the stable form gives [0.99995, 4.54e-05, 2.06e-09].
4. keras.activations (sigmoid, tanh, relu, softmax) and keras.ops (the step as a
   comparison) give the NumPy values (float32 precision); Keras' softmax is the stable one.

Run it:

    make recipe NAME=activations
"""

import keras
import numpy as np
from matplotlib.figure import Figure

from keras_dl import recipe

# DLFS prints the softmax to 4 decimals: we reproduce it to the last of them.
BOOK_SOFTMAX = (0.0182, 0.2452, 0.7366)
BOOK = recipe.BookFigure(
    "softmax([0.3, 2.9, 4.0])[2]",
    BOOK_SOFTMAX[2],
    "DLFS example",
    "DLFS ch. 3.5",
    band=recipe.around(BOOK_SOFTMAX[2], 1e-4),
    exact=True,
    origin="text",
)
SOFTMAX_INPUT = np.array([0.3, 2.9, 4.0])
OVERFLOW_INPUT = np.array([1010.0, 1000.0, 990.0])
CURVE_X = np.linspace(-5.0, 5.0, 1001)  # the notes plot np.arange(-5.0, 5.0, 0.1)


@recipe.command
def main(argv: list[str] | None = None) -> int:
    """Evaluate, compare and draw the activation functions; returns the exit status."""
    args = recipe.parser(__doc__).parse_args(argv)

    with recipe.start("activations", args, dataset="DLFS example") as run:
        # 1. Values of each activation at a few points, as the notes print them.
        points = np.array([-1.0, 1.0, 2.0])  # the notes' example array
        for name, fn in ACTIVATIONS.items():
            print(f"{name:>7}({points.tolist()}) = {np.round(fn(points), 6).tolist()}")

        # 2. Softmax, stable form, on the book's input: probabilities that sum to 1.
        values = softmax(SOFTMAX_INPUT)
        print(
            f"softmax({SOFTMAX_INPUT.tolist()}) = {np.round(values, 4).tolist()} "
            f"(sum {values.sum():.6f}; book {list(BOOK_SOFTMAX)})"
        )

        # 3. Overflow: naive exp(1010) is inf in float64, and inf / inf is nan. Subtracting
        #    the max first changes no value and keeps every exponent <= 0.
        naive, stable = naive_softmax(OVERFLOW_INPUT), softmax(OVERFLOW_INPUT)
        print(f"naive  softmax({OVERFLOW_INPUT.tolist()}) = {naive.tolist()}")
        print(f"stable softmax({OVERFLOW_INPUT.tolist()}) = {stable.tolist()}")
        keras_overflow = keras.ops.convert_to_numpy(
            keras.activations.softmax(OVERFLOW_INPUT[None, :].astype("float32"))
        )[0]
        print(f"keras  softmax({OVERFLOW_INPUT.tolist()}) = {keras_overflow.tolist()}")

        # 4. Keras computes the same functions (in float32).
        differences = keras_differences(CURVE_X)
        print("max |NumPy - Keras|: " + ", ".join(f"{k} {v:.1e}" for k, v in differences.items()))

        if not args.no_plots:
            run.save_figure(activations_figure(values), "activations.png")
        run.finish(
            metrics={
                "softmax_input": SOFTMAX_INPUT,
                "softmax": values,
                "softmax_sum": float(values.sum()),
                "book_softmax": list(BOOK_SOFTMAX),
                "overflow_input": OVERFLOW_INPUT,
                "naive_softmax_overflow": naive,
                "naive_softmax_is_finite": bool(np.all(np.isfinite(naive))),
                "stable_softmax_overflow": stable,
                "keras_softmax_overflow": keras_overflow,
                "max_abs_difference_numpy_keras": differences,
                "values_at_minus1_1_2": {n: fn(points) for n, fn in ACTIVATIONS.items()},
            },
            result=run.result(BOOK.metric, values[2], BOOK, digits=8),
        )
    return 0


def step(x: np.ndarray) -> np.ndarray:
    """1 where x > 0, else 0 (the perceptron's activation)."""
    return (x > 0).astype(float)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x))."""
    return 1.0 / (1.0 + np.exp(-x))


def tanh(x: np.ndarray) -> np.ndarray:
    """(exp(x) - exp(-x)) / (exp(x) + exp(-x)), i.e. 2 sigmoid(2x) - 1."""
    return np.tanh(x)


def relu(x: np.ndarray) -> np.ndarray:
    """max(0, x)."""
    return np.maximum(0.0, x)


# The functions and their derivatives (the step's is 0 except at 0, where it has none).
ACTIVATIONS = {"step": step, "sigmoid": sigmoid, "tanh": tanh, "relu": relu}
DERIVATIVES = {
    "step": lambda x: np.zeros_like(x),
    "sigmoid": lambda x: sigmoid(x) * (1.0 - sigmoid(x)),
    "tanh": lambda x: 1.0 - np.tanh(x) ** 2,
    "relu": lambda x: (x > 0).astype(float),
}
KERAS_ACTIVATIONS = {
    "step": lambda x: keras.ops.cast(keras.ops.greater(x, 0), "float32"),
    "sigmoid": keras.activations.sigmoid,
    "tanh": keras.activations.tanh,
    "relu": keras.activations.relu,
}


def softmax(a: np.ndarray) -> np.ndarray:
    """exp(a - max a) / sum(exp(a - max a)): the same values, and no overflow."""
    exp_a = np.exp(a - np.max(a))
    return exp_a / np.sum(exp_a)


def naive_softmax(a: np.ndarray) -> np.ndarray:
    """exp(a) / sum(exp(a)): overflows once an input passes about 709 (float64)."""
    with np.errstate(over="ignore", invalid="ignore"):  # the overflow is what we show
        exp_a = np.exp(a)
        return exp_a / np.sum(exp_a)


def keras_differences(x: np.ndarray) -> dict[str, float]:
    """Largest |NumPy - Keras| of each activation on x, softmax on SOFTMAX_INPUT included."""
    tensor = keras.ops.convert_to_tensor(x, dtype="float32")
    differences = {
        name: float(np.max(np.abs(ACTIVATIONS[name](x) - keras.ops.convert_to_numpy(fn(tensor)))))
        for name, fn in KERAS_ACTIVATIONS.items()
    }
    ours = softmax(SOFTMAX_INPUT)
    theirs = keras.ops.convert_to_numpy(
        keras.activations.softmax(SOFTMAX_INPUT[None, :].astype("float32"))
    )[0]
    differences["softmax"] = float(np.max(np.abs(ours - theirs)))
    return differences


def activations_figure(softmax_values: np.ndarray) -> Figure:
    """Curves, derivatives, and softmax([0.3, 2.9, 4.0]) as bars."""
    fig = Figure(figsize=(15.0, 4.4), layout="constrained")
    curves, slopes, bars = fig.subplots(1, 3, width_ratios=[1.0, 1.0, 0.75])
    for name, fn in ACTIVATIONS.items():
        # The step is drawn dashed and on top: elsewhere it hides under ReLU (0 for x < 0).
        style = {"linestyle": "--", "zorder": 3} if name == "step" else {}
        curves.plot(CURVE_X, fn(CURVE_X), label=name, linewidth=2, **style)
        slopes.plot(CURVE_X, DERIVATIVES[name](CURVE_X), label=f"{name}'", linewidth=2, **style)
    curves.set(title="activation h(x)", xlabel="x", ylabel="h(x)", ylim=(-1.2, 2.2))
    slopes.set(
        title="derivative h'(x) (step: 0 everywhere but x = 0)",
        xlabel="x",
        ylabel="h'(x)",
        ylim=(-0.1, 1.2),
    )
    for ax in (curves, slopes):
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left")

    labels = [f"a = {a:g}" for a in SOFTMAX_INPUT]
    bars.bar(labels, softmax_values, color="#4c72b0")
    for i, value in enumerate(softmax_values):
        bars.annotate(
            f"{value:.4f}",
            (i, value),
            ha="center",
            va="bottom",
            textcoords="offset points",
            xytext=(0, 3),
        )
    bars.set(title="softmax([0.3, 2.9, 4.0]): sums to 1", ylabel="softmax", ylim=(0, 0.85))
    return fig


if __name__ == "__main__":
    raise SystemExit(main())
