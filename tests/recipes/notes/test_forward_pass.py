"""The forward_pass recipe: the book's 2-3-2-2 network in NumPy and in Keras Dense layers."""

import json

import numpy as np

from keras_dl import runtime
from keras_dl.lab.registry import load_recipe

forward_pass = load_recipe("forward_pass")
BOOK_OUTPUT = forward_pass.BOOK_OUTPUT


def test_numpy_forward_pass_gives_the_book_output():
    values = forward_pass.forward(forward_pass.init_network(), np.array([1.0, 0.5]))
    np.testing.assert_allclose(values["y"], BOOK_OUTPUT, atol=1e-8)
    # The layers in between, by hand: a1 = x W1 + b1 = [0.3, 0.7, 1.1].
    np.testing.assert_allclose(values["a1"], [0.3, 0.7, 1.1], atol=1e-12)
    np.testing.assert_allclose(values["z1"], 1 / (1 + np.exp(-np.array([0.3, 0.7, 1.1]))))


def test_keras_dense_layers_with_the_same_weights_give_the_same_output():
    network = forward_pass.init_network()
    x = np.array([[1.0, 0.5]])
    numpy_y = forward_pass.forward(network, x[0])["y"]
    # float64 is float64 where the backend computes it (JAX: only with x64 mode on).
    float64 = ("float64", 1e-12) if runtime.computes_float64() else ("float32", 1e-6)
    for dtype, (computed, tolerance) in (("float64", float64), ("float32", ("float32", 1e-6))):
        model = forward_pass.keras_network(network, dtype)
        kernel = model.get_layer("layer1").get_weights()[0]
        np.testing.assert_array_equal(kernel, network["W1"].astype(computed))  # (inputs, units)
        y = model.predict(x.astype(dtype), verbose=0)[0]
        np.testing.assert_allclose(y, numpy_y, atol=tolerance)
    assert forward_pass.show(numpy_y) == forward_pass.show(BOOK_OUTPUT)


def test_the_run_reproduces_the_book_output_in_numpy_and_keras(run_recipe):
    code, (run_dir,) = run_recipe("forward_pass", "--no-plots")
    assert code == 0
    metrics = json.loads((run_dir / "metrics.json").read_text())
    np.testing.assert_allclose(metrics["numpy_output"], BOOK_OUTPUT, atol=1e-8)
    np.testing.assert_allclose(metrics["keras_output_float64"], BOOK_OUTPUT, atol=1e-8)
    np.testing.assert_allclose(metrics["keras_output_float32"], BOOK_OUTPUT, atol=1e-6)
    assert metrics["result"]["value"] == metrics["numpy_output"][0]
    assert metrics["result"]["inside"] is True
