"""The gates recipe: the perceptron truth tables, XOR from two layers, and the learned nets."""

import json

import numpy as np
import pytest

from keras_dl.lab.registry import load_recipe

gates = load_recipe("gates")

# The notes' truth tables, rows (0, 0), (1, 0), (0, 1), (1, 1).
TRUTH = {"AND": [0, 0, 0, 1], "NAND": [1, 1, 1, 0], "OR": [0, 1, 1, 1], "XOR": [0, 1, 1, 0]}


@pytest.mark.parametrize("source", ["dlfs", "notes", "modu"])
def test_every_weight_set_gives_the_truth_tables_and_xor(source):
    outputs = gates.gate_outputs(gates.INPUTS, gates.GATE_WEIGHTS[source])
    for gate, expected in TRUTH.items():
        assert outputs[gate].tolist() == expected, (source, gate)


def test_the_gates_use_the_published_weights():
    weights = gates.GATE_WEIGHTS
    assert weights["dlfs"]["AND"] == ((0.5, 0.5), -0.7)
    assert weights["dlfs"]["NAND"] == ((-0.5, -0.5), 0.7)
    assert weights["dlfs"]["OR"] == ((0.5, 0.5), -0.2)
    assert weights["notes"]["OR"] == ((1.0, 1.0), -0.5)
    assert weights["modu"] == {
        "AND": ((1.0, 1.0), -1.0),
        "NAND": ((-2.0, -2.0), 3.0),
        "OR": ((2.0, 2.0), -1.0),
    }


def test_no_single_perceptron_computes_xor():
    # Every (w1, w2, b) on a grid: one line never separates XOR (why the neuron fails).
    grid = np.linspace(-2, 2, 41)
    w1, w2, b = (a.ravel() for a in np.meshgrid(grid, grid, grid))
    outputs = (gates.INPUTS @ np.stack([w1, w2]) + b > 0).astype(int)  # (4, combinations)
    assert not np.any(np.all(outputs == gates.XOR[:, None], axis=0))
    # ...while the same search finds AND, so the search itself can succeed.
    assert np.any(np.all(outputs == np.array(TRUTH["AND"])[:, None], axis=0))


def test_one_neuron_fails_on_xor_while_two_layers_learn_it(run_recipe):
    code, (run_dir,) = run_recipe("gates", "--no-plots")
    assert code == 0
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["neuron_accuracy"] <= gates.NEURON_AT_MOST
    assert metrics["mlp_accuracy"] == gates.MLP_ACCURACY
    assert metrics["final_mlp_loss"] < metrics["final_neuron_loss"]
    # The run judges the notes' figure from the same two accuracies: two layers learn XOR,
    # and one neuron's bound is a fact (exact), not counted as a reproduction.
    assert metrics["result"]["value"] == metrics["mlp_accuracy"]
    assert metrics["result"]["verdict"] == "inside"
    (neuron,) = metrics["figures"]
    assert neuron["value"] == metrics["neuron_accuracy"] and neuron["verdict"] == "exact"
    history = (run_dir / "history.csv").read_text().splitlines()
    columns = {"epoch", "neuron_loss", "neuron_accuracy", "mlp_loss", "mlp_accuracy"}
    assert set(history[0].split(",")) == columns
    assert len(history) == 1 + 10  # header + the default 10 epochs


def test_the_curves_have_whole_epoch_ticks():
    gates = load_recipe("gates")
    two = {"neuron_loss": [0.7, 0.6], "mlp_loss": [0.72, 0.61]}
    two |= {"neuron_accuracy": [0.5, 0.5], "mlp_accuracy": [0.5, 0.75]}
    figure = gates.curves_figure(two)
    figure.canvas.draw()
    for ax in figure.axes:
        ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        assert ticks and all(float(t).is_integer() for t in ticks)
