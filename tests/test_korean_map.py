"""The Korean map names every recipe, and nothing we ship cites the course notes by our own
file names: the notes recipes cite their lessons by title and author."""

import ast
import re
from pathlib import Path

from keras_dl.lab.registry import list_recipes

ROOT = Path(__file__).resolve().parents[1]
KOREAN_MAP = ROOT / "docs" / "korean.md"
# The lessons' authors and the books the notes follow, as the notes name them.
CITED = ("양석환", "이동일", "ingu627", '"딥러닝" lecture notes', "Deep Learning from Scratch")
FILE_NAME = re.compile(r"seeds/|\b\d{3}_[0-9a-f]{16}\b|seed 00\d")


def test_the_korean_map_lists_every_recipe_with_its_notebook():
    text = KOREAN_MAP.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(\w+)` \|(.*)$", text, re.M))
    assert set(rows) == {info.name for info in list_recipes()}
    for name, row in rows.items():
        assert f"notebooks/{name}.ipynb" in row


def test_no_shipped_text_names_a_course_notes_file():
    shipped = [*ROOT.glob("recipes/*/*.py"), ROOT / "README.ko.md", KOREAN_MAP]
    shipped += [*ROOT.glob("notebooks/*.ipynb"), ROOT / "README.md"]
    for path in shipped:
        assert not FILE_NAME.search(path.read_text(encoding="utf-8")), path


def test_every_notes_recipe_cites_its_lesson_by_author_or_book():
    for info in list_recipes():
        if info.source == "notes":
            docstring = ast.get_docstring(ast.parse(info.path.read_text(encoding="utf-8")))
            assert any(cited in docstring for cited in CITED), info.name
