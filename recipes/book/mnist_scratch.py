"""The first network from scratch: NaiveDense, NaiveSequential, GradientTape (ch. 2)

Deep Learning with Python, ch. 2.5 "Looking back at our first example", section
"Reimplementing our first example from scratch in TensorFlow". The ch. 2.1 network,
Dense(512, relu) -> Dense(10, softmax), without Keras layers: `NaiveDense` holds W ~ U(0, 0.1)
and b = 0 as `tf.Variable`s, `NaiveSequential` chains the layers, `BatchGenerator` cuts the
data into batches of 128 in order (no shuffling, as in the book), and each training step
takes the gradients of the mean cross-entropy with `tf.GradientTape` and moves every weight
by -1e-3 x its gradient (plain SGD). Ten epochs. Book: test accuracy 0.81 or 0.82 on MNIST.
TensorFlow-specific by nature: this is what `model.fit` does for us.

  --dataset mnist   (default) keras.datasets.mnist as in the book: 60,000 training images,
                    10,000 test images, 784 pixels / 255, no validation set (ch. 2).
  --dataset digits  scikit-learn's 8x8 digits, split 70/15/15 and standardized. Only 10
                    batches per epoch instead of 469, so the book's 10 epochs at lr 1e-3
                    (100 steps) barely start: test accuracy 0.17 (seed 0).
                    `--learning-rate 0.01 --epochs 30` reaches 0.84, and
                    `--learning-rate 0.1 --epochs 30` 0.96.

Run it:

    make recipe NAME=mnist_scratch
    make recipe NAME=mnist_scratch ARGS="--dataset digits --learning-rate 0.1 --epochs 30"
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import keras
import numpy as np
import tensorflow as tf

from keras_dl import recipe
from keras_dl.datasets import load_images

TENSORFLOW_ONLY = "it reproduces the book's tf.GradientTape loop on tf.Variables"
BOOK = recipe.BookFigure(
    "test accuracy (GradientTape loop)", (0.81, 0.82), "MNIST", "ch. 2.5", band=(0.78, 1.0)
)
PRINT_EVERY = 100  # batches, as in the book


@recipe.command
def main(argv: list[str] | None = None) -> int:
    """Train the hand-written network with a GradientTape loop; returns the exit status."""
    parser = recipe.parser(__doc__, epochs=10, batch_size=128, datasets=("mnist", "digits"))
    parser.add_argument(
        "--learning-rate",
        type=recipe.positive_float,
        default=1e-3,
        help="SGD step size (default: %(default)s, the book's)",
    )
    args = parser.parse_args(argv)

    # The data, as for the first network: MNIST pixels / 255 with nothing held out; digits
    # split 70/15/15 and standardized on its training part.
    data = load_images(
        args.dataset, standardize=args.dataset == "digits", quick=args.quick, seed=args.seed
    )
    print(data)

    with recipe.start(
        "mnist_scratch", args, dataset=data.name, tensorflow_only=TENSORFLOW_ONLY
    ) as run:
        # tf.random.uniform draws W from the global seed that recipe.start has just set.
        model = build_model(data.train[0].shape[1])

        # The loop that model.fit hides: batches in order, a GradientTape, an SGD update.
        # Each finished epoch goes to the run's epoch log at once, as a fit's would.
        history = fit(
            model,
            data.train,
            data.val,
            epochs=args.epochs,
            batch_size=args.batch_size,
            learning_rate=args.learning_rate,
            log=run.epoch_log(),
        )
        test = evaluate(model, *data.test)
        print(f"test: loss {test['loss']:.4f}, accuracy {test['accuracy']:.4f}")

        run.finish(
            history=history,
            metrics={
                "test": test,
                "learning_rate": args.learning_rate,
                "first_epoch_loss": history["loss"][0],
                "final_loss": history["loss"][-1],
                "final_accuracy": history["accuracy"][-1],
                "sizes": data.sizes,
            },
            result=run.result(BOOK.metric, test["accuracy"], BOOK),
            title=f"mnist_scratch: NaiveDense + GradientTape, SGD lr {args.learning_rate:g}, "
            f"on {data.name}",
        )
    return 0


def build_model(input_size: int) -> NaiveSequential:
    """The ch. 2 network: NaiveDense(512, relu) -> NaiveDense(10, softmax)."""
    return NaiveSequential(
        [
            NaiveDense(input_size=input_size, output_size=512, activation=tf.nn.relu),
            NaiveDense(input_size=512, output_size=10, activation=tf.nn.softmax),
        ]
    )


class NaiveDense:
    """A dense layer: activation(inputs @ W + b), W ~ U(0, 0.1), b = 0.

    `dtype` is the variables' type: float32 as in the book, float64 for gradient checks.
    """

    def __init__(
        self,
        input_size: int,
        output_size: int,
        activation: Callable[[tf.Tensor], tf.Tensor],
        dtype: str = "float32",
    ) -> None:
        """Create W (input_size, output_size) ~ U(0, 0.1) and b = 0 of type `dtype`."""
        self.activation = activation
        self.W = tf.Variable(
            tf.random.uniform((input_size, output_size), minval=0, maxval=1e-1, dtype=dtype)
        )
        self.b = tf.Variable(tf.zeros((output_size,), dtype=dtype))

    def __call__(self, inputs: tf.Tensor) -> tf.Tensor:
        """activation(inputs @ W + b)."""
        return self.activation(tf.matmul(inputs, self.W) + self.b)

    @property
    def weights(self) -> list[tf.Variable]:
        """The trainable variables, [W, b]."""
        return [self.W, self.b]


class NaiveSequential:
    """Layers applied one after the other."""

    def __init__(self, layers: Sequence[NaiveDense]) -> None:
        """Keep the layers, in order."""
        self.layers = list(layers)

    def __call__(self, inputs: tf.Tensor) -> tf.Tensor:
        """Apply the layers one after the other."""
        x = inputs
        for layer in self.layers:
            x = layer(x)
        return x

    @property
    def weights(self) -> list[tf.Variable]:
        """Every layer's trainable variables, in order."""
        return [w for layer in self.layers for w in layer.weights]


def fit(
    model: NaiveSequential,
    train: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray] | None,
    *,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    log: recipe.EpochWriter | None = None,
) -> dict[str, list[float]]:
    """The book's training loop; returns per-epoch logs like Keras' History.history.

    loss and accuracy are averaged over the epoch's batches (per sample), as `fit` does;
    each epoch's are appended to `log` as soon as the epoch ends.
    """
    history: dict[str, list[float]] = {"loss": [], "accuracy": []}
    if val is not None:
        history |= {"val_loss": [], "val_accuracy": []}
    images, labels = train
    for epoch in range(epochs):
        batch_generator = BatchGenerator(images, labels, batch_size)
        loss_sum, correct = 0.0, 0
        for batch_counter in range(batch_generator.num_batches):
            images_batch, labels_batch = batch_generator.next()
            loss, predictions = one_training_step(model, images_batch, labels_batch, learning_rate)
            # Keep score the way fit does: the loss weighted by the batch's size.
            loss_sum += loss * len(labels_batch)
            correct += int(np.sum(np.argmax(predictions, axis=1) == labels_batch))
            if batch_counter % PRINT_EVERY == 0:
                print(f"epoch {epoch + 1}: loss at batch {batch_counter}: {loss:.2f}")
        history["loss"].append(loss_sum / len(labels))
        history["accuracy"].append(correct / len(labels))
        summary = f"epoch {epoch + 1}/{epochs}: loss {history['loss'][-1]:.4f}"
        summary += f", accuracy {history['accuracy'][-1]:.4f}"
        if val is not None:
            val_metrics = evaluate(model, *val)
            history["val_loss"].append(val_metrics["loss"])
            history["val_accuracy"].append(val_metrics["accuracy"])
            summary += (
                f", val_loss {val_metrics['loss']:.4f}, val_accuracy {val_metrics['accuracy']:.4f}"
            )
        print(summary)
        if log is not None:
            log.append({key: values[-1] for key, values in history.items()})
    return history


class BatchGenerator:
    """Consecutive batches of (images, labels), in the data's order."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, batch_size: int = 128) -> None:
        """Start at the first batch; images and labels must have the same length."""
        if len(images) != len(labels):
            raise ValueError(
                f"images ({len(images)}) and labels ({len(labels)}): expected the same length"
            )
        self.index = 0
        self.images = images
        self.labels = labels
        self.batch_size = batch_size
        self.num_batches = math.ceil(len(images) / batch_size)

    def next(self) -> tuple[np.ndarray, np.ndarray]:
        """The next batch (the last one may be smaller)."""
        images = self.images[self.index : self.index + self.batch_size]
        labels = self.labels[self.index : self.index + self.batch_size]
        self.index += self.batch_size
        return images, labels


def one_training_step(
    model: NaiveSequential,
    images_batch: np.ndarray,
    labels_batch: np.ndarray,
    learning_rate: float,
) -> tuple[float, np.ndarray]:
    """One SGD step on a batch; returns the batch's loss and predictions (before the step)."""
    average_loss, predictions, gradients = loss_and_gradients(model, images_batch, labels_batch)
    update_weights(gradients, model.weights, learning_rate)
    return float(average_loss), predictions.numpy()


def loss_and_gradients(
    model: NaiveSequential, images: np.ndarray, labels: np.ndarray
) -> tuple[tf.Tensor, tf.Tensor, list[tf.Tensor]]:
    """Forward pass under a GradientTape: (mean loss, predictions, d loss / d weights)."""
    # The tape records every operation on the variables, so that it can replay them
    # backwards: the chain rule, applied for us.
    with tf.GradientTape() as tape:
        predictions = model(images)
        average_loss = mean_loss(predictions, labels)
    return average_loss, predictions, tape.gradient(average_loss, model.weights)


def mean_loss(predictions: tf.Tensor, labels: np.ndarray) -> tf.Tensor:
    """The mean sparse categorical cross-entropy of a batch."""
    return tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels, predictions))


def update_weights(
    gradients: Sequence[tf.Tensor], weights: Sequence[tf.Variable], learning_rate: float
) -> None:
    """Plain SGD: w <- w - learning_rate * gradient."""
    for g, w in zip(gradients, weights, strict=True):
        w.assign_sub(g * learning_rate)


def evaluate(model: NaiveSequential, images: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Loss and accuracy of the model on (images, labels), in one forward pass."""
    predictions = model(images)
    accuracy = float(np.mean(np.argmax(predictions.numpy(), axis=1) == labels))
    return {"loss": float(mean_loss(predictions, labels)), "accuracy": accuracy}


if __name__ == "__main__":
    raise SystemExit(main())
