"""The pipeline recipe: each family grid-searched in a Pipeline, the refit tested once."""

import json

from sklearn.preprocessing import StandardScaler

from keras_dl.lab.registry import load_recipe

FAMILIES = ["Dense net", "SVM (RBF kernel)", "random forest"]


def test_each_family_is_chosen_by_cross_validation_and_tested_once(run_recipe, monkeypatch):

    # Every scaler is fitted inside a fold (or the refit): never on rows the fold scores.
    fitted_rows = []
    original = StandardScaler.fit

    def recording(self, X, *args, **kwargs):
        fitted_rows.append(len(X))
        return original(self, X, *args, **kwargs)

    monkeypatch.setattr(StandardScaler, "fit", recording)
    code, (run_dir,) = run_recipe("pipeline", "--quick", "--dataset", "breast_cancer")
    assert code == 0
    metrics = json.loads((run_dir / "metrics.json").read_text())
    models = metrics["models"]
    assert list(models) == FAMILIES
    train = metrics["sizes"]["train"]
    # 2 folds under --quick: half the training rows per fold fit, all of them for the refit.
    assert set(fitted_rows) == {train // 2, train - train // 2, train}
    for family, row in models.items():
        assert 0.85 < row["cv_accuracy"] <= 1.0 and 0.85 < row["test_accuracy"] <= 1.0, family
    dense = models["Dense net"]["params"]
    assert set(dense) == {"epochs", "hidden_units"}
    history = (run_dir / "history.csv").read_text().splitlines()
    assert len(history) - 1 == dense["epochs"]  # the refit's epochs, as the grid chose them
    assert (run_dir / "pipeline.png").is_file()


def test_the_dense_grid_searches_width_and_epochs_from_the_flags():

    module = load_recipe("pipeline")
    args = module.recipe.parser(module.__doc__, epochs=30, batch_size=32).parse_args([])
    _, grid = module.families(args)["Dense net"]
    assert grid == {
        "denseclassifier__hidden_units": [(32,), (64, 64)],
        "denseclassifier__epochs": [10, 30],
    }
