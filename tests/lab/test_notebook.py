"""Notebooks made from the recipes: their cells are the lesson's steps, the committed ones
are what the recipes make, and the digits notebook runs as ``keras-dl run digits`` does."""

import configparser
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from keras_dl.lab import cli
from keras_dl.lab.notebook import REPOSITORY, NotebookError, notebook_json, notebook_text
from keras_dl.lab.registry import RecipeInfo, find_recipe, list_recipes

ROOT = Path(__file__).resolve().parents[2]


def cells(info: RecipeInfo) -> list[dict]:
    return json.loads(notebook_json(info))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def test_every_recipe_makes_a_notebook_of_its_steps():
    for info in list_recipes():
        notebook = cells(info)
        code = [source(c) for c in notebook if c["cell_type"] == "code"]
        prose = [source(c) for c in notebook if c["cell_type"] == "markdown"]
        assert len(code) >= 5 and len(prose) >= 3, info.name  # the steps explained
        assert prose[0].startswith(f"# {info.summary.split(', as ')[0]}")
        for text in code:
            compile(text, f"{info.name}.ipynb", "exec")  # every cell is valid Python alone
            assert "main(" not in text, f"{info.name}: a cell calls main()"
        parameters = [c for c in notebook if "parameters" in c["metadata"].get("tags", [])]
        assert len(parameters) == 1
        assert source(parameters[0]).endswith(f"argv = {json.dumps(list(info.flags))}")
        assert any("recipe.start(" in text for text in code), info.name  # the run
        opened = sum(
            bool(re.match(r"\w+ = recipe\.start\(", text)) and text.endswith(".open()")
            for text in code
        )
        closed = sum(
            text.endswith(".close()  # the end of the script's `with` block") for text in code
        )
        assert opened == closed, info.name  # a run opened in a cell of its own is closed


def test_the_digits_notebook_reads_as_the_lesson():
    notebook = cells(find_recipe("digits"))
    kinds = [c["cell_type"] for c in notebook]
    code = [source(c) for c in notebook if c["cell_type"] == "code"]
    assert kinds.count("code") >= 4
    steps = ["load_images(", "recipe.start(", "build_dense_model(", "run.fit(", "run.finish("]
    where = [next(i for i, text in enumerate(code) if step in text) for step in steps]
    assert where == sorted(where) and len(set(where)) == len(where)  # one step per cell, in order
    prose = " ".join(source(c) for c in notebook if c["cell_type"] == "markdown")
    assert "The network: a Dense layer of 512 ReLU units" in prose  # the script's comments


def test_a_helper_comes_just_before_the_step_that_first_calls_it():
    code = [source(c) for c in cells(find_recipe("reuters")) if c["cell_type"] == "code"]
    defined = next(i for i, text in enumerate(code) if text.startswith("def compare_bottleneck("))
    called = next(i for i, text in enumerate(code) if "compare_bottleneck(args" in text)
    assert defined < called


def test_the_committed_notebooks_are_what_the_recipes_make(capsys):
    assert cli.main(["notebook", "--all", "--check", "--out", str(ROOT / "notebooks")]) == 0
    assert "are what their recipes make" in capsys.readouterr().out


def test_check_names_a_stale_or_stray_notebook(tmp_path, capsys):
    assert cli.main(["notebook", "digits", "gates", "--out", str(tmp_path)]) == 0
    (tmp_path / "gates.ipynb").write_text("{}")
    assert cli.main(["notebook", "digits", "gates", "--check", "--out", str(tmp_path)]) == 1
    assert "(gates.ipynb): run make notebooks" in capsys.readouterr().err


def test_notebook_wants_names_or_all(capsys):
    assert cli.main(["notebook"]) == 2
    assert cli.main(["notebook", "digits", "--all"]) == 2
    assert capsys.readouterr().err.count("expected recipe names or --all, not both") == 2


def test_a_step_that_returns_early_is_refused(tmp_path, monkeypatch):
    (tmp_path / "early.py").write_text(
        '"""Early"""\n\n\ndef main(argv=None):\n    x = 1\n    if x:\n        return 1\n'
        "    return 0\n"
    )
    monkeypatch.setenv("KERAS_DL_RECIPES", str(tmp_path))
    with pytest.raises(NotebookError, match="line 7: a return inside one of main's steps"):
        notebook_text(find_recipe("early"))


def test_the_install_cell_names_the_repository_of_setup_cfg():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    assert config["metadata"]["url"] == REPOSITORY
    assert f"git+{REPOSITORY}" in source(cells(find_recipe("digits"))[1])


@pytest.mark.slow
def test_the_digits_notebook_runs_as_the_command_line_does(tmp_path):
    """Executed top to bottom (at --quick, seed 3) it writes the run keras-dl run writes,
    with the same number, and shows the curves inline."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.reads(notebook_json(find_recipe("digits")), as_version=4)
    where = next(
        i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", [])
    )
    notebook.cells.insert(where + 1, nbformat.v4.new_code_cell('argv = ["--quick", "--seed", "3"]'))
    (tmp_path / "nb").mkdir()
    NotebookClient(
        notebook, timeout=600, resources={"metadata": {"path": tmp_path / "nb"}}
    ).execute()
    images = [
        o for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    ]
    assert images  # curves.png, inline

    command = [sys.executable, "-m", "keras_dl", "run", "digits", "--quick", "--seed", "3"]
    subprocess.run(command, cwd=tmp_path, check=True, capture_output=True)
    (from_notebook,) = (tmp_path / "nb" / "runs" / "digits").iterdir()
    (from_cli,) = (tmp_path / "runs" / "digits").iterdir()
    assert sorted(p.name for p in from_notebook.iterdir()) == sorted(
        p.name for p in from_cli.iterdir()
    )
    numbers = [
        json.loads((run / "metrics.json").read_text())["result"]["value"]
        for run in (from_notebook, from_cli)
    ]
    assert numbers[0] == numbers[1]
    config = json.loads((from_notebook / "config.json").read_text())
    assert config["command"][0] == "jupyter" and config["arguments"]["seed"] == 3
