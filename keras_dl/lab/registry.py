"""Find the recipe scripts and load one by name.

The recipes that come with keras-dl live in two folders, one per source: ``recipes/book/``
(Deep Learning with Python) and ``recipes/notes/`` (the course notes); an installed package
carries them as ``keras_dl/recipes/``. ``$KERAS_DL_RECIPES`` adds folders of one's own. A
recipe's name is its file stem, unique across all of them; a recipe may also declare other
names for itself with other default flags (``ALIASES = {"mnist": ["--dataset", "mnist"]}``
in digits.py: ``mnist`` is the same script on MNIST). Listing reads each script's docstring
and aliases without importing it, so `list` is instant; loading imports the script under a
private module name (``keras_dl_recipes.<source>.<name>``), so a recipe never shadows a
module of the same name.
"""

from __future__ import annotations

import ast
import difflib
import importlib.util
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

SOURCES = {
    "book": "Deep Learning with Python (Chollet)",
    "notes": "Course notes on deep-learning fundamentals",
    "yours": "Your recipes ($KERAS_DL_RECIPES)",
}


@dataclass(frozen=True)
class RecipeInfo:
    """A recipe: its name, source folder, path and the first line of its docstring.

    `flags` are the flags its name stands for (an alias: the script's own name and these
    flags, e.g. ``digits --dataset mnist``); `editions` the book's editions its
    ``--edition`` follows (its ``EDITIONS``; none: no such flag); `broken` says why a
    script cannot be read (e.g. a syntax error), "" when it can.
    """

    name: str
    source: str
    path: Path
    summary: str
    broken: str = ""
    flags: tuple[str, ...] = field(default=())
    editions: tuple[int, ...] = field(default=())

    @property
    def script(self) -> str:
        """The name of the script that runs: the file stem (an alias's script's)."""
        return self.path.stem


def packaged_dir() -> Path:
    """The recipes that come with keras-dl: ``keras_dl/recipes`` in an installed package
    (the wheel maps the checkout's ``recipes/`` there), else the checkout's ``recipes/``."""
    package = Path(__file__).resolve().parents[1]
    installed = package / "recipes"
    return installed if installed.is_dir() else package.parent / "recipes"


def extra_dirs() -> list[Path]:
    """Folders of one's own recipes, from ``$KERAS_DL_RECIPES`` (several: separated by
    ``os.pathsep``). Each holds scripts directly, or in ``book/`` and ``notes/``."""
    value = os.environ.get("KERAS_DL_RECIPES", "")
    return [Path(part) for part in value.split(os.pathsep) if part]


def list_recipes() -> list[RecipeInfo]:
    """Every recipe: the packaged ones grouped by source (book, then notes) and sorted by
    name within each, then those of ``$KERAS_DL_RECIPES`` (source "yours").

    Example:
        >>> [(r.source, r.name) for r in list_recipes()][:3]
        [('book', 'bag_of_words'), ('book', 'boston'), ('book', 'california')]
    """
    folder = packaged_dir()
    if not folder.is_dir():
        raise FileNotFoundError(
            f"no recipes folder at {folder}: expected keras-dl's recipes beside the package; "
            "reinstall keras-dl (pip install keras-dl, or pip install -e . in its checkout)"
        )
    infos: list[RecipeInfo] = []
    for source in ("book", "notes"):
        infos += _read_folder(folder / source, source)
    for extra in extra_dirs():
        if not extra.is_dir():
            raise FileNotFoundError(
                f"KERAS_DL_RECIPES={extra}: expected a folder of recipe scripts; "
                "there is no such folder"
            )
        for source in ("book", "notes"):
            infos += _read_folder(extra / source, source)
        infos += _read_folder(extra, "yours")
    return infos


def _read_folder(folder: Path, source: str) -> list[RecipeInfo]:
    """The recipes of the scripts in `folder` (none starting with "_"), sorted by name."""
    found = []
    for path in sorted(folder.glob("*.py")):
        if not path.name.startswith("_"):
            found += _read(path, source)
    return sorted(found, key=lambda info: info.name)


def _read(path: Path, source: str) -> list[RecipeInfo]:
    """The script's recipe, and one per alias it declares, without importing it."""
    try:
        module = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError) as err:
        line = f" at line {err.lineno}" if getattr(err, "lineno", None) else ""
        reason = getattr(err, "msg", None) or str(err)
        return [RecipeInfo(path.stem, source, path, "", f"{reason}{line} of {path}")]
    summary = (ast.get_docstring(module) or "").strip().split("\n", 1)[0]
    editions = tuple(_literal(module, "EDITIONS"))
    infos = [RecipeInfo(path.stem, source, path, summary, editions=editions)]
    for name, flags in _aliases(module).items():
        described = f"{summary}, as {path.stem} {' '.join(flags)}"
        infos.append(
            RecipeInfo(name, source, path, described, flags=tuple(flags), editions=editions)
        )
    return infos


def _aliases(module: ast.Module) -> dict[str, list[str]]:
    """The script's ``ALIASES = {name: [flags]}``, read as a literal."""
    return _literal(module, "ALIASES")


def _literal(module: ast.Module, name: str) -> dict:
    """The script's top-level ``NAME = {...}``, read as a literal ({} if it has none)."""
    for node in module.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == [name]:
            return ast.literal_eval(node.value)
    return {}


def find_recipe(name: str) -> RecipeInfo:
    """The recipe called `name`, or a ValueError that suggests the closest name (or says
    which folders both hold it)."""
    recipes = list_recipes()
    known = {info.name: info for info in recipes}
    twice = [str(info.path) for info in recipes if info.name == name]
    if len(twice) > 1:
        raise ValueError(
            f"recipe {name!r} is in more than one place ({', '.join(twice)}): expected one "
            "name for one recipe; rename one of them"
        )
    if name not in known:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"unknown recipe {name!r}{hint} (see: python -m keras_dl list)")
    info = known[name]
    if info.broken:
        raise ValueError(f"recipe {name!r} cannot be loaded: {info.broken}")
    return info


def load_recipe(name: str) -> ModuleType:
    """Import recipe `name`'s script and return its module (which has ``main(argv)``)."""
    info = find_recipe(name)
    module_name = f"keras_dl_recipes.{info.source}.{info.script}"
    spec = importlib.util.spec_from_file_location(module_name, info.path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses look their module up here
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module
