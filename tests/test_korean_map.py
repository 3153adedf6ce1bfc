"""The Korean map names every recipe, with its command and notebook; nothing we ship cites
the course notes by our own file names: the notes recipes cite their lessons by title and
author, and the map names the same lessons."""

import ast
import re
from pathlib import Path
from urllib.parse import urlsplit

from keras_dl.lab.registry import list_recipes

ROOT = Path(__file__).resolve().parents[1]
KOREAN_MAP = ROOT / "docs" / "korean.md"
README_KO = ROOT / "README.ko.md"
COLAB = "https://colab.research.google.com/github/keras-dl/keras-dl/blob/main/notebooks/"
# The lessons the notes recipes follow, as their docstrings name them (the author, or the
# title of the notes that name none) -> as the Korean map names them.
LESSONS = {
    "양석환": "양석환",  # "Deep Learning 01. 딥러닝 개요", lecture notes
    "이동일": "이동일",  # "DL 딥러닝 CNN까지 다시 개념 익히기", velog
    "ingu627": "ingu627",  # "[케라스(keras) 이해] 1장. 딥러닝이란 무엇인가", blog
    '"딥러닝" lecture notes': "「딥러닝」 강의 노트",  # author not named
}
# Our own names for the course-notes files: the folder (not "reuters-5-seeds/"), a file's
# stem, "seed 003".
FILE_NAME = re.compile(r"(?<![\w-])seeds/|\b\d{3}_[0-9a-f]{16}\b|seed 00\d")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def map_rows() -> dict[str, str]:
    text = KOREAN_MAP.read_text(encoding="utf-8")
    return dict(re.findall(r"^\| `(\w+)` \|(.*)$", text, re.M))


def notes_docstrings() -> dict[str, str]:
    return {
        info.name: ast.get_docstring(ast.parse(info.path.read_text(encoding="utf-8"))) or ""
        for info in list_recipes()
        if info.source == "notes"
    }


def test_the_korean_map_lists_every_recipe_with_its_command_and_notebook():
    rows = map_rows()
    assert set(rows) == {info.name for info in list_recipes()}
    for name, row in rows.items():
        assert f"`keras-dl run {name}`" in row, name
        assert f"{COLAB}{name}.ipynb" in row, name


def test_the_korean_map_links_only_to_web_addresses():
    """The page is also a page of the docs site: a path relative to docs/ would break there."""
    for link in LINK.findall(KOREAN_MAP.read_text(encoding="utf-8")):
        assert urlsplit(link).scheme == "https", link


def test_no_shipped_text_names_a_course_notes_file():
    shipped = [*ROOT.glob("recipes/*/*.py"), *ROOT.glob("keras_dl/**/*.py"), README_KO]
    shipped += [*ROOT.glob("docs/**/*.md"), *ROOT.glob("notebooks/*.ipynb")]
    shipped += [ROOT / "README.md", ROOT / "CONTRIBUTING.md"]
    for path in shipped:
        assert not FILE_NAME.search(path.read_text(encoding="utf-8")), path


def test_every_notes_recipe_cites_its_lesson_and_the_map_names_it_too():
    rows = map_rows()
    for name, docstring in notes_docstrings().items():
        cited = [lesson for lesson in LESSONS if lesson in docstring]
        assert cited, f"{name}: its docstring names no lesson (author or title)"
        for lesson in cited:
            assert LESSONS[lesson] in rows[name], f"{name}: the map does not name {lesson}"


def test_the_korean_readme_says_how_to_run_and_where_the_map_is():
    text = README_KO.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) < 4096
    for needed in (
        "make recipe NAME=digits",
        "pip install dist/keras_dl-*.whl",
        "keras-dl list",
        "keras-dl run digits --quick",
        f"{COLAB}digits.ipynb",
        "(docs/korean.md)",
        "(README.md)",
    ):
        assert needed in text, needed
