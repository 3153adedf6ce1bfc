"""A 2-3-2-2 network's forward pass with fixed weights, in NumPy and in Keras

Course notes: "딥러닝" lecture notes (author not named; they follow DLFS ch. 2-3) ("신경망
구현하기": matrix products np.dot(X, W), the 3-layer network with 2 inputs, hidden layers of 3 and
2 neurons, 2 outputs); Deep Learning from Scratch (밑바닥부터 시작하는 딥러닝, 사이토 고키;
DLFS) ch. 3.4.3, init_network / forward.

A layer computes a = x W + b, then h(a). With the book's weights

    W1 = [[.1, .3, .5], [.2, .4, .6]], b1 = [.1, .2, .3]   (2 -> 3, sigmoid)
    W2 = [[.1, .4], [.2, .5], [.3, .6]], b2 = [.1, .2]     (3 -> 2, sigmoid)
    W3 = [[.1, .3], [.2, .4]],           b3 = [.1, .2]     (2 -> 2, identity)

and x = [1.0, 0.5], the output is [0.31682708, 0.69627909] (book). The recipe computes
it layer by layer in NumPy (float64), then sets the same weights into three
keras.layers.Dense layers (Dense stores W as (inputs, units), exactly the book's layout):
in float64 Keras prints the same eight decimals, in its default float32 it agrees to
about 1e-7. network.png draws the network with its weights and each neuron's value.

Run it:

    make recipe NAME=forward_pass
"""

import keras
import numpy as np
from matplotlib.figure import Figure

from keras_dl import recipe, runtime

# DLFS prints the output to 8 decimals: we reproduce y[0] to 1e-4, as every notes' number.
BOOK_OUTPUT = (0.31682708, 0.69627909)
BOOK = recipe.BookFigure(
    "output y[0] of the 2-3-2-2 network",
    BOOK_OUTPUT[0],
    "DLFS example",
    "DLFS ch. 3.4.3",
    band=recipe.around(BOOK_OUTPUT[0], 1e-4),
    exact=True,
    origin="text",
)
X = np.array([1.0, 0.5])


@recipe.command
def main(argv: list[str] | None = None) -> int:
    """Run the book's network forward in NumPy and in Keras; returns the exit status."""
    args = recipe.parser(__doc__).parse_args(argv)

    with recipe.start("forward_pass", args, dataset="DLFS example") as run:
        network = init_network()

        # 1. NumPy, layer by layer: a = x W + b, then the activation.
        values = forward(network, X)
        for key, value in values.items():
            print(f"{key:>2} = {np.array2string(value, precision=8)}")
        print(f"NumPy  y = {show(values['y'])}")

        # 2. Keras: the same weights set into Dense layers, in float64 (NumPy's precision)
        #    and in Keras' default float32.
        models = {dtype: keras_network(network, dtype) for dtype in ("float64", "float32")}
        models["float32"].summary()
        #    (JAX computes float64 in float32 unless JAX_ENABLE_X64=1: then both agree
        #    with NumPy only to float32's precision, about 1e-7.)
        float64 = "float64" if runtime.computes_float64() else "float32: JAX without x64"
        outputs = {}
        for dtype, model in models.items():
            outputs[dtype] = model.predict(X[None, :].astype(dtype), verbose=0)[0]
            note = f"float64, computed in {float64}" if dtype == "float64" else dtype
            print(f"Keras  y = {show(outputs[dtype])} ({note})")
        print(f"book   y = {show(BOOK_OUTPUT)}")

        if not args.no_plots:
            run.save_figure(network_figure(network, values), "network.png")
        run.finish(
            metrics={
                "x": X,
                "numpy_layers": values,
                "numpy_output": values["y"],
                "keras_output_float64": outputs["float64"],
                "keras_output_float32": outputs["float32"],
                "keras_float64_computed_in": float64,
                "book_output": list(BOOK_OUTPUT),
                "max_abs_difference_numpy_keras": {
                    dtype: float(np.max(np.abs(values["y"] - y))) for dtype, y in outputs.items()
                },
                "max_abs_difference_numpy_book": float(
                    np.max(np.abs(values["y"] - np.array(BOOK_OUTPUT)))
                ),
            },
            result=run.result(BOOK.metric, values["y"][0], BOOK, digits=8),
        )
    return 0


def init_network() -> dict[str, np.ndarray]:
    """The book's fixed weights and biases."""
    return {
        "W1": np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]),
        "b1": np.array([0.1, 0.2, 0.3]),
        "W2": np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]),
        "b2": np.array([0.1, 0.2]),
        "W3": np.array([[0.1, 0.3], [0.2, 0.4]]),
        "b3": np.array([0.1, 0.2]),
    }


def forward(network: dict[str, np.ndarray], x: np.ndarray) -> dict[str, np.ndarray]:
    """Every layer's weighted sum a and output z, as the book writes them; y is the output."""
    a1 = x @ network["W1"] + network["b1"]
    z1 = sigmoid(a1)
    a2 = z1 @ network["W2"] + network["b2"]
    z2 = sigmoid(a2)
    a3 = z2 @ network["W3"] + network["b3"]
    y = a3  # identity output, as for regression
    return {"a1": a1, "z1": z1, "a2": a2, "z2": z2, "a3": a3, "y": y}


def sigmoid(a: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-a))."""
    return 1.0 / (1.0 + np.exp(-a))


def show(y: np.ndarray | tuple[float, ...]) -> str:
    """An output vector with 8 decimals, as the book prints it."""
    return "[" + ", ".join(f"{v:.8f}" for v in y) + "]"


def keras_network(network: dict[str, np.ndarray], dtype: str) -> keras.Model:
    """The same network as three Dense layers computing in `dtype`, with the book's weights."""
    inputs = keras.Input(shape=(2,), dtype=dtype, name="x")
    layers = [
        keras.layers.Dense(3, activation="sigmoid", dtype=dtype, name="layer1"),
        keras.layers.Dense(2, activation="sigmoid", dtype=dtype, name="layer2"),
        keras.layers.Dense(2, activation="linear", dtype=dtype, name="output"),
    ]
    x = inputs
    for layer in layers:
        x = layer(x)
    model = keras.Model(inputs, x, name=f"dlfs_3_layer_{dtype}")
    for i, layer in enumerate(layers, start=1):
        layer.set_weights([network[f"W{i}"], network[f"b{i}"]])
    return model


def network_figure(network: dict[str, np.ndarray], values: dict[str, np.ndarray]) -> Figure:
    """The 2-3-2-2 network: neurons with their values, connections labelled with weights."""
    columns = [X, values["z1"], values["z2"], values["y"]]
    names = ["input x", "layer 1 (sigmoid)", "layer 2 (sigmoid)", "output y (identity)"]
    fig = Figure(figsize=(11.0, 5.2), layout="constrained")
    ax = fig.add_subplot()
    heights = [np.linspace(0.75, 0.25, len(c)) if len(c) > 1 else [0.5] for c in columns]
    for layer in range(3):
        weights = network[f"W{layer + 1}"]
        for i, y0 in enumerate(heights[layer]):
            for j, y1 in enumerate(heights[layer + 1]):
                ax.plot([layer, layer + 1], [y0, y1], color="#9aa7b8", zorder=1)
                t = 0.3 if j % 2 == 0 else 0.55  # stagger the labels so they do not collide
                ax.text(
                    layer + t,
                    y0 + t * (y1 - y0),
                    f"{weights[i, j]:g}",
                    fontsize=8,
                    ha="center",
                    va="center",
                    color="#34495e",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"},
                )
    for layer, (column, ys) in enumerate(zip(columns, heights, strict=True)):
        for value, y in zip(column, ys, strict=True):
            ax.scatter([layer], [y], s=1500, color="#dbe9f6", edgecolors="#1f4e79", zorder=2)
            ax.text(layer, y, f"{value:.4f}", ha="center", va="center", fontsize=9, zorder=3)
        ax.text(layer, 0.92, names[layer], ha="center", fontsize=10, weight="bold")
        if layer:
            bias = network[f"b{layer}"]
            ax.text(layer, 0.07, f"b{layer} = {bias.tolist()}", ha="center", fontsize=9)
    ax.set(xlim=(-0.4, 3.4), ylim=(0.0, 1.0))
    ax.axis("off")
    ax.set_title(f"x = {X.tolist()}  ->  y = [{values['y'][0]:.8f}, {values['y'][1]:.8f}]")
    return fig


if __name__ == "__main__":
    raise SystemExit(main())
