"""The README: short, its library example runs, its recipe table is `keras-dl list`, its links
lead somewhere."""

import configparser
import re
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
ROW = re.compile(r"^\| `(\w+)` \|.*\|$", re.M)
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_the_readme_stays_short():
    assert README.stat().st_size <= 10_000


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


def test_the_recipe_table_lists_every_recipe_once():
    from keras_dl.lab.registry import list_recipes

    names = ROW.findall(README.read_text(encoding="utf-8"))
    assert len(names) == len(set(names))
    assert set(names) == {info.name for info in list_recipes()}


def test_each_recipe_row_opens_its_notebook_in_colab():
    """Each row links notebooks/<its name>.ipynb, which is committed, on GitHub in the
    repository that setup.cfg names."""
    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg", encoding="utf-8")
    url = urlsplit(setup["metadata"]["url"])
    assert url.netloc == "github.com"
    repository = url.path.strip("/").removesuffix(".git")
    for row in ROW.finditer(README.read_text(encoding="utf-8")):
        name = row.group(1)
        colab = [link for link in LINK.findall(row.group(0)) if "colab.research.google.com" in link]
        assert colab == [
            f"https://colab.research.google.com/github/{repository}/blob/main/notebooks/{name}.ipynb"
        ], row.group(0)
        assert (ROOT / "notebooks" / f"{name}.ipynb").is_file(), name


def test_every_relative_link_in_the_readme_exists():
    text = README.read_text(encoding="utf-8")
    links = [link for link in LINK.findall(text) if not urlsplit(link).scheme]
    assert any(link.startswith("docs/") for link in links)
    for link in links:
        path = urlsplit(link).path
        assert path and (ROOT / path).exists(), link
