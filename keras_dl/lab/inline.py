"""Figures shown where a recipe runs: inline in a Jupyter notebook, and nowhere else (a
command line only writes them)."""

from __future__ import annotations

import sys
from pathlib import Path


def in_notebook() -> bool:
    """Whether this code runs in a Jupyter kernel (IPython with a kernel attached)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


def show(path: Path) -> None:
    """Show the PNG at `path` below the running notebook cell; nothing outside a notebook.

    Example:
        >>> show(Path("curves.png"))  # outside a notebook: nothing happens
    """
    if in_notebook() and Path(path).is_file():
        from IPython.display import Image, display

        display(Image(filename=str(path)))
