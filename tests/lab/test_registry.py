"""Finding and loading recipes by name, from the two source folders only."""

import os
import sys

import pytest

from keras_dl.lab.registry import SOURCES, list_recipes, load_recipe, packaged_dir


def test_every_recipe_has_a_title_a_source_and_a_unique_name():
    recipes = list_recipes()
    names = [r.name for r in recipes]
    assert len(names) == len(set(names)) == 27
    assert {r.source for r in recipes} == {"book", "notes"} < set(SOURCES)
    for recipe in recipes:
        assert recipe.path.is_relative_to(packaged_dir())
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


def test_recipes_that_follow_the_third_edition_say_so_in_list_and_in_their_flags(capsys):
    following = {r.name: r for r in list_recipes() if r.editions}
    assert set(following) == {"imdb", "reuters", "generalization", "jena", "bag_of_words"}
    for name, info in following.items():
        assert info.editions == (2, 3) and "3rd ed.: --edition 3" in info.summary
        with pytest.raises(SystemExit) as exit_:
            load_recipe(name).main.__wrapped__(["--edition", "4"])
        assert exit_.value.code == 2
        assert "--edition: invalid choice: 4 (choose from 2, 3)" in capsys.readouterr().err
    (california,) = (r for r in list_recipes() if r.name == "california")
    assert california.summary.endswith("(3rd ed. ch. 4)") and not california.editions


def test_load_recipe_and_suggestions():
    assert callable(load_recipe("digits").main)
    with pytest.raises(ValueError, match="did you mean 'mnist'"):
        load_recipe("mnsit")


def test_recipes_load_under_private_names_and_leave_sys_path_alone():
    before = list(sys.path)
    module = load_recipe("digits")
    assert module.__name__ == "keras_dl_recipes.book.digits"
    assert sys.path == before and "digits" not in sys.modules


def test_the_environment_adds_folders_of_ones_own_recipes(monkeypatch, tmp_path):
    packaged = [(r.name, r.source) for r in list_recipes()]
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "json.py").write_text(
        '"""Say hello"""\n\ndef main(argv=None):\n    return 0\n'
    )
    (tmp_path / "notes" / "_private.py").write_text("")
    (tmp_path / "mine.py").write_text('"""Beside them"""\n')
    other = tmp_path / "other"
    other.mkdir()
    (other / "theirs.py").write_text('"""From a second folder"""\n')
    monkeypatch.setenv("KERAS_DL_RECIPES", f"{tmp_path}{os.pathsep}{other}")
    added = [(r.name, r.source, r.summary) for r in list_recipes()][len(packaged) :]
    assert added == [
        ("json", "notes", "Say hello"),
        ("mine", "yours", "Beside them"),
        ("theirs", "yours", "From a second folder"),
    ]
    assert [(r.name, r.source) for r in list_recipes()][: len(packaged)] == packaged
    module = load_recipe("json")
    assert module.main() == 0
    import json

    assert sys.modules["json"] is json and hasattr(json, "dumps")  # not shadowed
