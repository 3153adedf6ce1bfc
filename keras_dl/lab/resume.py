"""``--resume RUN_DIR``: which run a recipe's run continues, and what it refuses."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from keras_dl.lab import registry
from keras_dl.lab.invocation import RunRefusedError
from keras_dl.records.read import read_config, read_metrics


def resumed_run(name: str, args: argparse.Namespace, variant: str) -> Path | None:
    """The run directory ``--resume`` names, when this is the run it made; refuse what cannot
    be resumed (another recipe's run, a complete one)."""
    resume = getattr(args, "resume", None)
    if not resume:
        return None
    path = Path(resume)
    config = read_config(path)
    recorded = config.get("recipe")
    if not isinstance(recorded, str) or not recorded:
        raise RunRefusedError(
            f"--resume {resume}: its config.json names no recipe; expected a run directory "
            "that a recipe made"
        )
    if not _same_recipe(recorded, name):
        raise RunRefusedError(
            f"--resume {resume}: a run of the recipe {recorded!r}, not {name!r}; resume it "
            f"with: python -m keras_dl run {shlex.quote(recorded)} --resume {shlex.quote(resume)}"
        )
    if (config.get("variant") or "") != variant:
        return None  # another run of a recipe that makes several: made anew
    if read_metrics(path, default={"status": "partial"}).get("status", "complete") == "complete":
        raise RunRefusedError(f"--resume {resume}: the run is complete; there is nothing to resume")
    return path


def _same_recipe(recorded, name: str) -> bool:
    """Whether a run recorded as `recorded` is recipe `name`'s (an alias, such as mnist for
    digits --dataset mnist, names the same script)."""
    if recorded == name:
        return True
    try:
        return any(i.name == recorded and i.script == name for i in registry.list_recipes())
    except OSError:  # no recipes folder: only the name itself can match
        return False
