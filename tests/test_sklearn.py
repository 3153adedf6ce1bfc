"""keras_dl.sklearn: scikit-learn estimators over build_dense_model."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_iris, load_linnerud, make_classification
from sklearn.dummy import DummyRegressor
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from keras_dl.sklearn import DenseClassifier, DenseRegressor


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X).astype("float32"), y


@pytest.fixture(scope="module")
def linnerud():
    """20 rows, 3 exercise features and 3 raw-scale targets: weight 138-247, waist 31-46,
    pulse 46-74."""
    X, y = load_linnerud(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_every_setting_is_a_parameter_clone_keeps():

    estimator = DenseClassifier(hidden_units=(8,), epochs=7, batch_size=16, dropout=0.1, seed=3)
    copy = clone(estimator)
    assert copy.get_params() == estimator.get_params()
    assert copy.epochs == 7 and copy.hidden_units == (8,)
    assert set(DenseRegressor().get_params()) == {*estimator.get_params(), "standardize_targets"}
    regressor = DenseRegressor(epochs=7, standardize_targets=False)
    assert clone(regressor).get_params() == regressor.get_params()


def test_string_labels_come_back_as_labels_with_probabilities(iris):

    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    fitted = DenseClassifier(hidden_units=(16,), epochs=30, learning_rate=0.01).fit(X, names)
    assert list(fitted.classes_) == ["setosa", "versicolor", "virginica"]
    assert set(fitted.predict(X)) <= set(names)
    probabilities = fitted.predict_proba(X)
    assert probabilities.shape == (150, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert fitted.score(X, names) > 0.9
    assert fitted.model_.output_shape == (None, 3)  # softmax over the 3 classes
    assert len(fitted.history_["loss"]) == 30


def test_two_non_contiguous_labels_get_a_sigmoid_head():

    X, y = make_classification(n_samples=200, n_features=6, random_state=0)
    labels = np.where(y == 1, 7, -3)
    fitted = DenseClassifier(hidden_units=(16,), epochs=20).fit(X, labels)
    assert list(fitted.classes_) == [-3, 7]
    assert fitted.model_.output_shape == (None, 1)
    assert fitted.model_.loss == "binary_crossentropy"
    probabilities = fitted.predict_proba(X)
    assert probabilities.shape == (200, 2)
    # predict is the column of the higher probability, in the original labels.
    assert (fitted.predict(X) == fitted.classes_[probabilities.argmax(axis=1)]).all()
    assert fitted.score(X, labels) > 0.8


def test_the_regressor_predicts_every_target_in_the_shape_it_was_given():

    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    one = DenseRegressor(hidden_units=(16,), epochs=20).fit(X, y)
    assert one.predict(X).shape == (442,) and one.score(X, y) > 0.3
    two = DenseRegressor(hidden_units=(16,), epochs=20).fit(X, np.column_stack([y, -y]))
    assert two.predict(X).shape == (442, 2) and two.model_.output_shape == (None, 2)
    column = DenseRegressor(hidden_units=(16,), epochs=2).fit(X, y[:, None])
    assert column.predict(X).shape == (442, 1)


def test_the_regressor_learns_raw_scale_targets_and_predicts_on_their_scale(linnerud):

    X, y = linnerud
    fitted = DenseRegressor(epochs=100, seed=0).fit(X, y)
    dummy = DummyRegressor().fit(X, y).score(X, y)  # 0.0: the mean of each target
    assert fitted.score(X, y) > dummy + 0.3  # 0.66; -43 without standardized targets
    means = fitted.predict(X).mean(axis=0)
    assert ((y.min(axis=0) <= means) & (means <= y.max(axis=0))).all()
    np.testing.assert_allclose(fitted.y_mean_, y.mean(axis=0))
    np.testing.assert_allclose(fitted.y_scale_, y.std(axis=0))
    # The network's loss is on the standardized targets: its mse there is 1 - R^2 (the mean of
    # each target's), and history_ is in the same units.
    standardized = ((y - fitted.y_mean_) / fitted.y_scale_).astype("float32")
    loss = fitted.model_.evaluate(X, standardized, verbose=0, return_dict=True)["loss"]
    assert loss == pytest.approx(1.0 - fitted.score(X, y), abs=1e-5)
    assert fitted.history_["loss"][-1] == pytest.approx(loss, abs=0.05)
    again = DenseRegressor(epochs=100, seed=0).fit(X, y)
    np.testing.assert_array_equal(fitted.predict(X), again.predict(X))


def test_standardize_targets_false_fits_the_targets_as_given(linnerud):

    X, y = linnerud
    raw = DenseRegressor(epochs=100, seed=0, standardize_targets=False).fit(X, y)
    assert raw.y_mean_ is None and raw.y_scale_ is None
    outputs = raw.model_.predict(X, verbose=0)
    np.testing.assert_allclose(raw.predict(X), outputs, rtol=1e-6)  # the network's own units
    assert raw.score(X, y) < 0  # 100 epochs do not reach targets of 31 to 247 from 0
    constant = DenseRegressor(epochs=2).fit(X, np.full(len(X), 7.0))
    assert constant.y_scale_.tolist() == [1.0]  # a constant target is centred, not divided


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_a_bad_standardize_targets_fails_at_fit_in_one_line(linnerud, value):

    estimator = DenseRegressor(standardize_targets=value)
    with pytest.raises(ValueError) as raised:
        estimator.fit(*linnerud)
    message = str(raised.value)
    assert message == (
        f"standardize_targets={value!r}: expected True (train on standardized targets) or False"
    )
    assert not hasattr(estimator, "model_")


def test_validation_fraction_stops_early_and_restores_the_best_epoch(iris):

    X, y = iris
    fitted = DenseClassifier(
        hidden_units=(64,), epochs=300, validation_fraction=0.2, patience=3, learning_rate=0.05
    ).fit(X, y)
    history = fitted.history_
    assert len(history["loss"]) < 300  # stopped
    best = int(np.argmin(history["val_loss"]))
    assert best == len(history["val_loss"]) - 1 - 3  # 3 epochs without a better val_loss


def test_the_same_seed_gives_the_same_model_and_another_seed_another(iris):

    X, y = iris
    first, again, other = (
        DenseClassifier(hidden_units=(8,), epochs=3, dropout=0.2, seed=seed).fit(X, y)
        for seed in (1, 1, 2)
    )
    np.testing.assert_array_equal(first.predict_proba(X), again.predict_proba(X))
    assert not np.array_equal(first.predict_proba(X), other.predict_proba(X))


@pytest.mark.slow  # make test covers the same through the pipeline recipe's test
def test_grid_search_in_a_pipeline_searches_each_parameter_and_keeps_epochs(iris):

    X, y = iris
    pipe = make_pipeline(StandardScaler(), DenseClassifier(batch_size=16))
    grid = {"denseclassifier__hidden_units": [(8,), (16, 16)], "denseclassifier__epochs": [2, 5]}
    search = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    best = search.best_estimator_[-1]
    # The refit trained for the epochs the grid chose, not one (keras.wrappers' clone loses them).
    assert len(best.history_["loss"]) == search.best_params_["denseclassifier__epochs"]
    assert clone(best).epochs == best.epochs
    scores = cross_val_score(DenseClassifier(hidden_units=(8,), epochs=4), X, y, cv=2)
    assert scores.shape == (2,)


@pytest.mark.parametrize(
    "params, words",
    [
        ({"epochs": 0}, "epochs=0: expected an integer >= 1"),
        ({"batch_size": 2.5}, "batch_size=2.5: expected an integer >= 1"),
        ({"validation_fraction": 1.0}, "validation_fraction=1.0: expected a number in [0, 1)"),
        ({"seed": -1}, "seed=-1: expected an integer in 0..4294967295 or None"),
        ({"dropout": 1.5}, "dropout=1.5: expected a number, a rate in [0, 1)"),
        ({"hidden_units": (0,)}, "hidden_units"),
    ],
)
def test_bad_settings_fail_at_fit_with_the_parameter_named(iris, params, words):

    estimator = DenseClassifier(**params)  # scikit-learn validates at fit, not in __init__
    with pytest.raises(ValueError, match=None) as raised:
        estimator.fit(*iris)
    assert words in str(raised.value) and "\n" not in str(raised.value)


def test_unfitted_estimators_say_so(iris):

    with pytest.raises(NotFittedError):
        DenseRegressor().predict(iris[0])


# Every scikit-learn estimator check, none excluded. Each fits Keras models dozens of times
# (about 8 minutes on our CPU), so they run with the slow checks (make test-slow, in CI).
# scikit-learn itself skips one check per estimator, check_array_api_input: it runs only with
# SCIPY_ARRAY_API=1 set before SciPy is imported, and these estimators claim no array-API
# support (they convert X to a NumPy float32 array). The pandas checks run (pandas is in dev).
@pytest.mark.slow
@parametrize_with_checks([DenseClassifier(), DenseRegressor()])
def test_scikit_learn_estimator_checks(estimator, check):

    check(estimator)
