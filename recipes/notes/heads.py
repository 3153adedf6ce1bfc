"""Three output heads (linear, sigmoid, softmax), and a sigmoid equal to a 2-class softmax

Course notes: 이동일, "DL 딥러닝 CNN까지 다시 개념 익히기" (velog, 2023) (출력 계층: regression ->
one linear unit and MSE; binary classification -> one sigmoid unit; multiclass -> one softmax unit
per class; "Sigmoid vs 2-class Softmax": both can give the same result, they differ in how they
output it). The same table as Deep Learning with Python ch. 4 (IMDB, Reuters, Boston), on data
embedded in scikit-learn, so it runs in seconds; each dataset is split 70/15/15 (stratified for
classes), standardized on its training part, and trained as a run of its own:

  diabetes       442 x 10, disease progression (a float)  -> Dense(1), linear, mse, mae
  breast_cancer  569 x 30, malignant or benign (0/1)      -> Dense(1), sigmoid, binary CE
  wine           178 x 13, three cultivars (0, 1, 2)      -> Dense(3), softmax, sparse CE

Then the notes' comparison on breast_cancer. A 2-class softmax with logits (z0, z1) gives
P(class 1) = e^z1 / (e^z0 + e^z1) = sigmoid(z1 - z0): only the difference of the logits counts,
and softmax([z, 0])[0] = sigmoid(z) exactly. The recipe checks this identity with keras.ops,
rewrites the trained sigmoid model as a 2-class softmax model (head kernel [0 | w], bias
[0, b]: identical probabilities), reads a trained 2-class softmax head as a sigmoid head
(w1 - w0, b1 - b0), and trains a 2-class softmax model apart, from the same initial trunk
(same seed); their val_loss curves are overlaid. The last line gives the decision agreement
of the two independently trained models (1.0 for corresponding weights).

Run it:

    make recipe NAME=heads
    make recipe NAME=heads ARGS="--epochs 40 --seed 1"
"""

from __future__ import annotations

import argparse

import keras
import numpy as np

from keras_dl import build_dense_model, infer_task, loss_and_metrics, recipe
from keras_dl.datasets import Data, load_table
from keras_dl.tasks import HEAD_ALIASES

IDENTITY = recipe.BookFigure(
    "softmax([z, 0])[0] = sigmoid(z)",
    "equal",
    recipe.ANY_DATASET,
    "softmax over two logits",
    band=(0.0, 1e-4),
    exact=True,
    origin="identity",
)
AGREEMENT = recipe.BookFigure(
    "sigmoid vs 2-class softmax decision agreement",
    1.0,
    recipe.ANY_DATASET,
    '"출력 계층"',
    origin="notes",
    differs="the heads are equal as functions (the identity above); two nets trained apart "
    "from their own initial weights disagree on a few borderline patients",
)
HEADS = {task: head for head, task in HEAD_ALIASES.items()}  # "binary" -> "sigmoid", ...
HIDDEN_UNITS = (32, 32)
LEARNING_RATE = 0.003


@recipe.command
def main(argv: list[str] | None = None) -> int:
    """Train the three heads, then compare a sigmoid with a 2-class softmax; the exit status."""
    args = recipe.parser(__doc__, epochs=20, batch_size=16).parse_args(argv)

    # 1. One head per kind of target, each picked by infer_task from the targets alone.
    run_head("diabetes", args)
    sigmoid_run, sigmoid_model, data = run_head("breast_cancer", args)
    run_head("wine", args)

    # 2. The identity, then the trained sigmoid model rewritten as a 2-class softmax model:
    # the same network, so the same probabilities and the same decisions.
    x_test, y_test = data.test
    error = identity_error()
    p_sigmoid = probability_of_class_1(sigmoid_model, x_test)
    rewritten = compare_decisions(
        p_sigmoid, probability_of_class_1(sigmoid_as_softmax(sigmoid_model), x_test)
    )
    print(f"\nmax |softmax([z, 0])[0] - sigmoid(z)| for z in [-30, 30]: {error:.2e}")
    print(f"the sigmoid model rewritten as a 2-class softmax model: {describe(rewritten)}")

    # 3. A 2-class softmax model trained on its own. The same seed gives it the same initial
    # trunk as the sigmoid model: only the heads differ.
    with recipe.start("heads", args, dataset=data.name, variant="softmax2-breast_cancer") as run:
        softmax_model = build_model(x_test.shape[1], "multiclass", 2, "breast_cancer_softmax2")
        history = train(run, softmax_model, data, args)
        test = softmax_model.evaluate(x_test, y_test, return_dict=True, verbose=0)
        # Read backwards: the softmax head is a sigmoid head with w1 - w0 and b1 - b0.
        converse = softmax_as_sigmoid_error(softmax_model, x_test)
        trained = compare_decisions(p_sigmoid, probability_of_class_1(softmax_model, x_test))
        trained["sigmoid_test_accuracy"] = float(np.mean((p_sigmoid > 0.5) == y_test))
        trained["softmax_test_accuracy"] = test["accuracy"]
        print(f"the trained softmax head as a sigmoid head (w1 - w0, b1 - b0): {converse:.2e}")
        print(
            f"sigmoid model vs 2-class softmax model, trained apart: {describe(trained)}; test "
            f"accuracy {trained['sigmoid_test_accuracy']:.4f} vs {test['accuracy']:.4f}"
        )
        result = run.result(AGREEMENT.metric, trained["decision_agreement"], AGREEMENT)
        run.finish(
            history=history,
            metrics={
                "head": describe_head(softmax_model, "multiclass"),
                "test": test,
                "sizes": data.sizes,
                "identity_max_error": error,
                "sigmoid_as_softmax": rewritten,
                "softmax_as_sigmoid_max_error": converse,
                "trained_pair": trained,
            },
            result=result,
            figures=[run.result(IDENTITY.metric, error, IDENTITY, digits=10)],
            title="heads: 2-class softmax on breast_cancer",
        )

    recipe.overlay([sigmoid_run, run], metric="val_loss")
    print(result.line())
    return 0


def run_head(dataset: str, args: argparse.Namespace) -> tuple[recipe.RecipeRun, keras.Model, Data]:
    """Train and test one dataset's model, with the head infer_task picks, as one run."""
    # load_table gives diabetes float targets (regression) and the others integer labels.
    data = load_table(dataset, quick=args.quick, seed=args.seed)
    info = infer_task(data.train[1])
    variant = f"{HEADS[info.task]}-{dataset}"
    with recipe.start("heads", args, dataset=data.name, variant=variant) as run:
        model = build_model(data.train[0].shape[1], info.task, info.num_classes, dataset)
        head = describe_head(model, info.task)
        print(f"{data}\n  infer_task -> {info}\n  head -> {head}")
        history = train(run, model, data, args)
        test = model.evaluate(*data.test, return_dict=True, verbose=0)
        print(f"{dataset} test: " + ", ".join(f"{k} {v:.4f}" for k, v in test.items()))
        metric = head["metrics"][0]  # mae for regression, accuracy for classes
        run.finish(
            history=history,
            metrics={"task": info._asdict(), "head": head, "test": test, "sizes": data.sizes},
            result=run.result(f"test {metric}", test[metric]),
            title=f"heads: {info.task} ({head['activation']} head) on {dataset}",
        )
    return run, model, data


def build_model(num_features: int, task: str, num_classes: int | None, name: str) -> keras.Model:
    """The shared trunk (HIDDEN_UNITS, relu) with the head that `task` calls for."""
    return build_dense_model(
        num_features,
        task,
        num_classes=num_classes if task == "multiclass" else None,
        hidden_units=HIDDEN_UNITS,
        learning_rate=LEARNING_RATE,
        name=name,
    )


def describe_head(model: keras.Model, task: str) -> dict:
    """The output layer's units and activation, and the loss and metrics compiled with it."""
    head = model.get_layer("head")
    return {
        "units": head.units,
        "activation": keras.activations.serialize(head.activation),
        "loss": model.loss,
        "metrics": loss_and_metrics(task)["metrics"],
    }


def train(run: recipe.RecipeRun, model: keras.Model, data: Data, args: argparse.Namespace) -> dict:
    """Fit through the run on the training part, validating on the validation part; return
    fit's history."""
    history = run.fit(
        model,
        *data.train,
        validation_data=data.val,
        epochs=args.epochs,
        batch_size=args.batch_size,
        verbose=0,
    )
    return history.history


def identity_error() -> float:
    """max |softmax([z, 0])[0] - sigmoid(z)| over z in [-30, 30], computed with Keras ops."""
    z = np.linspace(-30.0, 30.0, 6001, dtype="float32")
    logits = keras.ops.stack([z, keras.ops.zeros_like(z)], axis=1)
    softmax_first = keras.ops.softmax(logits, axis=1)[:, 0]
    return float(keras.ops.max(keras.ops.abs(softmax_first - keras.ops.sigmoid(z))))


def probability_of_class_1(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """P(class 1) per row: the sigmoid unit's output, or the softmax's second column."""
    output = keras.ops.convert_to_numpy(model(x, training=False))
    return output[:, 0] if output.shape[1] == 1 else output[:, 1]


def sigmoid_as_softmax(sigmoid_model: keras.Model) -> keras.Model:
    """The same network with a 2-unit softmax head: kernel [0 | w], bias [0, b], so that its
    logits are (0, z) and P(1) = softmax([0, z])[1] = sigmoid(z)."""
    twin = build_model(sigmoid_model.input_shape[1], "multiclass", 2, "softmax_twin")
    for i in range(1, len(HIDDEN_UNITS) + 1):
        twin.get_layer(f"hidden_{i}").set_weights(
            sigmoid_model.get_layer(f"hidden_{i}").get_weights()
        )
    w, b = sigmoid_model.get_layer("head").get_weights()
    twin.get_layer("head").set_weights(
        [np.concatenate([np.zeros_like(w), w], axis=1), np.concatenate([np.zeros_like(b), b])]
    )
    return twin


def compare_decisions(p_a: np.ndarray, p_b: np.ndarray) -> dict:
    """How far two models' P(class 1) are apart, and how often they decide alike (P > 0.5)."""
    return {
        "max_probability_difference": float(np.max(np.abs(p_a - p_b))),
        "decision_agreement": float(np.mean((p_a > 0.5) == (p_b > 0.5))),
    }


def describe(comparison: dict) -> str:
    """One line from compare_decisions' result."""
    return (
        f"max |P difference| {comparison['max_probability_difference']:.2e}, "
        f"same decisions on {comparison['decision_agreement']:.4f} of the test samples"
    )


def softmax_as_sigmoid_error(softmax_model: keras.Model, x: np.ndarray) -> float:
    """max |P(1) of the softmax model - sigmoid(h . (w1 - w0) + b1 - b0)| on x."""
    kernel, bias = softmax_model.get_layer("head").get_weights()
    z = trunk_features(softmax_model, x) @ (kernel[:, 1] - kernel[:, 0]) + (bias[1] - bias[0])
    sigmoid = keras.ops.convert_to_numpy(keras.ops.sigmoid(z))
    return float(np.max(np.abs(probability_of_class_1(softmax_model, x) - sigmoid)))


def trunk_features(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """What the head sees: the last hidden layer's activations."""
    last_hidden = model.get_layer(f"hidden_{len(HIDDEN_UNITS)}").output
    return keras.ops.convert_to_numpy(keras.Model(model.input, last_hidden)(x))


if __name__ == "__main__":
    raise SystemExit(main())
