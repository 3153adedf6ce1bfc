"""The heads recipe: infer_task picks each head, and a sigmoid is a 2-class softmax."""

import json

import keras
import numpy as np
import pytest

from keras_dl.lab.registry import load_recipe
from keras_dl.records.book import Result

EXPECTED_HEADS = {  # variant -> (units, activation, loss, metrics)
    "linear-diabetes": (1, "linear", "mse", ["mae"]),
    "sigmoid-breast_cancer": (1, "sigmoid", "binary_crossentropy", ["accuracy"]),
    "softmax-wine": (3, "softmax", "sparse_categorical_crossentropy", ["accuracy"]),
    "softmax2-breast_cancer": (2, "softmax", "sparse_categorical_crossentropy", ["accuracy"]),
}


def test_quick_run_heads_identity_and_agreement(quick_run):
    heads = load_recipe("heads")
    run = quick_run("heads")
    run_dirs = run.run_dirs
    assert run.code == 0
    metrics = {}
    for run_dir in run_dirs:
        variant = run_dir.name.split("-quick-", 1)[1]
        metrics[variant] = json.loads((run_dir / "metrics.json").read_text())
        head = metrics[variant]["head"]
        units, activation, loss, metric_names = EXPECTED_HEADS[variant]
        assert (head["units"], head["activation"], head["loss"]) == (units, activation, loss)
        assert head["metrics"] == metric_names
    assert list(metrics) == list(EXPECTED_HEADS)
    assert metrics["linear-diabetes"]["task"]["task"] == "regression"
    assert metrics["linear-diabetes"]["result"]["metric"] == "test mae"
    assert metrics["softmax-wine"]["result"]["value"] == metrics["softmax-wine"]["test"]["accuracy"]
    assert metrics["softmax-wine"]["task"]["num_classes"] == 3
    assert list((run_dirs[0].parent).glob("compare-*-val_loss.png"))

    pair = metrics["softmax2-breast_cancer"]
    assert pair["identity_max_error"] < 1e-6
    assert pair["sigmoid_as_softmax"]["decision_agreement"] == heads.AGREEMENT.value
    assert pair["sigmoid_as_softmax"]["max_probability_difference"] < 1e-5
    assert pair["softmax_as_sigmoid_max_error"] < 1e-5
    assert pair["trained_pair"]["decision_agreement"] >= 0.9
    # The identity is recorded beside its figure (judged on any data, at full settings).
    (identity,) = pair["figures"]
    assert identity["metric"] == heads.IDENTITY.metric
    assert identity["value"] == pair["identity_max_error"]
    assert pair["result"]["value"] == pair["trained_pair"]["decision_agreement"]
    # A quick run judges nothing but an identity: the agreement (a "differs" figure at full
    # settings) is not judged; the identity, exact on any data, still is.
    assert pair["result"]["verdict"] is None and pair["result"]["not_judged"]
    assert identity["verdict"] == "exact" and identity["book"]["origin"] == "identity"
    last = run.out.strip().splitlines()[-1]
    assert last == Result.from_dict(pair["result"]).line()
    assert last.startswith(f"{heads.AGREEMENT.metric} ")


def test_sigmoid_and_softmax_models_start_from_the_same_trunk():
    heads = load_recipe("heads")
    models = []
    for task, num_classes in (("binary", 2), ("multiclass", 2)):
        keras.utils.set_random_seed(7)
        models.append(heads.build_model(30, task, num_classes, task))
    for i in range(1, len(heads.HIDDEN_UNITS) + 1):
        for a, b in zip(*(m.get_layer(f"hidden_{i}").get_weights() for m in models), strict=True):
            np.testing.assert_array_equal(a, b)


def test_softmax_of_z_and_zero_is_sigmoid_of_z():
    assert load_recipe("heads").identity_error() < 1e-6


@pytest.mark.slow
def test_default_settings_learn_each_task(run_recipe):
    code, run_dirs = run_recipe("heads", "--no-plots")
    assert code == 0
    # Run directories are named <date>-<time>-<head>-<dataset>.
    metrics = {
        d.name.split("-", 2)[2]: json.loads((d / "metrics.json").read_text()) for d in run_dirs
    }
    # Seeds 0-2 (make check-book): MAE 41.7-47.9, accuracies 0.977+ and 0.926+, agreement 0.965+.
    assert metrics["linear-diabetes"]["test"]["mae"] < 50  # the target's own MAE is about 65
    assert metrics["sigmoid-breast_cancer"]["test"]["accuracy"] >= 0.95
    assert metrics["softmax-wine"]["test"]["accuracy"] >= 0.9
    assert metrics["softmax2-breast_cancer"]["trained_pair"]["decision_agreement"] >= 0.95
    assert metrics["softmax2-breast_cancer"]["figures"][0]["inside"] is True  # the identity
