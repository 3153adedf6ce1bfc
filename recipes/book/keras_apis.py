"""Working with Keras: three model APIs, callbacks and custom training loops (ch. 7)

Deep Learning with Python, ch. 7 "Working with Keras: A deep dive": 7.2 "Different ways
to build Keras models", 7.3 "Using built-in training and evaluation loops" (7.3.2 "Using
callbacks"), 7.4 "Writing your own training and evaluation loops" (7.4.3 "A complete
training and evaluation loop", 7.4.5 "Leveraging fit() with a custom training loop").
One MNIST model, Dense(512, relu) -> Dropout(0.5) -> Dense(10, softmax), rmsprop, with the
first 10,000 training images held out for validation, and

1. built three ways, Sequential, functional and subclassed: the same 407,050 parameters;
2. compile / fit / evaluate, 3 epochs of batch 32 (fit's default). Book: test accuracy
   about 0.971;
3. EarlyStopping(monitor="val_accuracy", patience=2) and ModelCheckpoint(monitor="val_loss",
   save_best_only=True) over at most 10 epochs; the checkpoint, `checkpoint.keras` in the
   run directory, is reloaded and evaluated;
4. trained three times from the same initial weights and dropout masks, on the same batches
   in the same order: `fit`, a custom `tf.GradientTape` loop, and `fit` on a model whose
   `train_step` is overridden. Their curves agree to float precision (loops.png).

  --dataset mnist   (default) keras.datasets.mnist, as the book: 50,000 / 10,000 / 10,000.
  --dataset digits  scikit-learn's 8x8 digits (64 inputs, 38,410 parameters), split
                    70/15/15, standardized: test accuracy 0.974 after 3 epochs (seed 0).

Run it:

    make recipe NAME=keras_apis
    make recipe NAME=keras_apis ARGS="--dataset digits"
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf
from keras import layers
from matplotlib.figure import Figure

from keras_dl import recipe, runtime
from keras_dl.datasets import Data, load_images
from keras_dl.records import plots

TENSORFLOW_ONLY = "its custom loop and train_step are the book's tf.GradientTape code"
BOOK = recipe.BookFigure("test accuracy", 0.971, "MNIST", "ch. 7.3", band=(0.97, 1.0))
LOOP_TOLERANCE = 1e-4  # float32 arithmetic: the same operations in the same order
APIS = recipe.BookFigure(
    "Sequential = functional = subclassed parameters; loops vs fit",
    "equal; the same curves",
    recipe.ANY_DATASET,
    "ch. 7.2, 7.4",
    band=f"counts equal, loops within {LOOP_TOLERANCE:.0e}",
    exact=True,
)
CHECKPOINT = "checkpoint.keras"
XY = tuple[np.ndarray, np.ndarray]


@recipe.command
def main(argv: list[str] | None = None) -> int:
    """Build, train and compare the ch. 7 model four ways; returns the exit status."""
    parser = recipe.parser(
        __doc__,
        epochs=3,
        batch_size=32,
        datasets=("mnist", "digits"),
        quick={"max_epochs": recipe.QUICK_EPOCHS},
    )
    parser.add_argument(
        "--max-epochs",
        type=recipe.positive_int,
        default=10,
        help="epoch limit of the EarlyStopping run (default: %(default)s)",
    )
    args = parser.parse_args(argv)

    # The data: MNIST pixels / 255 with the first sixth of the training images (the book's
    # 10,000) held out to validate; digits split 70/15/15 and standardized on train.
    data = load_images(
        args.dataset,
        hold_out="first",
        standardize=args.dataset == "digits",
        quick=args.quick,
        seed=args.seed,
    )
    print(data)
    input_size = data.train[0].shape[1]

    with recipe.start(
        "keras_apis", args, dataset=data.name, tensorflow_only=TENSORFLOW_ONLY
    ) as run:
        # 1. Sequential, functional, subclassed: three spellings of one model, so one
        #    parameter count.
        counts = parameter_counts(input_size)
        for name, count in counts.items():
            print(f"{name:>10} model: {count:,} parameters")

        # 2. The standard workflow: compile, fit, evaluate (fit through the run: its epochs
        #    are on disk as they end).
        model = compile_model(get_mnist_model(input_size))
        history = run.fit(
            model,
            *data.train,
            validation_data=data.val,
            epochs=args.epochs,
            batch_size=args.batch_size,
        )
        test = model.evaluate(*data.test, return_dict=True, verbose=0)
        print(f"test after {args.epochs} epochs: {test}")

        # 3. Callbacks: stop when val_accuracy has not improved for 2 epochs; keep the
        #    model of the lowest val_loss on disk, and reload it.
        callbacks = train_with_callbacks(run, data, input_size)

        # 4. What fit does, written twice by hand: a custom GradientTape loop, and fit on a
        #    model whose train_step we override. All three start from the same weights.
        loops = compare_loops(run, data, input_size)

        distinct = sorted(set(counts.values()))
        largest = max(loops["max_abs_diff_from_fit"].values())
        apis = run.result(
            APIS.metric,
            f"{'equal' if len(distinct) == 1 else 'differ'} ({', '.join(map(str, distinct))}); "
            f"max |loop - fit| {largest:.1e}",
            APIS,
            holds=len(distinct) == 1 and largest <= LOOP_TOLERANCE,
        )
        print(apis.line())
        run.finish(
            history=history,
            metrics={
                "parameters": counts,
                "test": test,
                "final_val_accuracy": history.history["val_accuracy"][-1],
                "callbacks": callbacks,
                "loops": loops,
            },
            result=run.result("test accuracy", test["accuracy"], BOOK),
            figures=[apis],
            title=f"keras_apis: compile / fit / evaluate on {data.name}",
        )
    return 0


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


def train_with_callbacks(run: recipe.RecipeRun, data: Data, input_size: int) -> dict:
    """Fit with EarlyStopping and ModelCheckpoint, then reload the checkpoint; its metrics.

    The fit's epochs go to fits/callbacks.csv in the run; callbacks.png (unless --no-plots).
    """
    args = run.args
    checkpoint = run.path / CHECKPOINT
    callbacks = [
        keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=2),
        keras.callbacks.ModelCheckpoint(checkpoint, monitor="val_loss", save_best_only=True),
    ]
    model = compile_model(get_mnist_model(input_size))
    history = run.fit(
        model,
        *data.train,
        validation_data=data.val,
        epochs=args.max_epochs,
        batch_size=args.batch_size,
        callbacks=callbacks,
        log="callbacks",
    ).history
    val_losses = history["val_loss"]
    best = int(np.argmin(val_losses))
    best_accuracy = int(np.argmax(history["val_accuracy"]))
    # The checkpoint holds the model of the best epoch, not of the last one.
    reloaded = keras.models.load_model(checkpoint)
    reloaded_val = reloaded.evaluate(*data.val, return_dict=True, verbose=0)
    reloaded_test = reloaded.evaluate(*data.test, return_dict=True, verbose=0)
    print(
        f"EarlyStopping ran {len(val_losses)} of {args.max_epochs} epochs; the checkpoint "
        f"holds epoch {best + 1} (val_loss {val_losses[best]:.4f}; reloaded: "
        f"{reloaded_val['loss']:.4f}), test accuracy {reloaded_test['accuracy']:.4f}"
    )
    if not args.no_plots:
        run.save_figure(
            plots.history_figure(
                history,
                title=f"EarlyStopping(val_accuracy, patience 2) stopped after "
                f"{len(val_losses)} epochs (best val_accuracy: epoch {best_accuracy + 1}); "
                f"checkpoint = epoch {best + 1}",
            ),
            "callbacks.png",
        )
    return {
        "max_epochs": args.max_epochs,
        "epochs_run": len(val_losses),
        "stopped_early": len(val_losses) < args.max_epochs,
        "best_val_accuracy_epoch": best_accuracy + 1,
        "checkpoint": CHECKPOINT,
        "checkpoint_epoch": best + 1,
        "checkpoint_val_loss": val_losses[best],
        "reloaded_val_loss": reloaded_val["loss"],
        "reloaded_test": reloaded_test,
    }


def compare_loops(run: recipe.RecipeRun, data: Data, input_size: int) -> dict:
    """Train with fit, a custom loop and a train_step override from the same start.

    shuffle=False in fit: all three see the same batches in the same order. Each one's
    epochs go to fits/loops-<name>.csv in the run; writes loops.json and (unless --no-plots)
    loops.png; returns how far the curves differ.
    """
    args = run.args
    fit_args = {"validation_data": data.val, "batch_size": args.batch_size, "shuffle": False}
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
    histories = {
        "fit": run.fit(
            models["fit"], *data.train, epochs=args.epochs, log="loops-fit", **fit_args
        ).history,
        "custom_loop": custom_loop(
            models["custom_loop"],
            data.train,
            data.val,
            epochs=args.epochs,
            batch_size=args.batch_size,
            log=run.epoch_log("loops-custom_loop"),
        ),
        "train_step": run.fit(
            models["train_step"],
            *data.train,
            epochs=args.epochs,
            log="loops-train_step",
            **fit_args,
        ).history,
    }
    differences = {
        name: max_difference(histories[name], histories["fit"])
        for name in ("custom_loop", "train_step")
    }
    for epoch in range(args.epochs):
        print(
            f"epoch {epoch + 1} val_loss: "
            + ", ".join(f"{n} {h['val_loss'][epoch]:.6f}" for n, h in histories.items())
        )
    print(
        f"initial weights differ by {initial_difference:g}; largest difference from fit's "
        "curves: " + ", ".join(f"{name} {d:.2e}" for name, d in differences.items())
    )
    run.save_json("loops.json", histories)
    if not args.no_plots:
        run.save_figure(loops_figure(histories, differences), "loops.png")
    return {
        "epochs": args.epochs,
        "initial_weights_max_abs_diff": initial_difference,
        "max_abs_diff_from_fit": differences,
        "final_val_accuracy": {name: h["val_accuracy"][-1] for name, h in histories.items()},
    }


def same_start(build: Callable[[], keras.Model], seed: int) -> keras.Model:
    """Build a model right after reseeding: every copy gets the same initial weights
    and its Dropout layer the same seed, hence the same masks batch after batch."""
    runtime.seed_everything(seed)
    return build()


def custom_loop(
    model: keras.Model,
    train: XY,
    val: XY,
    *,
    epochs: int,
    batch_size: int,
    log: recipe.EpochWriter | None = None,
) -> dict[str, list[float]]:
    """Train `model` with a GradientTape loop (ch. 7.4.3), batches in order.

    Returns per-epoch logs with fit's keys, each epoch's appended to `log` as it ends.
    Like fit, the loss is averaged per sample (each batch's mean loss weighted by its
    size: the last batch may be smaller).
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
        if log is not None:
            log.append({key: values[-1] for key, values in history.items()})
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


if __name__ == "__main__":
    raise SystemExit(main())
