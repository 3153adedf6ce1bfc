"""``sweep NAME --grid "batch-size=32,128" --grid "epochs=5,10"``: one run of the recipe per
point of the grid, each tagged with its point, then one overlay of all of them.

    runs/<recipe>/sweep-<YYYYmmdd-HHMMSS>/
        sweep.json        the grid, each point's flags, runs and exit status
        <metric>.png/.csv the points' curves overlaid (`keras_dl.records.compare.compare`)
"""

from __future__ import annotations

import argparse
import itertools
import math
import re
from collections.abc import Sequence

from keras_dl.lab.groups import Group, Member, Runner, drive, group_flags, without_flag
from keras_dl.lab.registry import find_recipe
from keras_dl.records.files import TAG_PATTERN

MAX_POINTS = 1000  # each point is a run of the recipe
SET_BY_SWEEP = ("--tag", "--resume")  # sweep tags each point; a resumed run is one point
FLAG = re.compile(r"[a-z][a-z0-9-]*\Z")


def parse_grid(texts: Sequence[str]) -> dict[str, list[str]]:
    """``["learning-rate=1e-3,1e-2", ...]`` -> ``{"--learning-rate": ["1e-3", "1e-2"], ...}``.

    Example:
        >>> parse_grid(["epochs=5,10", "batch-size=32"])
        {'--epochs': ['5', '10'], '--batch-size': ['32']}
    """
    expected = 'expected FLAG=V1,V2,... with a recipe flag without "--", e.g. "epochs=5,10"'
    if not texts:
        raise ValueError(f"--grid: none given; {expected}")
    grid: dict[str, list[str]] = {}
    for text in texts:
        name, equals, values = text.partition("=")
        name = name.strip().removeprefix("--")
        points = [v.strip() for v in values.split(",")]
        if not equals or not FLAG.match(name) or not all(points):
            raise ValueError(f"--grid {text!r}: {expected}")
        if f"--{name}" in grid:
            raise ValueError(f"--grid {text!r}: --{name} is in the grid twice")
        if f"--{name}" in SET_BY_SWEEP:
            raise ValueError(f"--grid {text!r}: sweep sets --{name} itself")
        for value in points:
            if not TAG_PATTERN.match(f"{name}-{value}"):
                raise ValueError(
                    f"--grid {text!r}: value {value!r} cannot name a run; expected letters, "
                    "digits, '.', '_' or '-'"
                )
        if len(set(points)) != len(points):
            raise ValueError(f"--grid {text!r}: a value is given twice")
        grid[f"--{name}"] = points
    count = math.prod(len(points) for points in grid.values())
    if count > MAX_POINTS:
        raise ValueError(
            f"--grid: {' x '.join(str(len(v)) for v in grid.values())} = {count} points: "
            f"expected at most {MAX_POINTS} (each point is a run of the recipe)"
        )
    return grid


def grid_points(grid: dict[str, list[str]]) -> list[dict[str, str]]:
    """Every combination of the grid's values, the last flag varying fastest."""
    return [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())]


def point_tag(point: dict[str, str], prefix: str = "") -> str:
    """The run tag of a point, e.g. ``{"--epochs": "5", "--batch-size": "32"}`` gives
    ``epochs-5_batch-size-32``."""
    tag = "_".join(f"{flag[2:]}-{value}" for flag, value in point.items())
    return f"{prefix}-{tag}" if prefix else tag


def sweep(
    name: str,
    grid: dict[str, list[str]],
    recipe_args: Sequence[str] = (),
    *,
    metric: str = "val_loss",
    runner: Runner | None = None,
    jobs: int = 1,
    ray: str | None = None,
) -> int:
    """Run recipe `name` once per point of `grid` with the other `recipe_args`, write the
    sweep record and overlay the runs' `metric`; returns the exit status (0 when every
    point ran, else the first failing point's)."""
    own = _own_flags(recipe_args, grid)
    points = grid_points(grid)
    record = {
        "recipe": name,
        "grid": grid,
        "arguments": list(recipe_args),
        "command": f"python -m keras_dl sweep {name} "
        + " ".join(f'--grid "{flag[2:]}={",".join(values)}"' for flag, values in grid.items())
        + "".join(f" {a}" for a in recipe_args),
    }
    group = Group("sweep", find_recipe(name).script, own.out, record)
    print(f"sweep {name} over {len(points)} points: sweep record {group.path}")
    kept = without_flag(recipe_args, "--tag")
    members = [
        Member(
            (
                *kept,
                *itertools.chain.from_iterable(point.items()),
                "--tag",
                point_tag(point, own.tag),
            ),
            {"point": point},
            f"point {index + 1} of {len(points)}: "
            + " ".join(f"{flag} {value}" for flag, value in point.items()),
        )
        for index, point in enumerate(points)
    ]
    overlay = "" if own.no_plots else metric
    return drive(group, name, members, runner=runner, jobs=jobs, overlay=overlay, seed_groups=False)


def _own_flags(recipe_args: Sequence[str], grid: dict[str, list[str]]) -> argparse.Namespace:
    """The recipe flags sweep reads itself, refusing a flag given both in the grid and on its
    own."""
    own = group_flags(recipe_args, "sweep", "one point")
    for flag in grid:
        if any(arg == flag or arg.startswith(flag + "=") for arg in recipe_args):
            raise ValueError(f"{flag}: given both in --grid and on its own; expected one of them")
    return own
