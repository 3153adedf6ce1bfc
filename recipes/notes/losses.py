"""Loss functions: MSE and cross-entropy on the notes' example, and why accuracy is no loss

Course notes: 양석환, "Deep Learning 01. 딥러닝 개요" (lecture notes) ("손실 함수": MSE,
cross-entropy error; "왜 손실함수를 사용하는가?": accuracy's derivative is 0 almost everywhere);
Deep Learning from Scratch (밑바닥부터 시작하는 딥러닝) ch. 4.2.

1. Ten classes, the answer is class 2: t = one-hot(2). When the network gives class 2
   probability 0.6, y = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0],
   MSE (DLFS's 1/2 * sum (y - t)^2) = 0.0975 and cross-entropy -sum t log(y + 1e-7) = 0.5108;
   with the 0.6 on class 7 instead, 0.5975 and 2.3026 (book). Lower is better for both.
2. Keras' losses on the same inputs. keras.losses.CategoricalCrossentropy (one-hot t) and
   SparseCategoricalCrossentropy (label 2) give the same cross-entropy. Keras'
   MeanSquaredError is a *mean*, 1/n * sum (the notes' own MSE formula), not DLFS's
   1/2 * sum: with n = 10 classes, 1/2 sum = (n / 2) * mean = 5 * 0.0195 = 0.0975.
3. Why training does not minimize (1 - accuracy) directly: one sigmoid neuron
   p = sigmoid(w x + b) on 40 generated points (two classes, seeded by --seed), its bias
   held at -1 and its weight w swept over a grid. Central finite differences,
   (f(w + h) - f(w - h)) / 2h with h = 1e-4 as in DLFS, give accuracy's slope 0 at almost
   every w (it only jumps when a point crosses the decision threshold), so a gradient step
   would not move; the cross-entropy's slope is never 0 and equals the analytic
   mean((p - y) x). Keras' binary_accuracy and binary_crossentropy give the same curves.
   losses.png draws both parts.

Run it:

    make recipe NAME=losses
    make recipe NAME=losses ARGS="--seed 3"
"""

from collections.abc import Callable

import keras
import numpy as np
from matplotlib.figure import Figure

from keras_dl import recipe

# DLFS ch. 4.2's losses (4 decimals, reproduced to the last) and the notes' reason for a
# loss: accuracy's slope is 0 almost everywhere, on any data, so no gradient can follow it.
BOOK_VALUES = {"right": {"mse": 0.0975, "cee": 0.5108}, "wrong": {"mse": 0.5975, "cee": 2.3026}}
TOLERANCE = 1e-4
BOOK_LOSSES = {
    case: recipe.BookFigure(
        f"MSE / cross-entropy, {case} class at 0.6",
        f"{book['mse']} / {book['cee']}",
        "DLFS example",
        "DLFS ch. 4.2",
        band=f"both within {TOLERANCE:g}",
        exact=True,
        origin="text",
    )
    for case, book in BOOK_VALUES.items()
}
ZERO_SLOPE_AT_LEAST = 0.99
BOOK_FLAT = recipe.BookFigure(
    "accuracy's slope is zero",
    "almost everywhere",
    recipe.ANY_DATASET,
    '"손실 함수" (as DLFS ch. 4.2)',
    band=f"at least {ZERO_SLOPE_AT_LEAST:.0%} of weights",
    exact=True,
    origin="notes",
)

T = np.eye(10)[2]  # the answer is class 2, one-hot
Y = {
    "right": np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]),  # 0.6 on class 2
    "wrong": np.array([0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0]),  # 0.6 on class 7
}
DELTA = 1e-7  # DLFS adds it inside the log, so that log(0) never happens


@recipe.command
def main(argv: list[str] | None = None) -> int:
    """Compute the notes' losses, then sweep accuracy and the loss; returns the exit status."""
    args = recipe.parser(__doc__).parse_args(argv)

    with recipe.start("losses", args, dataset="DLFS example") as run:
        # 1. and 2. The notes' example in NumPy, then Keras' losses on the same inputs.
        examples = {}
        for case, y in Y.items():
            examples[case] = {
                "mse": mean_squared_error_half_sum(y, T),
                "mse_mean": mean_squared_error_mean(y, T),
                "cee": cross_entropy_error(y, T),
                "keras": keras_losses(y, T),
            }
            e = examples[case]
            print(
                f"0.6 on class {int(np.argmax(y))} ({case} class): "
                f"MSE 1/2 sum {e['mse']:.4f} (book {BOOK_VALUES[case]['mse']}), "
                f"CEE {e['cee']:.4f} (book {BOOK_VALUES[case]['cee']})"
            )
            print(
                f"  mean form {e['mse_mean']:.4f}; Keras: "
                + ", ".join(f"{k} {v:.4f}" for k, v in e["keras"].items())
                + f"; 1/2 sum = {len(T)} / 2 x Keras mse = {len(T) / 2 * e['keras']['mse']:.4f}"
            )

        # 3. Accuracy vs cross-entropy as functions of one weight.
        x, labels = two_classes(args.seed)
        sweep = {
            "w": WEIGHT_GRID,
            "accuracy": accuracy(WEIGHT_GRID, x, labels),
            "loss": binary_cross_entropy(WEIGHT_GRID, x, labels),
            "accuracy_slope": central_difference(lambda w: accuracy(w, x, labels), WEIGHT_GRID),
            "loss_slope": central_difference(
                lambda w: binary_cross_entropy(w, x, labels), WEIGHT_GRID
            ),
        }
        p = probabilities(WEIGHT_GRID, x)
        analytic = np.mean((p - labels) * x, axis=1)  # d/dw of the mean cross-entropy
        sweep["accuracy_slope_zero_fraction"] = float(np.mean(sweep["accuracy_slope"] == 0))
        sweep["loss_slope_zero_fraction"] = float(np.mean(sweep["loss_slope"] == 0))
        gap = float(np.max(np.abs(sweep["loss_slope"] - analytic)))

        # Keras' own metric and loss draw the same curves (float32).
        targets = np.broadcast_to(labels, p.shape).astype("float32")
        keras_hits = keras.metrics.binary_accuracy(targets, p.astype("float32"))  # per point
        keras_accuracy = np.mean(keras.ops.convert_to_numpy(keras_hits), axis=1)
        keras_loss = keras.ops.convert_to_numpy(
            keras.losses.binary_crossentropy(targets, p.astype("float32"))
        )
        keras_gaps = {
            "accuracy": float(np.max(np.abs(keras_accuracy - sweep["accuracy"]))),
            "loss": float(np.max(np.abs(keras_loss - sweep["loss"]))),
        }
        print(
            f"\n{WEIGHT_GRID.size} weights w in [{WEIGHT_GRID[0]:g}, {WEIGHT_GRID[-1]:g}], "
            f"bias {BIAS:g}: accuracy takes {np.unique(sweep['accuracy']).size} values, "
            f"from {sweep['accuracy'].min():.3f} to {sweep['accuracy'].max():.3f}"
        )
        print(
            f"slope of accuracy is 0 at {100 * sweep['accuracy_slope_zero_fraction']:.1f}% "
            f"of them; of the loss at {100 * sweep['loss_slope_zero_fraction']:.1f}% "
            f"(smallest |slope| {np.min(np.abs(sweep['loss_slope'])):.2e})"
        )
        print(
            f"finite-difference loss slope vs analytic mean((p - y) x): max gap {gap:.1e}; "
            f"Keras binary_accuracy / binary_crossentropy vs NumPy: "
            f"{keras_gaps['accuracy']:.1e} / {keras_gaps['loss']:.1e}"
        )

        if not args.no_plots:
            run.save_figure(losses_figure(examples, sweep), "losses.png")
        results = [
            run.result(
                BOOK_LOSSES[case].metric,
                f"{examples[case]['mse']:.4f} / {examples[case]['cee']:.4f}",
                BOOK_LOSSES[case],
                holds=all(
                    abs(examples[case][key] - BOOK_VALUES[case][key]) <= TOLERANCE
                    for key in ("mse", "cee")
                ),
            )
            for case in BOOK_VALUES
        ]
        zero = sweep["accuracy_slope_zero_fraction"]
        results.append(
            run.result(
                BOOK_FLAT.metric,
                f"{zero:.0%} of weights",
                BOOK_FLAT,
                holds=zero >= ZERO_SLOPE_AT_LEAST,
            )
        )
        run.finish(
            metrics={
                "t": T,
                "y": Y,
                "examples": examples,
                "book": BOOK_VALUES,
                "keras_mse_to_half_sum_factor": len(T) / 2,
                "accuracy_slope_zero_fraction": sweep["accuracy_slope_zero_fraction"],
                "loss_slope_zero_fraction": sweep["loss_slope_zero_fraction"],
                "min_abs_loss_slope": float(np.min(np.abs(sweep["loss_slope"]))),
                "accuracy_distinct_values": int(np.unique(sweep["accuracy"]).size),
                "max_gap_loss_slope_vs_analytic": gap,
                "max_gap_keras_vs_numpy": keras_gaps,
                "finite_difference_h": H,
                "weights_swept": WEIGHT_GRID.size,
            },
            result=results[0],
            figures=results[1:],
        )
    return 0


def mean_squared_error_half_sum(y: np.ndarray, t: np.ndarray) -> float:
    """DLFS's MSE: 1/2 * sum (y - t)^2."""
    return 0.5 * float(np.sum((y - t) ** 2))


def mean_squared_error_mean(y: np.ndarray, t: np.ndarray) -> float:
    """The notes' (and Keras') MSE: 1/n * sum (y - t)^2."""
    return float(np.mean((y - t) ** 2))


def cross_entropy_error(y: np.ndarray, t: np.ndarray) -> float:
    """-sum t log(y + delta)."""
    return -float(np.sum(t * np.log(y + DELTA)))


def keras_losses(y: np.ndarray, t: np.ndarray) -> dict[str, float]:
    """Keras' MSE, categorical and sparse categorical cross-entropy of one prediction y."""
    y32, t32 = y[None, :].astype("float32"), t[None, :].astype("float32")
    label = np.array([int(np.argmax(t))])
    return {
        "mse": float(keras.losses.MeanSquaredError()(t32, y32)),
        "categorical_crossentropy": float(keras.losses.CategoricalCrossentropy()(t32, y32)),
        "sparse_categorical_crossentropy": float(
            keras.losses.SparseCategoricalCrossentropy()(label, y32)
        ),
    }


# Part 3: one neuron sigmoid(w x + BIAS) on two classes of points, w swept over a grid, slopes
# by central differences with DLFS's h.
POINTS_PER_CLASS = 20
BIAS = -1.0
WEIGHT_GRID = np.linspace(0.05, 3.0, 600)
H = 1e-4


def two_classes(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """1-D points: class 0 around 0, class 1 around 2 (std 0.8), POINTS_PER_CLASS each."""
    rng = np.random.default_rng(seed)
    x = np.concatenate(
        [rng.normal(0.0, 0.8, POINTS_PER_CLASS), rng.normal(2.0, 0.8, POINTS_PER_CLASS)]
    )
    y = np.repeat([0.0, 1.0], POINTS_PER_CLASS)
    return x, y


def probabilities(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """sigmoid(w x + BIAS) for each weight in w (rows) and point in x (columns)."""
    return 1.0 / (1.0 + np.exp(-(np.outer(w, x) + BIAS)))


def accuracy(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Share of points classified right (p > 0.5 means class 1), for each weight in w."""
    return np.mean((probabilities(w, x) > 0.5) == (y > 0.5), axis=1)


def binary_cross_entropy(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mean -[y log p + (1 - y) log(1 - p)], for each weight in w."""
    p = probabilities(w, x)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p), axis=1)


def central_difference(f: Callable[[np.ndarray], np.ndarray], w: np.ndarray) -> np.ndarray:
    """(f(w + h) - f(w - h)) / 2h at each w: DLFS's numerical derivative."""
    return (f(w + H) - f(w - H)) / (2 * H)


def losses_figure(examples: dict, sweep: dict) -> Figure:
    """The two predictions with their losses; accuracy and loss against w; their slopes."""
    fig = Figure(figsize=(16.0, 4.6), layout="constrained")
    bars, values, slopes = fig.subplots(1, 3)

    classes = np.arange(10)
    for offset, (case, color) in zip(
        (-0.2, 0.2), (("right", "#2e86c1"), ("wrong", "#c0392b")), strict=True
    ):
        label = (
            f"0.6 on class {int(np.argmax(Y[case]))}: MSE {examples[case]['mse']:.4f}, "
            f"CEE {examples[case]['cee']:.4f}"
        )
        bars.bar(classes + offset, Y[case], width=0.4, color=color, label=label)
    bars.bar([2], [1.0], width=0.9, fill=False, edgecolor="k", linestyle="--", label="t: class 2")
    bars.set(
        title="predictions y for answer t = class 2",
        xlabel="class",
        ylabel="y",
        xticks=classes,
        ylim=(0, 1.25),
    )
    bars.legend(fontsize=8, loc="upper right")

    w = sweep["w"]
    values.plot(w, sweep["accuracy"], color="#8e44ad", label="accuracy")
    values.plot(w, sweep["loss"], color="#16a085", label="cross-entropy loss")
    values.set(
        title=f"one neuron sigmoid(w x - {-BIAS:g}) on {2 * POINTS_PER_CLASS} points",
        xlabel="weight w",
        ylabel="value",
    )
    values.legend()

    slopes.plot(w, sweep["accuracy_slope"], color="#8e44ad", label="d accuracy / dw")
    slopes.plot(w, sweep["loss_slope"], color="#16a085", label="d loss / dw")
    zero = 100 * sweep["accuracy_slope_zero_fraction"]
    slopes.set(title=f"slopes by finite differences, h = {H:g}", xlabel="weight w", ylabel="slope")
    slopes.text(
        0.62,
        0.4,
        f"accuracy's slope is 0 at {zero:.1f}% of the {w.size} weights",
        transform=slopes.transAxes,
        ha="center",
        color="#8e44ad",
    )
    slopes.legend(loc="lower right")
    for ax in (values, slopes):
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.grid(alpha=0.3)
    return fig


if __name__ == "__main__":
    raise SystemExit(main())
