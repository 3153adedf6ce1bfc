"""Finding and loading recipes by name."""

import pytest

from keras_dl.registry import list_recipes, load_recipe, recipes_dir


def test_every_recipe_has_a_title_and_a_main():
    recipes = list_recipes()
    assert {"digits", "mnist"} <= {r.name for r in recipes}
    for recipe in recipes:
        assert recipe.summary, f"{recipe.path} has no docstring title"


def test_load_recipe_and_suggestions():
    assert callable(load_recipe("digits").main)
    with pytest.raises(ValueError, match="did you mean 'mnist'"):
        load_recipe("mnsit")


def test_recipes_folder_can_be_set_by_environment(monkeypatch, tmp_path):
    (tmp_path / "hello.py").write_text('"""Say hello"""\n\ndef main(argv=None):\n    return 0\n')
    (tmp_path / "_private.py").write_text("")
    monkeypatch.setenv("KERAS_DL_RECIPES", str(tmp_path))
    assert recipes_dir() == tmp_path
    assert [(r.name, r.summary) for r in list_recipes()] == [("hello", "Say hello")]
