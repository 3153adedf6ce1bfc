"""Backpropagation by hand: the notes' worked example, then the chain rule and Keras

Course notes: 양석환, "Deep Learning 01. 딥러닝 개요" (lecture notes) ("역전파 시 어떻게 가중치를
조절하는가?").

One linear neuron y = 0.4 A + 0.3 B + 0.1 C with weights A = 0.1, B = 0.3, C = 0.2 outputs
0.15; the target is 0.2, so the error is 0.05. The notes correct it by hand:

  1. split the error in the weights' ratio 1 : 3 : 2 -> A' = 0.0083, B' = 0.025, C' = 0.0167
  2. add the shares to the weights -> A = 0.1083, B = 0.325, C = 0.2167
  3. recompute the output; the notes print 0.04332 + 0.0975 + 0.04334 = 0.18416, error
     0.01584 (down from 0.05).

This recipe redoes every step. Steps 1 and 2 match the notes. In step 3 the notes' third
term, 0.04334, is 0.2 x 0.2167, while C's input is 0.1 (only input 0.1 gives the starting
output 0.15). With C's real input the new output is 0.16249 and the error 0.03751: it still
falls, but not to 0.01584. The recipe prints both sums; the last line is the real one.

Then real gradients. With L = 1/2 (t - y)^2 the chain rule gives dL/dw_i = -(t - y) x_i:
each weight moves in proportion to its *input*, not its size, and one step of learning
rate lr multiplies the error by 1 - lr |x|^2 = 1 - 0.26 lr. Keras checks it on any
backend: a Dense(1, no bias) neuron with the same weights takes one plain SGD step per
epoch, and (w_old - w_new) / lr is the gradient Keras computed. errors.png shows the error
falling step by step under both rules.

Run it:

    make recipe NAME=backprop_by_hand
    make recipe NAME=backprop_by_hand ARGS="--epochs 50 --learning-rate 0.5"
"""

from typing import Any

import keras
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from keras_dl import recipe

# The notes' one update, as they print it: the error's shares, the new weights, and the
# new output 0.18416 with error 0.01584.
NOTES_SHARES = (0.0083, 0.025, 0.0167)
NOTES_WEIGHTS = (0.1083, 0.325, 0.2167)
NOTES_OUTPUT, NOTES_ERROR = 0.18416, 0.01584
LESSON = '"역전파 시 어떻게 가중치를 조절하는가?"'
BOOK = recipe.BookFigure(
    "new output, C's real input 0.1",
    f"{NOTES_OUTPUT} (error {NOTES_ERROR}): the notes' slip",
    "notes' example",
    LESSON,
    differs="the notes add C's input as 0.3 instead of 0.1; the corrected chain rule gives this",
    origin="notes",
)
BOOK_ARITHMETIC = recipe.BookFigure(
    "the notes' new output, their arithmetic",
    NOTES_OUTPUT,
    "notes' example",
    LESSON,
    band=recipe.around(NOTES_OUTPUT, 1e-4),
    exact=True,
    origin="notes",
)
GRADIENT_TOLERANCE = 1e-6  # float32 steps divided by the learning rate
BOOK_GRADIENT = recipe.BookFigure(
    "Keras gradient vs the chain rule",
    "equal",
    recipe.ANY_DATASET,
    "the chain rule",
    band=f"max |Keras - chain rule| <= {GRADIENT_TOLERANCE:g}",
    exact=True,
    origin="identity",
)

INPUTS = np.array([0.4, 0.3, 0.1])
WEIGHTS = np.array([0.1, 0.3, 0.2])  # A, B, C
TARGET = 0.2
NAMES = ("A", "B", "C")


@recipe.command
def main(argv: list[str] | None = None) -> int:
    """Redo the notes' update, then take real gradient steps; returns the exit status."""
    parser = recipe.parser(__doc__, epochs=20)
    parser.add_argument(
        "--learning-rate",
        type=recipe.positive_float,
        default=1.0,
        help="learning rate of the gradient steps (default: %(default)s)",
    )
    args = parser.parse_args(argv)

    with recipe.start("backprop_by_hand", args, dataset="notes' example") as run:
        # 1. The notes' worked example, step by step: share the error among the weights in
        #    the ratio of their sizes, add the shares, recompute the output.
        start = output(WEIGHTS)
        error = TARGET - start
        print(f"output 0.4 A + 0.3 B + 0.1 C = {start:.5f}, target {TARGET}, error {error:.5f}")
        shares = proportional_update(WEIGHTS, digits=4)
        print(
            "shares of the error (ratio 1:3:2): "
            + ", ".join(f"{n}' = {s:.4f}" for n, s in zip(NAMES, shares, strict=True))
            + f" (sum {shares.sum():.4f}; notes {', '.join(map(str, NOTES_SHARES))})"
        )
        updated = WEIGHTS + shares
        print(
            "new weights: "
            + ", ".join(f"{n} = {w:.4f}" for n, w in zip(NAMES, updated, strict=True))
            + f" (notes {', '.join(map(str, NOTES_WEIGHTS))})"
        )
        terms = INPUTS * updated
        new_output = terms.sum()
        print(
            f"new output {' + '.join(f'{v:.5f}' for v in terms)} = {new_output:.5f}, "
            f"error {TARGET - new_output:.5f} (from {error:.5f})"
        )
        # The notes' printed sum multiplies C by 0.2 instead of its input 0.1.
        notes_terms = np.array([0.4, 0.3, 0.2]) * updated
        notes_output = notes_terms.sum()
        print(
            f"the notes print {' + '.join(f'{v:.5f}' for v in notes_terms)} = "
            f"{notes_output:.5f}, error {TARGET - notes_output:.5f}: their third term is "
            f"0.2 x C, but C's input is 0.1"
        )

        # 2. Real gradients: the chain rule in NumPy moves each weight by its input, not its
        #    size. Keras' SGD, differentiating the same loss itself, takes the same steps.
        gradient = chain_rule_gradient(WEIGHTS)
        print(f"chain rule: dL/dw = -(t - y) x = {np.round(gradient, 6).tolist()}")
        history, final_errors = train_by_hand(args.epochs, args.learning_rate, run.epoch_log())
        largest_gap = max(history["gradient_gap"])
        print(f"largest |Keras gradient - chain rule| over {args.epochs} steps: {largest_gap:.1e}")
        print(
            f"error before each step: {np.round(history['error'][:6], 6).tolist()} ...; "
            f"after {args.epochs} steps: chain rule {final_errors['chain_rule']:.2e}, "
            f"notes' rule {final_errors['notes_rule']:.2e}"
        )

        if not args.no_plots:
            run.save_figure(errors_figure(history, args.learning_rate), "errors.png")
        run.finish(
            history=history,
            metrics={
                "start_output": start,
                "start_error": error,
                "notes_shares": shares,
                "notes_new_weights": updated,
                "new_output": new_output,
                "new_error": TARGET - new_output,
                "notes_printed_output": notes_output,
                "notes_printed_error": TARGET - notes_output,
                "chain_rule_gradient": gradient,
                "max_gradient_gap_keras_vs_chain_rule": largest_gap,
                "learning_rate": args.learning_rate,
                "error_factor_per_step": 1 - args.learning_rate * float(INPUTS @ INPUTS),
                "error_after_steps": final_errors,
            },
            result=run.result(
                BOOK.metric,
                new_output,
                BOOK,
                digits=5,
                detail=f"(error {TARGET - new_output:.5f})",
            ),
            figures=[
                run.result(BOOK_ARITHMETIC.metric, notes_output, BOOK_ARITHMETIC, digits=5),
                run.result(
                    BOOK_GRADIENT.metric,
                    f"{largest_gap:.1e}",
                    BOOK_GRADIENT,
                    holds=largest_gap <= GRADIENT_TOLERANCE,
                ),
            ],
            title="backprop_by_hand: one neuron, gradient steps",
        )
    return 0


def output(weights: np.ndarray) -> float:
    """The neuron's output: the weighted sum of the inputs (no bias, no activation)."""
    return float(INPUTS @ weights)


def proportional_update(weights: np.ndarray, digits: int | None = None) -> np.ndarray:
    """The notes' rule: share the error among the weights in the ratio of their sizes.

    `digits` rounds the shares as the notes do (4 decimals), None keeps them exact.
    """
    error = TARGET - output(weights)
    shares = error * weights / weights.sum()
    return shares if digits is None else np.round(shares, digits)


def chain_rule_gradient(weights: np.ndarray) -> np.ndarray:
    """dL/dw for L = 1/2 (t - y)^2, y = x . w: dL/dy * dy/dw = -(t - y) * x."""
    return -(TARGET - output(weights)) * INPUTS


def train_by_hand(
    steps: int, learning_rate: float, log: recipe.EpochWriter | None = None
) -> tuple[dict[str, list[float]], dict]:
    """Both rules and Keras' SGD for `steps` steps (an epoch each: the one sample).

    Returns the per-step history (the values *before* each update), each step's appended to
    `log` as it ends, and the errors after the last step. Keras' gradient of each step is
    (w_old - w_new) / lr, compared with the chain rule's.
    """
    model = keras_neuron(learning_rate)
    w_chain, w_notes = WEIGHTS.copy(), WEIGHTS.copy()
    history = {key: [] for key in ("loss", "error", "notes_rule_error", "gradient_gap")}
    history.update({f"w_{name}": [] for name in NAMES})
    x, t = INPUTS[None, :].astype("float32"), np.array([[TARGET]], dtype="float32")
    for _ in range(steps):
        gradient = chain_rule_gradient(w_chain)
        w_keras = model.get_weights()[0].ravel().astype(float)
        keras_loss = model.train_on_batch(x, t)  # computed with the weights before the step
        keras_gradient = (w_keras - model.get_weights()[0].ravel()) / learning_rate
        history["loss"].append(float(keras_loss))
        history["error"].append(TARGET - output(w_chain))
        history["notes_rule_error"].append(TARGET - output(w_notes))
        history["gradient_gap"].append(float(np.max(np.abs(keras_gradient - gradient))))
        for name, value in zip(NAMES, w_chain, strict=True):
            history[f"w_{name}"].append(float(value))
        if log is not None:
            log.append({key: values[-1] for key, values in history.items()})
        w_chain = w_chain - learning_rate * gradient
        w_notes = w_notes + proportional_update(w_notes)
    final = {"chain_rule": TARGET - output(w_chain), "notes_rule": TARGET - output(w_notes)}
    return history, final


def keras_neuron(learning_rate: float) -> keras.Model:
    """Dense(1, no bias, linear) holding the notes' weights, trained by plain SGD."""
    inputs = keras.Input(shape=(3,))
    layer = keras.layers.Dense(1, use_bias=False, name="neuron")
    model = keras.Model(inputs, layer(inputs))
    layer.set_weights([WEIGHTS.reshape(3, 1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss=half_squared_error)
    return model


def half_squared_error(y_true: Any, y_pred: Any) -> Any:
    """1/2 (t - y)^2 per sample, the loss of the chain-rule derivation (Keras' mse has no 1/2)."""
    return 0.5 * keras.ops.sum(keras.ops.square(y_true - y_pred), axis=-1)


def errors_figure(history: dict[str, list[float]], learning_rate: float) -> Figure:
    """The error per step under both rules (log scale), and the weights under the chain rule."""
    steps = np.arange(len(history["error"]))
    factor = 1 - learning_rate * float(INPUTS @ INPUTS)
    fig = Figure(figsize=(11.0, 4.2), layout="constrained")
    errors, weights = fig.subplots(1, 2)
    errors.semilogy(
        steps,
        history["error"],
        "o-",
        markersize=3,
        label=f"chain rule, lr {learning_rate:g}: error x {factor:.2f} per step",
    )
    errors.semilogy(
        steps,
        history["notes_rule_error"],
        "s--",
        markersize=3,
        label="notes' rule: share the error 1:3:2",
    )
    errors.set(title="error t - y before each step", xlabel="step", ylabel="error (log scale)")
    errors.legend()
    for name in NAMES:
        weights.plot(steps, history[f"w_{name}"], "o-", markersize=3, label=name)
    weights.set(
        title="weights under the chain rule (moved in ratio 0.4 : 0.3 : 0.1)",
        xlabel="step",
        ylabel="weight",
    )
    weights.legend()
    for ax in (errors, weights):
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return fig


if __name__ == "__main__":
    raise SystemExit(main())
