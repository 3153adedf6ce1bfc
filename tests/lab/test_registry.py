"""Finding and loading recipes by name, from the two source folders only."""

import sys

import pytest

from keras_dl.lab.registry import SOURCES, list_recipes, load_recipe, recipes_dir


def test_every_recipe_has_a_title_a_source_and_a_unique_name():
    recipes = list_recipes()
    names = [r.name for r in recipes]
    assert len(names) == len(set(names)) == 24
    assert {r.source for r in recipes} == set(SOURCES)
    for recipe in recipes:
        assert recipe.summary, f"{recipe.path} has no docstring title"
        assert recipe.path.parent.name == recipe.source


def test_a_recipe_answers_to_its_aliases_with_their_flags():
    recipes = {r.name: r for r in list_recipes()}
    mnist, digits = recipes["mnist"], recipes["digits"]
    assert mnist.path == digits.path and mnist.script == "digits"
    assert mnist.flags == ("--dataset", "mnist") and digits.flags == ()
    assert mnist.summary == f"{digits.summary}, as digits --dataset mnist"
    assert load_recipe("mnist") is not None and load_recipe("mnist").ALIASES == {
        "mnist": ["--dataset", "mnist"]
    }


def test_load_recipe_and_suggestions():
    assert callable(load_recipe("digits").main)
    with pytest.raises(ValueError, match="did you mean 'mnist'"):
        load_recipe("mnsit")


def test_recipes_load_under_private_names_and_leave_sys_path_alone():
    before = list(sys.path)
    module = load_recipe("digits")
    assert module.__name__ == "keras_dl_recipes.book.digits"
    assert sys.path == before and "digits" not in sys.modules


def test_recipes_folder_can_be_set_by_environment(monkeypatch, tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "json.py").write_text(
        '"""Say hello"""\n\ndef main(argv=None):\n    return 0\n'
    )
    (tmp_path / "notes" / "_private.py").write_text("")
    (tmp_path / "stray.py").write_text('"""Not in a source folder"""\n')
    monkeypatch.setenv("KERAS_DL_RECIPES", str(tmp_path))
    assert recipes_dir() == tmp_path
    assert [(r.name, r.source, r.summary) for r in list_recipes()] == [
        ("json", "notes", "Say hello")
    ]
    module = load_recipe("json")
    assert module.main() == 0
    import json

    assert sys.modules["json"] is json and hasattr(json, "dumps")  # not shadowed
