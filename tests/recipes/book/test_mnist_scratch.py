"""The from-scratch MNIST recipe: the naive loop learns and repeats with its seed, and the
GradientTape gradients are the true ones (checked against finite differences)."""

import csv
import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_dl.lab.registry import load_recipe

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason=f"mnist_scratch needs TensorFlow: {load_recipe('mnist_scratch').TENSORFLOW_ONLY}",
)


def read_history(run_dir):
    with (run_dir / "history.csv").open() as f:
        return [{key: float(value) for key, value in row.items()} for row in csv.DictReader(f)]


def test_the_naive_loop_learns_digits(run_recipe):
    # 3 epochs of 10 batches: the book's lr 1e-3 needs MNIST's 469 batches per epoch.
    code, (run_dir,) = run_recipe(
        "mnist_scratch",
        "--dataset",
        "digits",
        "--learning-rate",
        "0.1",
        "--epochs",
        "3",
        "--no-plots",
    )
    assert code == 0
    metrics = json.loads((run_dir / "metrics.json").read_text())
    losses = [row["loss"] for row in read_history(run_dir)]
    assert losses == sorted(losses, reverse=True), losses
    assert losses[-1] < 0.8 * losses[0]
    assert metrics["test"]["accuracy"] >= 0.6  # chance: 0.1
    assert metrics["result"]["dataset"] == "digits"
    assert {"val_loss", "val_accuracy"} <= set(read_history(run_dir)[0])


def test_same_seed_same_run(run_recipe):
    results = []
    for _ in range(2):
        _, run_dirs = run_recipe("mnist_scratch", "--quick", "--no-plots", "--seed", "5")
        metrics = json.loads((run_dirs[-1] / "metrics.json").read_text())
        results.append((metrics["test"], read_history(run_dirs[-1])))
    assert results[0] == results[1]
    assert "val_loss" not in results[0][1][0]  # the MNIST path validates on nothing (ch. 2)


def test_gradient_tape_agrees_with_finite_differences():
    scratch = load_recipe("mnist_scratch")
    tf.random.set_seed(0)
    model = scratch.NaiveSequential(
        [
            scratch.NaiveDense(4, 5, tf.nn.relu, dtype="float64"),
            scratch.NaiveDense(5, 3, tf.nn.softmax, dtype="float64"),
        ]
    )
    rng = np.random.default_rng(0)
    images, labels = rng.normal(size=(6, 4)), np.array([0, 1, 2, 0, 1, 2])
    _, _, gradients = scratch.loss_and_gradients(model, images, labels)

    def loss() -> float:
        return float(scratch.mean_loss(model(images), labels))

    eps = 1e-6
    for variable, gradient in zip(model.weights, gradients, strict=True):
        numeric = np.zeros(variable.shape)
        for index in np.ndindex(*variable.shape):
            original = variable.numpy()
            for sign in (1, -1):
                shifted = original.copy()
                shifted[index] += sign * eps
                variable.assign(shifted)
                numeric[index] += sign * loss() / (2 * eps)
            variable.assign(original)
        np.testing.assert_allclose(gradient.numpy(), numeric, rtol=1e-5, atol=1e-8)
        assert np.abs(numeric).max() > 1e-3  # a real check, not zeros against zeros


def test_one_training_step_moves_weights_against_the_gradient():
    scratch = load_recipe("mnist_scratch")
    tf.random.set_seed(1)
    model = scratch.build_model(8)
    images = np.random.default_rng(1).random((16, 8), dtype=np.float32)
    labels = np.arange(16) % 10
    before = [w.numpy() for w in model.weights]
    _, _, gradients = scratch.loss_and_gradients(model, images, labels)
    scratch.one_training_step(model, images, labels, learning_rate=0.5)
    for old, gradient, new in zip(before, gradients, model.weights, strict=True):
        np.testing.assert_allclose(new.numpy(), old - 0.5 * gradient.numpy(), rtol=1e-5, atol=1e-6)


def test_mnist_offline_says_which_file_to_put_where(run_recipe, capsys):
    code, run_dirs = run_recipe("mnist_scratch")
    assert code == 2
    assert run_dirs == []
    err = capsys.readouterr().err
    assert "mnist.npz" in err and "--dataset digits" in err and "Traceback" not in err
