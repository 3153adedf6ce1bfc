"""The README's library example really runs."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_builders_example_runs(capsys):
    text = README.read_text(encoding="utf-8")
    section = text.split("## Use the builders in your own Keras project", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace = {}
    exec(compile(code, str(README), "exec"), namespace)
    printed = capsys.readouterr().out.splitlines()
    split_comment = re.search(r"print\(split\)  # (.*)", code).group(1)
    assert printed[0] == split_comment
    assert (
        namespace["model"].evaluate(*namespace["split"].test, verbose=0, return_dict=True)[
            "accuracy"
        ]
        > 0.9
    )
    assert namespace["custom"].compiled


@pytest.mark.slow  # a 5-fold grid search of 4 settings: about a minute
def test_the_scikit_learn_example_runs():
    text = README.read_text(encoding="utf-8")
    section = text.split("## In scikit-learn pipelines", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace = {}
    exec(compile(code, str(README), "exec"), namespace)
    search = namespace["search"]
    assert len(search.cv_results_["params"]) == 4 and search.best_score_ > 0.9
    assert (
        len(search.best_estimator_[-1].history_["loss"])
        == search.best_params_["denseclassifier__epochs"]
    )


@pytest.mark.slow  # ten trials of 20 epochs: about a minute
def test_the_tuner_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # its trials go to ./tuner
    text = README.read_text(encoding="utf-8")
    section = text.split("`keras_dl.tuning.DenseHyperModel`", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace = {}
    exec(compile(code, str(README), "exec"), namespace)
    split, best = namespace["split"], namespace["best"]
    assert best.evaluate(*split.test, verbose=0, return_dict=True)["accuracy"] > 0.9


def test_the_recipe_tables_list_every_recipe():
    from keras_dl.lab.registry import list_recipes

    text = README.read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `(\w+)` \|", text, re.M))
    assert listed == {info.name for info in list_recipes()}


def test_the_results_table_is_the_committed_book_check():
    """Every row of the README's results table is a row of bench/results/book.md (which
    names backend, device and date), and the table is all of it."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Results over seeds", 1)[1].split("\n## ", 1)[0]
    results = (README.parent / "bench" / "results" / "book.md").read_text(encoding="utf-8")

    def rows(markdown: str) -> list[str]:
        return [line for line in markdown.splitlines() if line.startswith("| ")]

    assert rows(section) and rows(section) == rows(results)


def test_every_image_the_readme_shows_is_in_bench_results():
    text = README.read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert images
    for image in images:
        assert image.startswith("bench/results/") and (README.parent / image).is_file(), image
