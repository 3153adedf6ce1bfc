"""Working with Keras: three model APIs, callbacks and custom training loops (ch. 7)

Deep Learning with Python, ch. 7 "Working with Keras: A deep dive": 7.2 "Different ways
to build Keras models", 7.3 "Using built-in training and evaluation loops" (7.3.2 "Using
callbacks"), 7.4 "Writing your own training and evaluation loops" (7.4.3 "A complete
training and evaluation loop", 7.4.5 "Leveraging fit() with a custom training loop").

One MNIST model, Dense(512, relu) -> Dropout(0.5) -> Dense(10, softmax), rmsprop, with the
first 10,000 training images held out for validation, and

1. built three ways, Sequential, functional and subclassed: the same 407,050 parameters
   (784 inputs; fewer on digits);
2. compile / fit / evaluate, 3 epochs of batch 32 (fit's default). Book: test accuracy
   about 0.971;
3. EarlyStopping(monitor="val_accuracy", patience=2) and ModelCheckpoint(monitor="val_loss",
   save_best_only=True) over at most 10 epochs; the checkpoint, `checkpoint.keras` in the
   run directory, is reloaded and evaluated;
4. the same training three times from the same initial weights (and the same dropout
   masks), batch after batch in the same order: `fit`, a custom `tf.GradientTape` loop,
   and `fit` on a model whose `train_step` is overridden. Their per-epoch curves agree;
   the recipe prints and records the largest difference (loops.png overlays them).

  --dataset mnist   (default) keras.datasets.mnist, as the book: 50,000 / 10,000 / 10,000.
  --dataset digits  scikit-learn's 8x8 digits (64 inputs, 38,410 parameters), split
                    70/15/15, standardized: test accuracy 0.974 after 3 epochs (seed 0).

Run it:

    make recipe NAME=keras_apis
    make recipe NAME=keras_apis ARGS="--dataset digits"
"""

import argparse
from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf
from digits import load_data as load_digits_data
from keras import layers
from matplotlib.figure import Figure

from keras_dl import runtime
from keras_dl.datasets import flatten_images, is_cached, load_mnist
from keras_dl.plots import history_figure
from keras_dl.recipe import (
    QUICK_EPOCHS,
    BookFigure,
    Result,
    finish_recipe,
    parse_recipe_args,
    positive_int,
    recipe_main,
    recipe_parser,
    start_recipe,
)
from keras_dl.synthetic import synthetic_mnist

BOOK = BookFigure("test accuracy", 0.971, "MNIST", "ch. 7.3")
MNIST_ALTERNATIVE = "run with --dataset digits (embedded in scikit-learn, no download)"
QUICK_SAMPLES = 600
CHECKPOINT = "checkpoint.keras"
Data = tuple[np.ndarray, np.ndarray]


def load_data(dataset: str, *, quick: bool, seed: int) -> tuple[str, Data, Data, Data]:
    """Return (dataset name, train, val, test), each an (x, y) pair."""
    if dataset == "digits":
        return load_digits_data("digits", quick=quick, seed=seed)
    if quick and not is_cached("mnist"):
        # No mnist.npz here: smoke-test the MNIST code path on generated 28x28 images.
        (x_train, y_train), (x_test, y_test) = synthetic_mnist(seed=seed)
        name, images, labels = "synthetic-mnist", flatten_images(x_train), y_train
        test = (flatten_images(x_test), y_test)
    else:
        (images, labels), test = load_mnist(alternative=MNIST_ALTERNATIVE)
        name = "MNIST"
        if quick:
            images, labels = images[:QUICK_SAMPLES], labels[:QUICK_SAMPLES]
            test = (test[0][:QUICK_SAMPLES], test[1][:QUICK_SAMPLES])
    # The book holds out the first 10,000 of the 60,000 training images: the first sixth.
    num_val = len(images) // 6
    train, val = (images[num_val:], labels[num_val:]), (images[:num_val], labels[:num_val])
    print(f"{name}: train {len(train[0])}, val {len(val[0])} (the first ones), test {len(test[0])}")
    return name, train, val, test


# 1. Three ways to build the same model ------------------------------------------------


def sequential_model(input_size: int) -> keras.Model:
    """The model as a Sequential stack of layers."""
    return keras.Sequential(
        [
            keras.Input(shape=(input_size,)),
            layers.Dense(512, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ]
    )


def get_mnist_model(input_size: int, model_class: type[keras.Model] = keras.Model) -> keras.Model:
    """The model with the functional API (the book's `get_mnist_model`)."""
    inputs = keras.Input(shape=(input_size,))
    features = layers.Dense(512, activation="relu")(inputs)
    features = layers.Dropout(0.5)(features)
    outputs = layers.Dense(10, activation="softmax")(features)
    return model_class(inputs, outputs)


class SubclassedModel(keras.Model):
    """The model as a subclass of keras.Model: layers in __init__, the forward pass in call."""

    def __init__(self) -> None:
        """Create the hidden Dense, Dropout and softmax Dense layers."""
        super().__init__()
        self.hidden = layers.Dense(512, activation="relu")
        self.dropout = layers.Dropout(0.5)
        self.classifier = layers.Dense(10, activation="softmax")

    def call(self, inputs: tf.Tensor, training: bool = False) -> tf.Tensor:
        """The forward pass: Dense(512, relu) -> Dropout(0.5) -> Dense(10, softmax)."""
        features = self.dropout(self.hidden(inputs), training=training)
        return self.classifier(features)


def parameter_counts(input_size: int) -> dict[str, int]:
    """The parameter count of each of the three versions."""
    subclassed = SubclassedModel()
    subclassed(np.zeros((1, input_size), "float32"))  # it creates its weights on first call
    models = {
        "sequential": sequential_model(input_size),
        "functional": get_mnist_model(input_size),
        "subclassed": subclassed,
    }
    return {name: model.count_params() for name, model in models.items()}


def compile_model(model: keras.Model) -> keras.Model:
    """rmsprop, sparse categorical cross-entropy, accuracy. No XLA, so that fit, the
    custom loop and the train_step override do exactly the same arithmetic."""
    model.compile(
        optimizer="rmsprop",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=False,
    )
    return model


# 4. A custom training loop and a train_step override ----------------------------------


def custom_loop(
    model: keras.Model, train: Data, val: Data, *, epochs: int, batch_size: int
) -> dict[str, list[float]]:
    """Train `model` with a GradientTape loop (ch. 7.4.3), batches in order.

    Returns per-epoch logs with fit's keys. Like fit, the loss is averaged per sample
    (each batch's mean loss weighted by its size: the last batch may be smaller).
    """
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    optimizer = keras.optimizers.RMSprop()
    loss_tracker = keras.metrics.Mean(name="loss")
    accuracy = keras.metrics.SparseCategoricalAccuracy(name="accuracy")

    @tf.function
    def train_step(inputs: tf.Tensor, targets: tf.Tensor) -> None:
        """One gradient step on a batch; updates the loss and accuracy trackers."""
        with tf.GradientTape() as tape:
            predictions = model(inputs, training=True)
            loss = loss_fn(targets, predictions)
        gradients = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(gradients, model.trainable_weights, strict=True))
        loss_tracker.update_state(loss, sample_weight=tf.shape(inputs)[0])
        accuracy.update_state(targets, predictions)

    @tf.function
    def test_step(inputs: tf.Tensor, targets: tf.Tensor) -> None:
        """Score a batch without training; updates the loss and accuracy trackers."""
        predictions = model(inputs, training=False)
        loss_tracker.update_state(loss_fn(targets, predictions), sample_weight=tf.shape(inputs)[0])
        accuracy.update_state(targets, predictions)

    history: dict[str, list[float]] = {
        "loss": [],
        "accuracy": [],
        "val_loss": [],
        "val_accuracy": [],
    }
    for _ in range(epochs):
        for step, (images, labels), prefix in ((train_step, train, ""), (test_step, val, "val_")):
            loss_tracker.reset_state()
            accuracy.reset_state()
            for start in range(0, len(images), batch_size):
                step(images[start : start + batch_size], labels[start : start + batch_size])
            history[prefix + "loss"].append(float(loss_tracker.result()))
            history[prefix + "accuracy"].append(float(accuracy.result()))
    return history


class CustomModel(keras.Model):
    """A model whose `train_step` we write (ch. 7.4.5); `fit` runs it for every batch."""

    def train_step(self, data: tuple[tf.Tensor, tf.Tensor]) -> dict[str, tf.Tensor]:
        """One gradient step on a batch (inputs, targets); returns the metrics' values."""
        inputs, targets = data
        with tf.GradientTape() as tape:
            predictions = self(inputs, training=True)
            loss = self.compute_loss(y=targets, y_pred=predictions)
        gradients = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights, strict=True))
        for metric in self.metrics:
            if metric.name == "loss":  # fit averages the loss per sample
                metric.update_state(loss, sample_weight=tf.shape(inputs)[0])
            else:
                metric.update_state(targets, predictions)
        return self.get_metrics_result()


def same_start(build: Callable[[], keras.Model], seed: int) -> keras.Model:
    """Build a model right after reseeding: every copy gets the same initial weights
    and its Dropout layer the same seed, hence the same masks batch after batch."""
    runtime.seed_everything(seed)
    return build()


def max_difference(history: dict, reference: dict) -> float:
    """The largest absolute difference between two runs' per-epoch logs."""
    return max(
        float(np.max(np.abs(np.subtract(history[key], reference[key])))) for key in reference
    )


def loops_figure(histories: dict[str, dict], differences: dict[str, float]) -> Figure:
    """Loss and accuracy per epoch of fit (wide grey band), the custom loop and the
    train_step override drawn over it: where they agree, they lie on the band."""
    fig = Figure(figsize=(11.0, 4.8), layout="constrained")
    styles = {
        "fit": {"color": "0.6", "linestyle": "-", "linewidth": 7, "alpha": 0.5},
        "custom_loop": {"color": "tab:blue", "linestyle": "--", "linewidth": 1.5},
        "train_step": {"color": "tab:orange", "linestyle": ":", "linewidth": 2},
    }
    markers = {"fit": {"": "", "val_": ""}, "custom_loop": {"": "o", "val_": "s"}}
    markers["train_step"] = {"": "x", "val_": "+"}
    for i, metric in enumerate(("loss", "accuracy")):
        ax = fig.add_subplot(1, 2, i + 1)
        for name, history in histories.items():
            for prefix, part in (("", "training"), ("val_", "validation")):
                values = history[prefix + metric]
                ax.plot(
                    np.arange(1, len(values) + 1),
                    values,
                    marker=markers[name][prefix],
                    markersize=8,
                    label=f"{name}, {part}",
                    **styles[name],
                )
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(
        "fit vs a custom GradientTape loop vs a train_step override (same start, same batches)\n"
        + ", ".join(f"max |{name} - fit| = {d:.1e}" for name, d in differences.items())
    )
    return fig


def build_parser() -> argparse.ArgumentParser:
    """The shared recipe flags plus --dataset and --max-epochs (for the callbacks)."""
    parser = recipe_parser(__doc__, epochs=3, batch_size=32)
    parser.add_argument(
        "--dataset",
        choices=("mnist", "digits"),
        default="mnist",
        help="mnist: keras.datasets.mnist, as the book; digits: scikit-learn's 8x8 digits "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--max-epochs",
        type=positive_int,
        default=10,
        help="epoch limit of the EarlyStopping run (default: %(default)s)",
    )
    return parser


@recipe_main
def main(argv: list[str] | None = None) -> int:
    """Run the recipe from the command line; returns the exit status."""
    args = parse_recipe_args(build_parser(), argv)
    if args.quick:
        args.max_epochs = min(args.max_epochs, QUICK_EPOCHS)
    dataset, train, val, test = load_data(args.dataset, quick=args.quick, seed=args.seed)
    input_size = train[0].shape[1]
    fit_args = {"validation_data": val, "batch_size": args.batch_size}

    with start_recipe("keras_apis", args, dataset=dataset) as run:
        # 1. Sequential, functional, subclassed: one model, one parameter count.
        counts = parameter_counts(input_size)
        for name, count in counts.items():
            print(f"{name:>10} model: {count:,} parameters")

        # 2. The standard workflow: compile, fit, evaluate.
        model = compile_model(get_mnist_model(input_size))
        history = model.fit(*train, epochs=args.epochs, **fit_args)
        test_metrics = model.evaluate(*test, return_dict=True, verbose=0)
        print(f"test after {args.epochs} epochs: {test_metrics}")

        # 3. Callbacks: stop when val_accuracy has not improved for 2 epochs; keep the
        #    model of the lowest val_loss on disk.
        checkpoint = run.path / CHECKPOINT
        callbacks = [
            keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=2),
            keras.callbacks.ModelCheckpoint(checkpoint, monitor="val_loss", save_best_only=True),
        ]
        callback_model = compile_model(get_mnist_model(input_size))
        callback_history = callback_model.fit(
            *train, epochs=args.max_epochs, callbacks=callbacks, **fit_args
        ).history
        val_losses = callback_history["val_loss"]
        best = int(np.argmin(val_losses))
        best_accuracy = int(np.argmax(callback_history["val_accuracy"]))
        reloaded = keras.models.load_model(checkpoint)
        reloaded_val = reloaded.evaluate(*val, return_dict=True, verbose=0)
        reloaded_test = reloaded.evaluate(*test, return_dict=True, verbose=0)
        print(
            f"EarlyStopping ran {len(val_losses)} of {args.max_epochs} epochs; the checkpoint "
            f"holds epoch {best + 1} (val_loss {val_losses[best]:.4f}; reloaded: "
            f"{reloaded_val['loss']:.4f}), test accuracy {reloaded_test['accuracy']:.4f}"
        )
        run.save_history(callback_history, "callbacks_history.csv")

        # 4. fit, a custom loop and a train_step override from the same start. shuffle=False
        #    in fit: all three see the same batches in the same order.
        models = {
            "fit": same_start(lambda: compile_model(get_mnist_model(input_size)), args.seed),
            "custom_loop": same_start(lambda: get_mnist_model(input_size), args.seed),
            "train_step": same_start(
                lambda: compile_model(get_mnist_model(input_size, CustomModel)), args.seed
            ),
        }
        initial = [model.get_weights() for model in models.values()]
        initial_difference = max(
            float(np.max(np.abs(a - b)))
            for weights in initial[1:]
            for a, b in zip(initial[0], weights, strict=True)
        )
        loop_histories = {
            "fit": models["fit"].fit(*train, epochs=args.epochs, shuffle=False, **fit_args).history,
            "custom_loop": custom_loop(
                models["custom_loop"], train, val, epochs=args.epochs, batch_size=args.batch_size
            ),
            "train_step": models["train_step"]
            .fit(*train, epochs=args.epochs, shuffle=False, **fit_args)
            .history,
        }
        differences = {
            name: max_difference(loop_histories[name], loop_histories["fit"])
            for name in ("custom_loop", "train_step")
        }
        for epoch in range(args.epochs):
            print(
                f"epoch {epoch + 1} val_loss: "
                + ", ".join(f"{n} {h['val_loss'][epoch]:.6f}" for n, h in loop_histories.items())
            )
        print(
            f"initial weights differ by {initial_difference:g}; largest difference from fit's "
            "curves: " + ", ".join(f"{name} {d:.2e}" for name, d in differences.items())
        )
        run.save_json("loops.json", loop_histories)

        if not args.no_plots:
            run.save_figure(loops_figure(loop_histories, differences), "loops.png")
            run.save_figure(
                history_figure(
                    callback_history,
                    title=f"EarlyStopping(val_accuracy, patience 2) stopped after "
                    f"{len(val_losses)} epochs (best val_accuracy: epoch {best_accuracy + 1}); "
                    f"checkpoint = epoch {best + 1}",
                ),
                "callbacks.png",
            )
        finish_recipe(
            run,
            args,
            history=history.history,
            metrics={
                "parameters": counts,
                "test": test_metrics,
                "final_val_accuracy": history.history["val_accuracy"][-1],
                "callbacks": {
                    "max_epochs": args.max_epochs,
                    "epochs_run": len(val_losses),
                    "stopped_early": len(val_losses) < args.max_epochs,
                    "best_val_accuracy_epoch": best_accuracy + 1,
                    "checkpoint": CHECKPOINT,
                    "checkpoint_epoch": best + 1,
                    "checkpoint_val_loss": val_losses[best],
                    "reloaded_val_loss": reloaded_val["loss"],
                    "reloaded_test": reloaded_test,
                },
                "loops": {
                    "epochs": args.epochs,
                    "initial_weights_max_abs_diff": initial_difference,
                    "max_abs_diff_from_fit": differences,
                    "final_val_accuracy": {
                        name: h["val_accuracy"][-1] for name, h in loop_histories.items()
                    },
                },
            },
            result=Result("test accuracy", test_metrics["accuracy"], dataset, BOOK),
            title=f"keras_apis: compile / fit / evaluate on {dataset}",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
