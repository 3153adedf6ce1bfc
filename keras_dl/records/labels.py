"""What tells runs apart: one reading of their config.json files, used both to gather runs
that differ only in their seed into seed groups and to label runs and groups in legends and
tables by what differs between them ("digits epochs=10", "lr=0.1 seed=1")."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from keras_dl.records.read import read_config

NOT_A_LABEL = ("tag", "out", "resume", "no_plots", "no_tensorboard")  # never tell runs apart


def setup(run_dir: str | os.PathLike, *, with_seed: bool = True) -> dict | None:
    """What a recipe's run was asked to do: recipe, variant, dataset and the arguments that
    can tell it apart (with or without its seed); None for a run whose config.json has no
    seeded arguments (not a recipe's run: nothing says what it was asked)."""
    config = read_config(run_dir, default={})
    arguments = config.get("arguments")
    if not isinstance(arguments, dict) or "seed" not in arguments:
        return None
    ignored = NOT_A_LABEL if with_seed else (*NOT_A_LABEL, "seed")
    return {
        "recipe": config.get("recipe"),
        "variant": config.get("variant"),
        "dataset": config.get("dataset"),
        "arguments": {k: v for k, v in arguments.items() if k not in ignored},
    }


def seed_groups(run_dirs: Sequence[str | os.PathLike]) -> dict[str, list[Path]]:
    """Gather runs whose setup is the same but for the seed; a run that is no recipe's run
    is a group of its own.

    Returns ``{label: run directories}``; a label is the recipe (and variant) and what tells
    the group apart from the others, e.g. "generalization/lr-1.0" or "digits epochs=10".
    """
    members: dict[str, list[Path]] = {}
    setups: dict[str, dict | None] = {}
    for run_dir in map(Path, run_dirs):
        found = setup(run_dir, with_seed=False)
        key = json.dumps(found, sort_keys=True, default=str) if found else str(run_dir)
        members.setdefault(key, []).append(run_dir)
        setups[key] = found
    names = [folder_label(runs[0]) for runs in members.values()]
    texts = describe(list(setups.values()), names, name_recipe=True)
    return dict(zip(unique(texts, names), members.values(), strict=True))


def run_labels(run_dirs: Sequence[str | os.PathLike]) -> list[str]:
    """A legend label per run: what tells it apart from the other runs, read from the
    config.json files: the recipe and variant where they differ, then each argument that
    differs ("epochs=10 seed=1"); the tag where no argument differs; the run's folder where
    nothing does (and to keep two labels apart).

    Example:
        >>> from keras_dl.records.run import start_run
        >>> runs = [start_run("digits", {"arguments": {"seed": s, "epochs": 5}}).path
        ...         for s in (0, 1)]
        >>> run_labels(runs)
        ['seed=0', 'seed=1']
    """
    run_dirs = [Path(r) for r in run_dirs]
    setups = [setup(r) for r in run_dirs]
    names = [folder_label(r) for r in run_dirs]
    tags = [str(read_config(r, default={}).get("arguments", {}).get("tag") or "") for r in run_dirs]
    texts = describe(setups, names, name_recipe=False)
    texts = [text or short(tag) or name for text, tag, name in zip(texts, tags, names, strict=True)]
    return unique(texts, names)


def describe(
    setups: Sequence[dict | None], names: Sequence[str], *, name_recipe: bool
) -> list[str]:
    """What tells each setup apart from the others ("" when nothing does; its `names`
    entry when it has no setup). The recipe (and variant) lead every label with
    `name_recipe`, else only where they differ; arguments are compared with the setups
    of the same recipe and variant, in the order the recipe declares them."""
    known = [s for s in setups if s]
    texts = []
    for found, name in zip(setups, names, strict=True):
        if not found:
            texts.append(name)
            continue
        if name_recipe:
            parts = [found["recipe"] + (f"/{found['variant']}" if found.get("variant") else "")]
        else:
            parts = [
                str(found[key])
                for key in ("recipe", "variant")
                if found.get(key) and any(o.get(key) != found[key] for o in known)
            ]
            main_run = not found.get("variant") and any(o.get("variant") for o in known)
            if main_run and found["recipe"] not in parts:  # beside its variants: its name
                parts.append(str(found["recipe"]))
        peers = [
            o
            for o in known
            if o is not found
            and (o["recipe"], o.get("variant")) == (found["recipe"], found.get("variant"))
        ]
        parts += [
            f"{arg}={value}"
            for arg, value in found["arguments"].items()
            if any(o["arguments"].get(arg) != value for o in peers)
        ]
        texts.append(short(" ".join(map(str, parts))))
    return texts


def short(text: str, limit: int = 80) -> str:
    """`text`, cut to `limit` characters (with "..."): a label fits in a legend and a table.

    Example:
        >>> short("lr=0.01"), short("x" * 100, 10)
        ('lr=0.01', 'xxxxxxx...')
    """
    return text if len(text) <= limit else text[: limit - 3] + "..."


def unique(texts: Sequence[str], names: Sequence[str]) -> list[str]:
    """The labels, each one that is not unique followed by its run's folder."""
    return [
        f"{text} ({name})" if texts.count(text) > 1 and text != name else text
        for text, name in zip(texts, names, strict=True)
    ]


def folder_label(run_dir: str | os.PathLike) -> str:
    """``<recipe folder>/<run folder>``, a run's name when nothing else tells it apart."""
    run_dir = Path(run_dir).resolve()
    return f"{run_dir.parent.name}/{run_dir.name}"
