"""Run a recipe over several seeds and judge every figure it declares from all of them.

    python -m keras_dl reproduce NAME --seeds 5 [recipe flags]      # seeds 0..4
    python -m keras_dl reproduce NAME --seeds 3,7,11 [recipe flags]

Each seed is an ordinary run of the recipe, in this process, with ``--seed k`` and the tag
``seed<k>``: its run directories are the usual ``runs/<recipe>/<stamp>-seed<k>``. The group
record ``runs/<recipe>/reproduce-<stamp>/`` lists them and keeps the aggregate:

    group.json      the seeds, each seed's runs and exit status, every figure's judgement
    aggregate.csv   one row per figure: n, mean, std, min, max, 95% interval, book, verdict
    val_loss.png    each run's validation loss over the seeds: mean, min-max band, best epoch

group.json is rewritten after every seed, so an interrupted reproduction keeps the seeds it
finished. The last line printed is the headline figure's
``<metric> <mean> ± <std> over <N> seeds [min <a>, max <b>] (book: <band>): <verdict>``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from keras_dl.flags import seed as seed_int
from keras_dl.runs import atomic_replace, atomic_write, run_status
from keras_dl.spread import Judgement, judge

INTERRUPTED = 130  # a recipe's exit status after Ctrl-C
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
    expected = "expected a count >= 1 or distinct seeds separated by commas, e.g. 5 or 3,7,11"
    parts = [part.strip() for part in str(text).split(",")]
    try:
        if len(parts) == 1:
            count = int(parts[0])
            if count < 1:
                raise ValueError
            return list(range(count))
        seeds = [seed_int(part) for part in parts]
    except (ValueError, argparse.ArgumentTypeError):
        raise ValueError(f"--seeds {text}: {expected}. Received: {text!r}") from None
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"--seeds {text}: {expected}. Received a seed twice")
    return seeds


def reproduce(
    name: str, seeds: Sequence[int], recipe_args: Sequence[str] = (), *, out: str | None = None
) -> int:
    """Run recipe `name` once per seed, write the group record, print every figure's
    spread and verdict (the headline last); returns the exit status (0 when every seed
    ran, else the first failing seed's)."""
    from keras_dl.registry import load_recipe

    own = _own_flags(recipe_args)
    out = out or own.out
    recipe_main = load_recipe(name).main
    group = new_group_dir(Path(out) / name)
    record = {
        "recipe": name,
        "seeds": list(seeds),
        "arguments": list(recipe_args),
        "command": f"python -m keras_dl reproduce {name} --seeds {','.join(map(str, seeds))}"
        + "".join(f" {a}" for a in recipe_args),
        "started": datetime.now().isoformat(timespec="seconds"),
        "status": "running",
        "members": [],
    }
    save_json(group / "group.json", record)
    print(f"reproduce {name} over seeds {', '.join(map(str, seeds))}: group record {group}")
    status = 0
    try:
        for index, seed in enumerate(seeds):
            print(f"\n=== seed {seed} ({index + 1} of {len(seeds)})", flush=True)
            member = _run_seed(recipe_main, name, seed, recipe_args, own, Path(out), group)
            record["members"].append(member)
            save_json(group / "group.json", record)
            if member["exit"] == INTERRUPTED:  # the recipe caught Ctrl-C and said so
                raise KeyboardInterrupt
            if member["exit"] != 0:
                status = status or member["exit"]
                if not member["runs"] and index == 0:
                    record["status"] = "failed"
                    save_json(group / "group.json", record)
                    return status  # e.g. a dataset missing: every seed would fail the same
    except KeyboardInterrupt:
        record["status"] = "interrupted"
        save_json(group / "group.json", record)
        print(f"\ninterrupted: {group} keeps the seeds it finished", file=sys.stderr)
        raise
    judgements = aggregate(group, record["members"])
    record["figures"] = [j.as_dict() for j in judgements]
    record["status"] = "complete" if status == 0 else "failed"
    record["wall_s"] = round(sum(m["wall_s"] for m in record["members"]), 1)
    record.update(_environment(group, record["members"]))
    save_json(group / "group.json", record)
    _save_csv(group / "aggregate.csv", judgements)
    if not own.no_plots:
        _plot(group, record["members"])
    print_judgements(judgements)
    return status


def aggregate(group: Path, members: Sequence[dict]) -> list[Judgement]:
    """Judge every figure the members' complete runs recorded, keyed by (variant, figure);
    the headline (the main run's ``result``, else the recipe's last claim) comes last."""
    records: dict[tuple[str, str], list[dict]] = {}
    headline = claim = None
    for member in members:
        for run in member["runs"]:
            run_dir = group.parent.parent / run
            if run_status(run_dir) != "complete":
                continue
            metrics = json.loads((run_dir / "metrics.json").read_text())
            variant = json.loads((run_dir / "config.json").read_text()).get("variant") or ""
            figures = ([metrics["result"]] if metrics.get("result") else []) + metrics.get(
                "figures", []
            )
            for index, figure in enumerate(figures):
                key = (variant, figure["metric"])
                records.setdefault(key, []).append(figure)
                if index == 0 and not variant and metrics.get("result"):
                    headline = key
                elif isinstance((figure.get("book") or {}).get("band"), str):
                    claim = key
    headline = headline or claim  # without a main run, the recipe's (last) claim
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
    """The recipe flags reproduce itself reads (--out, --tag, --no-plots), and refuse the
    ones it sets (--seed) or cannot combine (--resume)."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--out", default="runs")
    parser.add_argument("--tag", default="")
    parser.add_argument("--no-plots", action="store_true")
    parser.add_argument("--seed")
    parser.add_argument("--resume")
    own, _ = parser.parse_known_args(list(recipe_args))
    if own.seed is not None:
        raise ValueError(
            f"--seed {own.seed}: reproduce sets each run's seed; pass --seeds N or --seeds 3,7,11"
        )
    if own.resume is not None:
        raise ValueError(f"--resume {own.resume}: resume a seed's run with `run`, not reproduce")
    return own


def _run_seed(recipe_main, name, seed, recipe_args, own, out: Path, group: Path) -> dict:
    """One seed: the recipe's main with --seed and --tag, in this process; the runs it made."""
    tag = f"{own.tag}-seed{seed}" if own.tag else f"seed{seed}"
    argv = [*without_flag(recipe_args, "--tag"), "--seed", str(seed), "--tag", tag]
    code, made, wall = run_in_process(recipe_main, name, argv, out)
    runs = [str(p.relative_to(group.parent.parent)) for p in made]
    return {"seed": seed, "exit": code, "runs": runs, "wall_s": round(wall, 1)}


def run_in_process(recipe_main, name: str, argv: Sequence[str], out: Path):
    """Run recipe `name`'s main with `argv` in this process, as ``run`` would (a fresh Keras
    session, the command line it shows); returns (exit status, the run directories it made
    under ``out/name`` in the order made, wall seconds)."""
    import keras

    keras.backend.clear_session()
    folder = out / name
    before = set(folder.iterdir()) if folder.is_dir() else set()
    saved, sys.argv = sys.argv, [f"python -m keras_dl run {name}", *argv]
    started = time.perf_counter()
    try:
        code = int(recipe_main(list(argv)) or 0)
    except SystemExit as stop:  # argparse: a bad recipe flag
        code = stop.code if isinstance(stop.code, int) else 2
    finally:
        sys.argv = saved
    wall = time.perf_counter() - started
    made = [p for p in folder.iterdir() if p not in before and (p / "config.json").is_file()]
    made.sort(key=lambda p: (p / "config.json").stat().st_mtime_ns)
    return code, made, wall


def without_flag(args: Sequence[str], flag: str) -> list[str]:
    """`args` without `flag` and its value (``--tag x`` or ``--tag=x``)."""
    kept, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg == flag:
            skip = True
        elif not arg.startswith(flag + "="):
            kept.append(arg)
    return kept


def new_group_dir(parent: Path, kind: str = "reproduce") -> Path:
    """A new ``<kind>-<stamp>`` directory (``-2``, ``-3``... if the name is taken)."""
    parent.mkdir(parents=True, exist_ok=True)
    stem = f"{kind}-" + datetime.now().strftime("%Y%m%d-%H%M%S")
    for attempt in range(1, 1000):
        path = parent / (stem if attempt == 1 else f"{stem}-{attempt}")
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a new group directory under {parent}")


def _environment(group: Path, members: Sequence[dict]) -> dict:
    """Backend, device and versions, as the first member run's config.json has them."""
    for member in members:
        for run in member["runs"]:
            config = json.loads((group.parent.parent / run / "config.json").read_text())
            return {k: config.get(k) for k in ("backend", "device", "versions") if k in config}
    return {}


def save_json(path: Path, record: dict) -> None:
    """Write `record` as JSON, atomically (replacing the file this command wrote before)."""
    data = (json.dumps(record, indent=2, default=str) + "\n").encode()
    (atomic_replace if path.exists() else atomic_write)(path, lambda f: f.write(data))


def _save_csv(path: Path, judgements: Sequence[Judgement]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(AGGREGATE_COLUMNS)
    for j in judgements:
        s = j.spread
        numbers = (s.n, s.mean, s.std, s.min, s.max, s.low, s.high) if s else [""] * 7
        writer.writerow([j.variant, j.metric, *numbers, j.book, j.verdict, j.reason])
    data = buffer.getvalue().encode()
    atomic_write(path, lambda f: f.write(data))


def _plot(group: Path, members: Sequence[dict]) -> None:
    """The seed band of each run's val_loss (`keras_dl.curves.compare`), if it has one."""
    from keras_dl.curves import compare
    from keras_dl.runs import read_history

    runs = [group.parent.parent / r for m in members for r in m["runs"]]
    runs = [r for r in runs if (r / "history.csv").is_file()]
    runs = [r for r in runs if "val_loss" in read_history(r)]
    if runs:
        compare(runs, "val_loss", out=group / "val_loss.png")
