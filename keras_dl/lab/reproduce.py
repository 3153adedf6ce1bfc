"""Run a recipe over several seeds and judge every figure it declares from all of them.

    python -m keras_dl reproduce NAME --seeds 5 [recipe flags]      # seeds 0..4
    python -m keras_dl reproduce NAME --seeds 3,7,11 [recipe flags]

Each seed is an ordinary run of the recipe, with ``--seed k`` and the tag ``seed<k>``: its
run directories are the usual ``runs/<recipe>/<stamp>-seed<k>``. The group record
``runs/<recipe>/reproduce-<stamp>/`` lists them and keeps the aggregate:

    group.json      the seeds, each seed's runs and exit status, every figure's judgement
    aggregate.csv   one row per figure: n, mean, std, min, max, 95% interval, book, verdict
    val_loss.png    each run's validation loss over the seeds: mean, min-max band, best epoch

group.json is rewritten after every seed, so an interrupted reproduction keeps the seeds it
finished. The last line printed is the headline figure's
``<metric> <mean> ± <std> over <N> seeds [min <a>, max <b>] (<source>: <band>): <verdict>``.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import shlex
from collections.abc import Sequence
from pathlib import Path

from keras_dl.lab.context import program_name
from keras_dl.lab.flags import seed as seed_int
from keras_dl.lab.groups import Group, Member, Runner, drive, group_flags, without_flag
from keras_dl.lab.registry import find_recipe
from keras_dl.records.files import atomic_replace, atomic_write
from keras_dl.records.read import (
    read_config,
    read_group,
    read_metrics,
    run_claims,
    run_figures,
    run_status,
)
from keras_dl.records.spread import Judgement, judge

MAX_SEEDS = 1000  # each seed is a run of the recipe
AGGREGATE_COLUMNS = (
    "variant", "figure", "n", "mean", "std", "min", "max", "ci_low", "ci_high", "book",
    "verdict", "reason",
)  # fmt: skip


def parse_seeds(text: str) -> list[int]:
    """``--seeds``: a count N (seeds 0..N-1) or a comma-separated list of distinct seeds.

    Example:
        >>> parse_seeds("3"), parse_seeds("3,7,11")
        ([0, 1, 2], [3, 7, 11])
    """
    expected = (
        f"expected a count in 1..{MAX_SEEDS} or distinct seeds separated by commas, e.g. 5 or "
        "3,7,11"
    )
    parts = [part.strip() for part in str(text).split(",")]
    try:
        if len(parts) > MAX_SEEDS:
            raise ValueError
        if len(parts) == 1:
            count = int(parts[0])
            if not 1 <= count <= MAX_SEEDS:
                raise ValueError
            return list(range(count))
        seeds = [seed_int(part) for part in parts]
    except (ValueError, argparse.ArgumentTypeError):
        raise ValueError(f"--seeds {text}: {expected}. Received: {text!r}") from None
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"--seeds {text}: {expected}. Received a seed twice")
    return seeds


def reproduce(
    name: str,
    seeds: Sequence[int],
    recipe_args: Sequence[str] = (),
    *,
    out: str | None = None,
    runner: Runner | None = None,
    jobs: int = 1,
    ray: str | None = None,
) -> int:
    """Run recipe `name` once per seed (on `jobs` worker processes, or as Ray tasks on the
    cluster at `ray`, "" for a local instance), write the group
    record, print every figure's spread and verdict (the headline last); returns the exit
    status (0 when every seed ran, else the first failing seed's)."""
    own = _own_flags(recipe_args)
    script = find_recipe(name).script
    command = f"{program_name()} reproduce {name} --seeds {','.join(map(str, seeds))}"
    record = {
        "recipe": name,
        "seeds": list(seeds),
        "arguments": list(recipe_args),
        "command": command + "".join(f" {shlex.quote(a)}" for a in recipe_args),
    }
    group = Group("reproduce", script, out or own.out, record)
    group.update(
        resume_command=f"{program_name()} reproduce --resume {shlex.quote(str(group.path))}"
    )
    print(f"reproduce {name} over seeds {', '.join(map(str, seeds))}: group record {group.path}")
    return _run_seeds(group, name, seeds, recipe_args, runner=runner, jobs=jobs, ray=ray)


def resume(path: str | os.PathLike, *, jobs: int = 1) -> int:
    """Finish an interrupted (or failed) reproduction: run only the seeds whose member is
    missing or did not complete, into the same group, then judge every figure again."""
    found = read_group(path)
    if found is None or found.kind != "reproduce":
        raise ValueError(
            f"--resume {path}: expected a reproduce group folder "
            "(runs/<recipe>/reproduce-<stamp>, with its group.json); resume one seed's run "
            "with run NAME --resume RUN_DIR"
        )
    data = found.data
    name, seeds, recipe_args = data.get("recipe"), data.get("seeds"), data.get("arguments")
    if (
        not isinstance(name, str)
        or not isinstance(seeds, list)
        or not isinstance(recipe_args, list)
    ):
        raise ValueError(f"--resume {path}: its group.json names no recipe, seeds and arguments")
    done = {
        member.get("seed")
        for member in found.members
        if member.get("exit") == 0
        and member["runs"]
        and all(run_status(run) == "complete" for run in found.runs([member]))
    }
    missing = [seed for seed in seeds if seed not in done]
    print(
        f"resuming {found.path}: {len(done)} of {len(seeds)} seeds complete; "
        f"running {', '.join(map(str, missing)) or 'none'}"
    )
    group = Group.reopen(found)
    return _run_seeds(group, name, seeds, recipe_args, only=missing, jobs=jobs)


def _run_seeds(
    group: Group,
    name: str,
    seeds: Sequence[int],
    recipe_args: Sequence[str],
    *,
    only: Sequence[int] | None = None,
    runner: Runner | None = None,
    jobs: int = 1,
    ray: str | None = None,
) -> int:
    """Run the seeds (those in `only`, when given) into `group`, then judge the figures."""
    own = _own_flags(recipe_args)
    kept = without_flag(recipe_args, "--tag")
    members = [
        Member(
            (*kept, "--seed", str(seed), "--tag", "-".join(filter(None, (own.tag, f"seed{seed}")))),
            {"seed": seed},
            f"seed {seed} ({index + 1} of {len(seeds)})",
        )
        for index, seed in enumerate(seeds)
        if only is None or seed in only
    ]
    overlay = "" if own.no_plots else "val_loss"
    status = drive(group, name, members, runner=runner, jobs=jobs, ray=ray, overlay=overlay)
    if status and not group.runs():
        return status  # no seed made a run (the first one's error said why)
    judgements = aggregate(group.runs())
    group.update(
        figures=[j.as_dict() for j in judgements],
        wall_s=round(sum(m["wall_s"] for m in group.record["members"]), 1),
        **group.environment(),
    )
    _save_csv(group.path / "aggregate.csv", judgements)
    print_judgements(judgements)
    return status


def aggregate(runs: Sequence[Path]) -> list[Judgement]:
    """Judge every figure and claim the complete runs recorded: a figure keyed by its run's
    variant and metric, a claim by its metric. The headline comes last: the main run's
    result (the run without a variant), else the recipe's last claim."""
    records: dict[tuple[str, str], list[dict]] = {}
    headline = claim = None
    for run in runs:
        if run_status(run) != "complete":
            continue
        metrics = read_metrics(run)
        variant = read_config(run).get("variant") or ""
        for index, figure in enumerate(run_figures(metrics)):
            key = (variant, figure["metric"])
            records.setdefault(key, []).append(figure)
            if index == 0 and not variant and metrics.get("result"):
                headline = key
        for found in run_claims(metrics):
            claim = ("", found["metric"])
            records.setdefault(claim, []).append(found)
    headline = headline or claim
    keys = [k for k in records if k != headline] + ([headline] if headline else [])
    return [judge(records[key], variant=key[0]) for key in keys]


def print_judgements(judgements: Sequence[Judgement]) -> None:
    """Print each figure's line, the headline last (and, for a claim, each comparison)."""
    if not judgements:
        print("no complete run recorded a figure")
        return
    print()
    for judgement in judgements:
        prefix = f"[{judgement.variant}] " if judgement.variant else ""
        for row in judgement.comparisons:
            spread, (low, high) = row["spread"], row["welch"]
            number = judgement.number
            print(
                f"  {row['label']}: {number(spread['mean'])} ± {number(spread['std'])}, "
                f"Welch 95% interval {number(low)} to {number(high)} "
                f"({row['relation']} by more than {row['margin']:g}: "
                f"{'holds' if row['holds'] else 'not shown'})"
            )
        print(prefix + judgement.line())


def _own_flags(recipe_args: Sequence[str]) -> argparse.Namespace:
    """The recipe flags reproduce reads itself, refusing the one it sets (--seed)."""
    own = group_flags(recipe_args, "reproduce", "a seed")
    if own.seed is not None:
        raise ValueError(
            f"--seed {own.seed}: reproduce sets each run's seed; pass --seeds N or --seeds 3,7,11"
        )
    return own


def _save_csv(path: Path, judgements: Sequence[Judgement]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(AGGREGATE_COLUMNS)
    for j in judgements:
        s = j.spread
        numbers = (s.n, s.mean, s.std, s.min, s.max, s.low, s.high) if s else [""] * 7
        writer.writerow([j.variant, j.metric, *numbers, j.book, j.verdict, j.reason])
    data = buffer.getvalue().encode()
    write = atomic_replace if path.exists() else atomic_write  # a resumed group's, anew
    write(path, lambda f: f.write(data))
