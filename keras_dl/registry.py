"""Find the recipe scripts (recipes/<name>.py) and load one by name.

Listing reads each script's docstring without importing it, so `list` is instant.
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


@dataclass(frozen=True)
class RecipeInfo:
    """A recipe: its name (file stem), path and the first line of its docstring."""

    name: str
    path: Path
    summary: str


def recipes_dir() -> Path:
    """The recipes folder: ``$KERAS_DL_RECIPES``, else the checkout's ``recipes/``, else
    ``./recipes``."""
    if os.environ.get("KERAS_DL_RECIPES"):
        return Path(os.environ["KERAS_DL_RECIPES"])
    checkout = Path(__file__).resolve().parent.parent / "recipes"
    return checkout if checkout.is_dir() else Path.cwd() / "recipes"


def list_recipes() -> list[RecipeInfo]:
    """Every recipe, sorted by name.

    Example:
        >>> [r.name for r in list_recipes()][:2]
        ['activations', 'backprop_by_hand']
    """
    folder = recipes_dir()
    if not folder.is_dir():
        raise FileNotFoundError(
            f"no recipes folder at {folder}: run from the keras-dl checkout or set KERAS_DL_RECIPES"
        )
    infos = []
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("_"):
            continue
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        infos.append(RecipeInfo(path.stem, path, doc.strip().split("\n", 1)[0]))
    return infos


def load_recipe(name: str) -> ModuleType:
    """Import recipe `name` and return its module (which has ``main(argv)``)."""
    known = {info.name: info for info in list_recipes()}
    if name not in known:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"unknown recipe {name!r}{hint} (see: python -m keras_dl list)")
    folder = str(known[name].path.parent)
    if folder not in sys.path:  # recipes may share code with each other (mnist uses digits)
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(name, known[name].path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
