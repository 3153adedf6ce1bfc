"""Find the recipe scripts and load one by name.

The recipes live in two folders, one per source: ``recipes/book/`` (Deep Learning with
Python) and ``recipes/notes/`` (the course notes). A recipe's name is its file stem, unique
across both. Listing reads each script's docstring without importing it, so `list` is
instant; loading imports the script under a private module name
(``keras_dl_recipes.<source>.<name>``), so a recipe never shadows a module of the same name.
"""

from __future__ import annotations

import ast
import difflib
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

SOURCES = {
    "book": "Deep Learning with Python (Chollet)",
    "notes": "Course notes on deep-learning fundamentals",
}


@dataclass(frozen=True)
class RecipeInfo:
    """A recipe: its name (file stem), source folder, path and the first line of its docstring.

    `broken` says why a script cannot be read (e.g. a syntax error); "" when it can.
    """

    name: str
    source: str
    path: Path
    summary: str
    broken: str = ""


def recipes_dir() -> Path:
    """The recipes folder: ``$KERAS_DL_RECIPES``, else the checkout's ``recipes/``."""
    if os.environ.get("KERAS_DL_RECIPES"):
        return Path(os.environ["KERAS_DL_RECIPES"])
    return Path(__file__).resolve().parent.parent / "recipes"


def list_recipes() -> list[RecipeInfo]:
    """Every recipe, grouped by source (book, then notes) and sorted by name within each.

    Example:
        >>> [(r.source, r.name) for r in list_recipes()][:2]
        [('book', 'boston'), ('book', 'digits')]
    """
    folder = recipes_dir()
    if not folder.is_dir():
        raise FileNotFoundError(
            f"no recipes folder at {folder}: install keras-dl from its checkout "
            "(pip install -e .) or set KERAS_DL_RECIPES"
        )
    infos: list[RecipeInfo] = []
    for source in SOURCES:
        for path in sorted((folder / source).glob("*.py")):
            if path.name.startswith("_"):
                continue
            try:
                doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
            except (SyntaxError, UnicodeDecodeError) as err:
                line = f" at line {err.lineno}" if getattr(err, "lineno", None) else ""
                reason = getattr(err, "msg", None) or str(err)
                infos.append(RecipeInfo(path.stem, source, path, "", f"{reason}{line} of {path}"))
                continue
            infos.append(RecipeInfo(path.stem, source, path, doc.strip().split("\n", 1)[0]))
    return infos


def load_recipe(name: str) -> ModuleType:
    """Import recipe `name` and return its module (which has ``main(argv)``)."""
    known = {info.name: info for info in list_recipes()}
    if name not in known:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"unknown recipe {name!r}{hint} (see: python -m keras_dl list)")
    info = known[name]
    if info.broken:
        raise ValueError(f"recipe {name!r} cannot be loaded: {info.broken}")
    module_name = f"keras_dl_recipes.{info.source}.{name}"
    spec = importlib.util.spec_from_file_location(module_name, info.path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses look their module up here
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module
