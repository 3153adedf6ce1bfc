"""Which recipe invocation is running in this thread: the command line it shows (in
config.json and in the recipe's usage line) and the run directories it opened.

`keras_dl.lab.invocation.invoke` sets it around a recipe's ``main``; a recipe started as a
script has none, and shows ``sys.argv``.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Invocation:
    """A recipe being run: its name, the command line that shows it, the runs it opened."""

    name: str
    command: list[str]
    runs: list[Path] = field(default_factory=list)


_current: contextvars.ContextVar[Invocation | None] = contextvars.ContextVar(
    "keras_dl_invocation", default=None
)


@contextlib.contextmanager
def running(invocation: Invocation) -> Iterator[Invocation]:
    """Make `invocation` the current one for the body."""
    token = _current.set(invocation)
    try:
        yield invocation
    finally:
        _current.reset(token)


def command_line() -> list[str]:
    """The command that runs the current recipe, as its user typed it (``sys.argv`` for a
    recipe started as a script; in a notebook, "jupyter" and the notebook's path where
    Jupyter says it, not the kernel's own command)."""
    current = _current.get()
    if current:
        return list(current.command)
    from keras_dl.lab.inline import in_notebook

    if in_notebook():
        return ["jupyter", os.environ.get("JPY_SESSION_NAME") or "(a notebook)"]
    return list(sys.argv)


def program_name() -> str:
    """How usage lines and recorded commands name this program: ``keras-dl`` when it was
    started as its console script, else ``python -m keras_dl``."""
    script = os.path.basename(sys.argv[0]) if sys.argv else ""
    return "keras-dl" if script == "keras-dl" else "python -m keras_dl"


def program() -> str | None:
    """How the current recipe's usage line names it ("python -m keras_dl run digits"),
    None for a script (argparse names it from ``sys.argv``)."""
    current = _current.get()
    return current.command[0] if current else None


def opened(run_dir: Path) -> None:
    """Report a run directory the current recipe opened (new or resumed)."""
    current = _current.get()
    if current is not None and run_dir not in current.runs:
        current.runs.append(run_dir)
