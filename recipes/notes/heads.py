"""Three output heads (linear, sigmoid, softmax), and a sigmoid equal to a 2-class softmax

Course notes seeds/001_0dbc437b24f32d29.txt (출력 계층: regression -> one linear unit and
MSE; binary classification -> one sigmoid unit; multiclass -> one softmax unit per class;
"Sigmoid vs 2-class Softmax": both can give the same result, they differ in how they output it).
The same table as Deep Learning with Python ch. 4 (IMDB, Reuters, Boston), on data embedded in
scikit-learn, so it runs in seconds:

  diabetes       442 x 10, disease progression (a float)  -> regression: Dense(1), linear, mse, mae
  breast_cancer  569 x 30, malignant or benign (0/1)      -> binary: Dense(1), sigmoid, binary CE
  wine           178 x 13, three cultivars (0, 1, 2)      -> multiclass: Dense(3), softmax,
                                                             sparse categorical CE

`keras_dl.infer_task` reads the head off the targets; `keras_dl.build_dense_model` puts it on
the same 32-32 relu trunk. Each dataset is split 70/15/15 (stratified for classes) and
standardized on its training part; each model is a run of its own.

Then the notes' comparison on breast_cancer. A 2-class softmax with logits (z0, z1) gives
P(class 1) = e^z1 / (e^z0 + e^z1) = sigmoid(z1 - z0): only the difference of the logits counts,
and softmax([z, 0])[0] = sigmoid(z) exactly. The recipe

  1. checks this identity numerically with keras.ops;
  2. rewrites the trained sigmoid model as a 2-class softmax model (head kernel [0 | w], bias
     [0, b]): identical probabilities, identical decisions;
  3. reads a trained 2-class softmax head as a sigmoid head with w1 - w0, b1 - b0;
  4. trains a 2-class softmax model apart, from the same initial trunk (same seed), and
     compares its test decisions with the sigmoid model's; their val_loss curves are overlaid.

Notes: the two heads can give the same decisions (agreement 1.0 for corresponding weights).
The last line gives the decision agreement of the two independently trained models.

Run it:

    make recipe NAME=heads
    make recipe NAME=heads ARGS="--epochs 40 --seed 1"
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

import keras
import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine

from keras_dl import build_dense_model, infer_task, loss_and_metrics, train_val_test_split
from keras_dl.recipe import (
    BookFigure,
    Result,
    finish_recipe,
    overlay_runs,
    parse_recipe_args,
    recipe_main,
    recipe_parser,
    start_recipe,
)
from keras_dl.tasks import HEAD_ALIASES

if TYPE_CHECKING:
    from keras_dl import DataSplit

BOOK = BookFigure(
    "sigmoid vs 2-class softmax decision agreement", 1.0, "any data (identity)", "seed 001"
)
LOADERS = {"diabetes": load_diabetes, "breast_cancer": load_breast_cancer, "wine": load_wine}
HEADS = {task: head for head, task in HEAD_ALIASES.items()}  # "binary" -> "sigmoid", ...
HIDDEN_UNITS = (32, 32)
LEARNING_RATE = 0.003


def load_split(dataset: str, seed: int) -> DataSplit:
    """The dataset's 70/15/15 split, standardized on the training part; y float for regression."""
    X, y = LOADERS[dataset](return_X_y=True)
    # infer_task reads float targets as regression and integer ones as class labels.
    y = y.astype("float32") if dataset == "diabetes" else y.astype("int64")
    return train_val_test_split(X.astype("float32"), y, seed=seed, standardize=True)


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


def probability_of_class_1(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """P(class 1) per row: the sigmoid unit's output, or the softmax's second column."""
    output = keras.ops.convert_to_numpy(model(x, training=False))
    return output[:, 0] if output.shape[1] == 1 else output[:, 1]


def trunk_features(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """What the head sees: the last hidden layer's activations."""
    last_hidden = model.get_layer(f"hidden_{len(HIDDEN_UNITS)}").output
    return keras.ops.convert_to_numpy(keras.Model(model.input, last_hidden)(x))


def identity_error() -> float:
    """max |softmax([z, 0])[0] - sigmoid(z)| over z in [-30, 30], computed with Keras ops."""
    z = np.linspace(-30.0, 30.0, 6001, dtype="float32")
    logits = keras.ops.stack([z, keras.ops.zeros_like(z)], axis=1)
    softmax_first = keras.ops.softmax(logits, axis=1)[:, 0]
    return float(keras.ops.max(keras.ops.abs(softmax_first - keras.ops.sigmoid(z))))


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


def softmax_as_sigmoid_error(softmax_model: keras.Model, x: np.ndarray) -> float:
    """max |P(1) of the softmax model - sigmoid(h . (w1 - w0) + b1 - b0)| on x."""
    kernel, bias = softmax_model.get_layer("head").get_weights()
    z = trunk_features(softmax_model, x) @ (kernel[:, 1] - kernel[:, 0]) + (bias[1] - bias[0])
    sigmoid = keras.ops.convert_to_numpy(keras.ops.sigmoid(z))
    return float(np.max(np.abs(probability_of_class_1(softmax_model, x) - sigmoid)))


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


def train(model: keras.Model, split: DataSplit, args: argparse.Namespace) -> dict:
    """Fit on the training part, validating on the validation part; return fit's history."""
    history = model.fit(
        *split.train,
        validation_data=split.val,
        epochs=args.epochs,
        batch_size=args.batch_size,
        verbose=0,
    )
    return history.history


def run_head(dataset: str, args: argparse.Namespace) -> tuple:
    """Train and test one dataset's model, with the head infer_task picks, as one run."""
    split = load_split(dataset, args.seed)
    info = infer_task(split.train[1])
    variant = f"{HEADS[info.task]}-{dataset}"
    with start_recipe("heads", args, dataset=dataset, variant=variant) as run:
        model = build_model(split.train[0].shape[1], info.task, info.num_classes, dataset)
        head = describe_head(model, info.task)
        print(f"{dataset}: {split}\n  infer_task -> {info}\n  head -> {head}")
        history = train(model, split, args)
        test = model.evaluate(*split.test, return_dict=True, verbose=0)
        print(f"{dataset} test: " + ", ".join(f"{k} {v:.4f}" for k, v in test.items()))
        finish_recipe(
            run,
            args,
            history=history,
            metrics={"task": info._asdict(), "head": head, "test": test, "sizes": split.sizes},
            title=f"heads: {info.task} ({head['activation']} head) on {dataset}",
        )
    return run, model, split


@recipe_main
def main(argv: list[str] | None = None) -> int:
    """Run the recipe from the command line; returns the exit status."""
    args = parse_recipe_args(recipe_parser(__doc__, epochs=20, batch_size=16), argv)

    # 1. One head per kind of target, each picked by infer_task.
    run_head("diabetes", args)
    sigmoid_run, sigmoid_model, split = run_head("breast_cancer", args)
    run_head("wine", args)

    # 2. The identity, then a trained sigmoid model rewritten as a 2-class softmax model.
    x_test, y_test = split.test
    error = identity_error()
    p_sigmoid = probability_of_class_1(sigmoid_model, x_test)
    rewritten = compare_decisions(
        p_sigmoid, probability_of_class_1(sigmoid_as_softmax(sigmoid_model), x_test)
    )
    print(f"\nmax |softmax([z, 0])[0] - sigmoid(z)| for z in [-30, 30]: {error:.2e}")
    print(f"the sigmoid model rewritten as a 2-class softmax model: {describe(rewritten)}")

    # 3. A 2-class softmax model trained on its own, from the same initial trunk (same seed).
    variant = "softmax2-breast_cancer"
    with start_recipe("heads", args, dataset="breast_cancer", variant=variant) as run:
        softmax_model = build_model(x_test.shape[1], "multiclass", 2, "breast_cancer_softmax2")
        history = train(softmax_model, split, args)
        test = softmax_model.evaluate(x_test, y_test, return_dict=True, verbose=0)
        converse = softmax_as_sigmoid_error(softmax_model, x_test)
        trained = compare_decisions(p_sigmoid, probability_of_class_1(softmax_model, x_test))
        trained["sigmoid_test_accuracy"] = float(np.mean((p_sigmoid > 0.5) == y_test))
        trained["softmax_test_accuracy"] = test["accuracy"]
        print(f"the trained softmax head as a sigmoid head (w1 - w0, b1 - b0): {converse:.2e}")
        print(
            f"sigmoid model vs 2-class softmax model, trained apart: {describe(trained)}; test "
            f"accuracy {trained['sigmoid_test_accuracy']:.4f} vs {test['accuracy']:.4f}"
        )
        finish_recipe(
            run,
            args,
            history=history,
            metrics={
                "head": describe_head(softmax_model, "multiclass"),
                "test": test,
                "sizes": split.sizes,
                "identity_max_error": error,
                "sigmoid_as_softmax": rewritten,
                "softmax_as_sigmoid_max_error": converse,
                "trained_pair": trained,
            },
            title="heads: 2-class softmax on breast_cancer",
        )

    overlay_runs("heads", [sigmoid_run, run], args, metric="val_loss")
    agreement = trained["decision_agreement"]
    print(Result(BOOK.metric, agreement, "breast_cancer", BOOK).line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
