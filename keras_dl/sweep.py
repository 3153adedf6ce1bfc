"""``sweep NAME --grid "batch-size=32,128" --grid "epochs=5,10"``: one run of the recipe per
point of the grid, each tagged with its point, then one overlay of all of them.

    runs/<recipe>/sweep-<YYYYmmdd-HHMMSS>/
        sweep.json        the grid, each point's flags, runs and exit status
        <metric>.png/.csv the points' curves overlaid (`keras_dl.curves.compare`)
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from keras_dl.reproduce import new_group_dir, run_in_process, save_json, without_flag
from keras_dl.runs import TAG_PATTERN

INTERRUPTED = 130
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
) -> int:
    """Run recipe `name` once per point of `grid` with the other `recipe_args`, write the
    sweep record and overlay the runs' `metric`; returns the exit status (0 when every
    point ran, else the first failing point's)."""
    from keras_dl.registry import load_recipe

    own = _own_flags(recipe_args, grid)
    recipe_main = load_recipe(name).main
    out = Path(own.out)
    group = new_group_dir(out / name, "sweep")
    points = grid_points(grid)
    record = {
        "recipe": name,
        "grid": grid,
        "arguments": list(recipe_args),
        "command": f"python -m keras_dl sweep {name} "
        + " ".join(f'--grid "{flag[2:]}={",".join(values)}"' for flag, values in grid.items())
        + "".join(f" {a}" for a in recipe_args),
        "started": datetime.now().isoformat(timespec="seconds"),
        "status": "running",
        "points": [],
    }
    save_json(group / "sweep.json", record)
    print(f"sweep {name} over {len(points)} points: sweep record {group}")
    status = 0
    try:
        for index, point in enumerate(points):
            flags = " ".join(f"{flag} {value}" for flag, value in point.items())
            print(f"\n=== point {index + 1} of {len(points)}: {flags}", flush=True)
            argv = [
                *without_flag(recipe_args, "--tag"),
                *itertools.chain.from_iterable(point.items()),
                "--tag",
                point_tag(point, own.tag),
            ]
            code, made, wall = run_in_process(recipe_main, name, argv, out)
            record["points"].append(
                {
                    "point": point,
                    "exit": code,
                    "runs": [str(p.relative_to(out)) for p in made],
                    "wall_s": round(wall, 1),
                }
            )
            save_json(group / "sweep.json", record)
            if code == INTERRUPTED:
                raise KeyboardInterrupt
            if code != 0:
                status = status or code
                if not made and index == 0:  # e.g. a flag the recipe lacks: all would fail
                    record["status"] = "failed"
                    save_json(group / "sweep.json", record)
                    return status
    except KeyboardInterrupt:
        record["status"] = "interrupted"
        save_json(group / "sweep.json", record)
        print(f"\ninterrupted: {group} keeps the points it finished", file=sys.stderr)
        raise
    record["status"] = "complete" if status == 0 else "failed"
    save_json(group / "sweep.json", record)
    _overlay(out, group, record["points"], metric, plots=not own.no_plots)
    return status


def _own_flags(recipe_args: Sequence[str], grid: dict[str, list[str]]) -> argparse.Namespace:
    """The recipe flags sweep reads (--out, --tag, --no-plots); refuse --resume and a flag
    given both in the grid and on its own."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--out", default="runs")
    parser.add_argument("--tag", default="")
    parser.add_argument("--no-plots", action="store_true")
    parser.add_argument("--resume")
    own, _ = parser.parse_known_args(list(recipe_args))
    if own.resume is not None:
        raise ValueError(f"--resume {own.resume}: resume one point's run with `run`, not sweep")
    for flag in grid:
        if any(arg == flag or arg.startswith(flag + "=") for arg in recipe_args):
            raise ValueError(f"{flag}: given both in --grid and on its own; expected one of them")
    return own


def _overlay(out: Path, group: Path, points: Sequence[dict], metric: str, *, plots: bool) -> None:
    """Overlay the points' `metric` curves (each run drawn on its own) into the sweep folder."""
    from keras_dl.curves import compare
    from keras_dl.runs import read_history

    runs = [out / run for point in points for run in point["runs"]]
    runs = [r for r in runs if (r / "history.csv").is_file() and metric in read_history(r)]
    if not runs:
        print(f"no run of the sweep recorded {metric!r}: no overlay (choose one with --metric)")
    elif plots:
        compare(runs, metric, out=group / f"{metric}.png", group=False)
