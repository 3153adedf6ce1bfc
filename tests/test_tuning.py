"""keras_dl.tuning: a keras-tuner search over build_dense_model."""

import keras_tuner
import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

from keras_dl.tuning import DenseHyperModel


def test_a_two_trial_search_builds_trains_and_ranks_dense_models(tmp_path):

    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype("float32")
    order = np.random.default_rng(0).permutation(len(X))
    train, val = order[:120], order[120:]
    hypermodel = DenseHyperModel(4, "multiclass", num_classes=3, units=(8, 32), depth=(1, 2))
    tuner = keras_tuner.RandomSearch(
        hypermodel,
        objective="val_accuracy",
        max_trials=2,
        seed=0,
        directory=str(tmp_path),
        project_name="iris",
    )
    tuner.search(X[train], y[train], validation_data=(X[val], y[val]), epochs=1, verbose=0)
    trials = tuner.oracle.get_best_trials(num_trials=5)
    assert len(trials) == 2 and all(t.status == "COMPLETED" for t in trials)
    best = tuner.get_best_hyperparameters(1)[0].values
    assert best["units"] in (8, 16, 32) and best["depth"] in (1, 2)
    assert 0.0 <= best["dropout"] <= 0.5 and 1e-4 <= best["learning_rate"] <= 1e-2
    model = tuner.get_best_models(1)[0]
    assert model.output_shape == (None, 3)
    assert len(model.layers) == 1 + best["depth"] * (2 if best["dropout"] else 1) + 1


def test_a_range_the_wrong_way_round_is_refused():

    with pytest.raises(ValueError, match=r"units=\(64, 8\): expected \(low, high\), low <= high"):
        DenseHyperModel(4, "binary", units=(64, 8))
