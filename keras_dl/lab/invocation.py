"""One recipe run as a user runs it (``keras-dl run NAME [flags]``), in this process.

`invoke` loads the recipe, calls its ``main(argv)`` and returns its `Outcome`: the exit
status and the run directories it opened (each run reports itself as it starts, see
`keras_dl.lab.context`). An error the recipe ends on becomes one ``error:`` line and exit
status 2; Ctrl-C stays an exception, for the command line to turn into exit status 130.
"""

from __future__ import annotations

import inspect
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from keras_dl.datasets import DatasetUnavailableError
from keras_dl.lab.context import Invocation, program_name, running
from keras_dl.lab.registry import find_recipe, load_recipe
from keras_dl.records.run import RunBusyError, RunFailedError


class RunRefusedError(ValueError):
    """A run that cannot start: ``--resume`` names a run it cannot continue, the backend
    cannot run the recipe, or a runtime flag cannot be honoured."""


# What a recipe may raise that ends it with one ``error:`` line and exit status 2.
RECIPE_ERRORS = (DatasetUnavailableError, RunFailedError, RunRefusedError, RunBusyError)


@dataclass(frozen=True)
class Outcome:
    """How a recipe's invocation ended: its exit status, the run directories it opened (in
    that order), its wall time, and the error line it ended on ("" if none)."""

    exit: int
    runs: tuple[Path, ...]
    wall_s: float
    error: str = ""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a recipe's invocation; `outcome` holds what it opened by then (exit
    status 130), so that a group can record the member it interrupted."""

    def __init__(self, outcome: Outcome, *, said: bool = False):
        super().__init__()
        self.outcome = outcome
        self.said = said  # whether what it kept was said (by the run it stopped)


def run_main(main: Callable[[list[str] | None], int | None], argv: Sequence[str] | None) -> int:
    """`main(argv)`'s exit status: 0 (or what it returns), 2 with one ``error:`` line for
    `RECIPE_ERRORS`, argparse's status for a bad flag. Ctrl-C propagates."""
    return _exit_and_error(main, argv)[0]


def _exit_and_error(main: Callable, argv: Sequence[str] | None) -> tuple[int, str]:
    try:
        return int(main(None if argv is None else list(argv)) or 0), ""
    except RECIPE_ERRORS as err:
        print(f"error: {err}", file=sys.stderr)
        return 2, str(err).split("\n", 1)[0]
    except SystemExit as stop:  # argparse: a bad recipe flag, said on stderr
        return (stop.code if isinstance(stop.code, int) else 2), "a flag the recipe refused"


def invoke(name: str, argv: Sequence[str] = (), *, command: Sequence[str] = ()) -> Outcome:
    """Run recipe `name` with `argv` in this process, as ``keras-dl run`` does (a fresh
    Keras session; an alias's flags first), and return its `Outcome`.

    `command` is how config.json shows the command (default: ``keras-dl run NAME`` or
    ``python -m keras_dl run NAME``, and `argv`). Ctrl-C raises `Interrupted`, with what the
    recipe had opened.
    """
    import keras

    info = find_recipe(name)
    recipe_main = inspect.unwrap(load_recipe(name).main)  # the recipe's own, not its exit codes
    invocation = Invocation(name, list(command) or [f"{program_name()} run {name}", *argv])
    argv = [*info.flags, *argv]
    keras.backend.clear_session()
    started = time.perf_counter()
    with running(invocation):
        try:
            code, error = _exit_and_error(recipe_main, argv)
        except KeyboardInterrupt as stop:
            runs, wall = tuple(invocation.runs), time.perf_counter() - started
            said = getattr(stop, "said", False)
            raise Interrupted(Outcome(130, runs, wall, "interrupted"), said=said) from None
    return Outcome(code, tuple(invocation.runs), time.perf_counter() - started, error)
