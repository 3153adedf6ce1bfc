"""Check the book: every recipe over seeds, every figure judged, against the last results.

For each entry it reproduces the recipe over its seeds, as ``python -m keras_dl reproduce
<recipe> --seeds <seeds> [flags]`` would (the same group driver, in this process, each
entry's output in its reproduce.log and one line per finished seed here), and reads back
the group record it wrote: one row per figure the recipe declares, with its spread over the
seeds and its verdict (inside, outside, stand-in, exact, differs, no published figure).
This script knows no book number of its own. A recipe whose dataset file is missing gets
the row "not run: <file> unavailable" and the check goes on.

The check fails (exit 1) when a figure that was inside the book's band (or exact) in the
committed results (bench/results/book.json) is now outside, when a figure is gone, or when
a recipe fails. Figures that are outside or differ, with their reasons, are listed under
"Known misses" in bench/results/book.md.

Seeds and settings per recipe are chosen so that the whole check takes about 25 minutes on
a 2-core CPU (ENTRIES). Before running, verified Keras files in ../shared/datasets (if that
folder exists) are copied into the Keras cache, never replacing a file already there.

Run: make check-book [JOBS=auto]   (or python bench/check_book.py [--only reuters boston]
[--runs DIR] [--jobs N|auto]: each recipe's seeds on N worker processes)
Writes bench/results/book.md and book.json (a full check only) and prints the table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before Keras starts TensorFlow

from keras_dl.lab.groups import InProcess
from keras_dl.lab.invocation import Outcome
from keras_dl.lab.reproduce import reproduce
from keras_dl.lab.workers import parse_jobs
from keras_dl.records.read import groups_in

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATASETS = ROOT.parent / "shared" / "datasets"
RESULTS = ROOT / "bench" / "results" / "book.md"
VERDICTS = ROOT / "bench" / "results" / "book.json"
HOLDING = ("inside", "exact")  # a figure in one of these must not fall outside
DIGITS = ["--dataset", "digits"]


@dataclass(frozen=True)
class Entry:
    """One recipe's reproduction: its seeds, its flags, a label telling entries apart."""

    recipe: str
    seeds: int
    argv: list[str] = field(default_factory=list)
    label: str = ""

    @property
    def name(self) -> str:
        """The recipe, with its label: "optimizers (digits)"."""
        return self.recipe + (f" ({self.label})" if self.label else "")


# Seconds per seed on a 2-core CPU, in brackets. Five Reuters seeds: at three the bottleneck's
# drop (0.14 below the 64-64 model) cannot be told from the 0.03 margin by Welch's interval.
# Boston runs 500 + 4 x 100 + 130 epochs a seed, so two seeds; the ensemble runs its fast
# settings (5 epochs, 3 nets per pool); optimizers checks its update rules (the training
# runs on digits are a stand-in for DLFS's MNIST figure, never judged, and take 70 s a seed).
ENTRIES: list[Entry] = [
    Entry("mnist", 3),  # digits --dataset mnist
    Entry("digits", 5, label="digits"),  # [2]
    Entry("mnist_scratch", 3),
    Entry("mnist_scratch", 5, DIGITS, label="digits"),  # [2]
    Entry("linear_classifier", 5),  # [1]
    Entry("imdb", 3),
    Entry("imdb", 3, ["--edition", "3"], label="3rd ed."),
    Entry("reuters", 5),  # [35]
    Entry("reuters", 5, ["--edition", "3"], label="3rd ed."),  # [35]
    Entry("boston", 2),  # [165]
    Entry("california", 2),  # 3rd ed.
    Entry("bag_of_words", 3),
    Entry("bag_of_words", 3, ["--edition", "3"], label="3rd ed."),
    Entry("jena", 3),
    Entry("jena", 3, ["--edition", "3"], label="3rd ed."),
    Entry("generalization", 3),
    Entry("generalization", 3, ["--edition", "3", "--variant", "capacity"], label="3rd ed."),
    Entry("generalization", 2, DIGITS, label="digits"),  # [48]
    Entry("overfitting", 3),
    Entry("keras_apis", 3),
    Entry("keras_apis", 3, DIGITS, label="digits"),  # [9]
    Entry("gates", 5),  # [5]
    Entry("activations", 3),  # [1]
    Entry("forward_pass", 3),  # [1]
    Entry("backprop_by_hand", 3),  # [1]
    Entry("oysters", 5),  # [7]
    Entry("losses", 3),  # [1]
    Entry("gradient_descent", 3),  # [1]
    Entry("optimizers", 3, ["--dataset", "mnist"]),
    Entry("optimizers", 3, ["--variant", "paths"], label="update rules"),  # [1]
    Entry("heads", 3),  # [16]
    Entry("encoding", 5),  # [15]
    Entry("ml_vs_dl", 3),  # [24]
    Entry("pipeline", 3),  # [146]
    Entry("regularization", 3),  # [48]
    Entry("ensemble", 3, ["--epochs", "5", "--members", "3"], label="fast"),  # [25]
]


def seed_keras_cache() -> Path:
    """Copy the verified dataset files into the Keras cache (never replacing a file)."""
    home = Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras")
    cache = home / "datasets"
    if SHARED_DATASETS.is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        for source in sorted(SHARED_DATASETS.iterdir()):
            if source.suffix in (".npz", ".json") and not (cache / source.name).exists():
                shutil.copy(source, cache / source.name)
                print(f"seeded {cache / source.name}")
    return cache


class Progress(InProcess):
    """Members in this process, each announced on the console when it ends (the rest of
    their output goes to the entry's log)."""

    def __init__(self, console) -> None:
        self.console = console

    def run(self, recipe: str, argv: Sequence[str]) -> Outcome:
        """Run the member, then say how it ended in one line."""
        outcome = super().run(recipe, argv)
        seed = argv[list(argv).index("--seed") + 1] if "--seed" in argv else "-"
        ended = f"exit {outcome.exit}" + (f": {outcome.error}" if outcome.error else "")
        print(f"    seed {seed}: {ended} ({outcome.wall_s:.0f} s)", file=self.console, flush=True)
        return outcome


def run_entry(entry: Entry, out: Path, position: str, jobs: int = 1) -> list[dict]:
    """Reproduce one entry as a user would (its seeds on `jobs` workers); one row per figure
    of its group record."""
    argv = [*entry.argv, "--out", str(out), "--no-plots"]
    command = f"keras_dl reproduce {entry.recipe} --seeds {entry.seeds} {' '.join(argv)}"
    print(f"\n=== {position} {command}" + (f" --jobs {jobs}" if jobs > 1 else ""), flush=True)
    out.mkdir(parents=True, exist_ok=True)
    log = out / "reproduce.log"
    started = time.perf_counter()
    console = sys.stdout
    seeds = list(range(entry.seeds))
    with log.open("w") as f, contextlib.redirect_stdout(f), contextlib.redirect_stderr(f):
        try:
            if jobs > 1:  # the workers' output is in their logs; one line per seed here
                with contextlib.redirect_stdout(console):
                    code = reproduce(entry.recipe, seeds, argv, jobs=min(jobs, len(seeds)))
            else:
                code = reproduce(entry.recipe, seeds, argv, runner=Progress(console))
        except Exception as err:  # a broken recipe fails its row, not the whole check
            print(f"error: {type(err).__name__}: {err}")
            code = 1
    wall = time.perf_counter() - started
    row = {"recipe": entry.name, "figure": "-", "book": "-", "ours": "-", "range": "-"}
    row.update({"backend": "-", "device": "-", "wall": "-", "verdict": "-"})
    groups = [group for folder in out.iterdir() if folder.is_dir() for group in groups_in(folder)]
    record = groups[0].data if groups else {}
    errors = [member.get("error", "") for member in record.get("members", [])]
    missing = next(
        (m for e in errors if (m := re.search(r"(\S+) is not in the Keras cache", e))), None
    )
    if code == 2 and missing:
        return [{**row, "ours": f"not run: {missing.group(1)} unavailable"}]
    if code != 0 or not groups:
        print("\n".join(log.read_text().splitlines()[-40:]))
        return [{**row, "ours": f"FAILED (exit {code}; log {log})", "verdict": "failed"}]
    print("\n".join("    " + line for line in _judgement_lines(record)))
    per_seed = wall / max(1, len(record["members"]))
    rows = []
    for figure in record.get("figures", []):
        spread = figure["spread"]
        digits = figure["digits"]
        rows.append(
            {
                **row,
                "figure": (f"[{figure['variant']}] " if figure["variant"] else "")
                + figure["metric"],
                "book": figure["book"],
                "ours": _ours(spread, digits, figure["stand_in"]),
                "range": f"{spread['min']:.{digits}f}-{spread['max']:.{digits}f}"
                if spread
                else "-",
                "verdict": figure["verdict"],
                "reason": figure["reason"],
                "backend": record.get("backend", "-"),
                "device": record.get("device", "-"),
                "wall": f"{wall:.0f} s ({per_seed:.0f} s/seed)",
            }
        )
    return rows


def _judgement_lines(record: dict) -> list[str]:
    return [figure["line"] for figure in record.get("figures", [])]


def _ours(spread: dict | None, digits: int, stand_in: str) -> str:
    """ "0.7947 ± 0.0040 (3)", or "-" for a claim in words."""
    if spread is None:
        return "-"
    std = "n/a" if spread["std"] != spread["std"] else f"{spread['std']:.{digits}f}"
    text = f"{spread['mean']:.{digits}f} ± {std} ({spread['n']})"
    return f"{text} {stand_in}" if stand_in else text


def key(row: dict) -> str:
    """How a figure is known from one check to the next."""
    return f"{row['recipe']} | {row['figure']}"


def regressions(rows: list[dict], previous: dict[str, str]) -> list[str]:
    """Figures that held before and do not now: fell outside, failed, or are gone."""
    now = {key(r): r["verdict"] for r in rows if r["figure"] != "-"}
    failed = [f"{r['recipe']}: {r['ours']}" for r in rows if r["verdict"] == "failed"]
    fell = [
        f"{name}: {verdict} -> {now.get(name, 'gone')}"
        for name, verdict in previous.items()
        if verdict in HOLDING and now.get(name, "gone") not in HOLDING and not _not_run(rows, name)
    ]
    return failed + fell


def _not_run(rows: list[dict], name: str) -> bool:
    """Whether the figure's recipe could not run here (its dataset file is missing)."""
    recipe = name.split(" | ", 1)[0]
    return any(r["recipe"] == recipe and r["ours"].startswith("not run:") for r in rows)


def write_table(rows: list[dict], command: str, wall: float) -> str:
    """Render the rows, and the known misses, as the markdown results file."""
    columns = ("recipe", "figure", "book", "ours", "range", "verdict", "backend", "device", "wall")
    header = (
        "| recipe | figure | book (band) | ours mean ± std (n) | min-max | verdict | backend "
        "| device | wall |\n|---|---|---|---|---|---|---|---|---|"
    )

    def cell(row: dict, column: str) -> str:
        text = str(row[column])
        if column == "verdict" and row.get("reason"):
            text += f" ({row['reason']})"
        return text.replace("|", "\\|")

    body = "\n".join("| " + " | ".join(cell(r, c) for c in columns) + " |" for r in rows)
    misses = [r for r in rows if r["verdict"] in ("outside", "differs")]
    known = "\n".join(
        f"- **{r['recipe']}**, {r['figure'].replace('|', '/')}: {r['verdict']}"
        f" ({r.get('reason') or 'see the row'})"
        for r in misses
    )
    counts = {v: sum(r["verdict"] == v for r in rows) for v in ("inside", "outside", "exact")}
    return (
        "# Checking the book: every figure over seeds\n\n"
        f"`{command}` on {time.strftime('%Y-%m-%d')}, {wall / 60:.0f} minutes. Each recipe is "
        "reproduced over the seeds shown (n) at its full (book) settings, unless its row says "
        "otherwise; each row is a figure the recipe declares, with the book's figure and the "
        "band we judge by. `inside`: the seeds' range overlaps the band (a claim: its Welch "
        "95% interval lies on the claimed side); `stand-in`: measured on another dataset, "
        "never judged; `exact`: an identity or a number reproduced to its printed digits, "
        "not counted as a reproduction; `differs`: a known disagreement, with its reason. "
        f"Reproduced: {counts['inside']} inside, {counts['outside']} outside, "
        f"{counts['exact']} exact.\n\n"
        + header + "\n" + body + "\n\n## Known misses\n\n"
        + (known or "None.") + "\n"
    )  # fmt: skip


def main() -> int:
    """Run the entries, print the table, write the results (a full check only); the exit
    status is 1 if a figure that held before no longer does."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", nargs="+", metavar="RECIPE", help="check only these recipes")
    parser.add_argument(
        "--runs",
        default=str(ROOT / "runs" / "check-book"),
        help="where the run records go (default: runs/check-book)",
    )
    parser.add_argument(
        "--jobs",
        default="1",
        help="each recipe's seeds on N worker processes, or auto (default: 1, in this process)",
    )
    args = parser.parse_args()
    try:
        jobs = parse_jobs(args.jobs)
    except ValueError as err:
        parser.error(str(err))
    seed_keras_cache()
    entries = [e for e in ENTRIES if not args.only or e.recipe in args.only]
    if not entries:
        parser.error(f"--only {' '.join(args.only)}: no such recipe in the check")
    root = Path(args.runs) / time.strftime("%Y%m%d-%H%M%S")
    started = time.perf_counter()
    rows = []
    for index, entry in enumerate(entries):
        position = f"[{index + 1}/{len(entries)}]"
        rows.extend(run_entry(entry, root / f"{index:02d}-{entry.recipe}", position, jobs))
    wall = time.perf_counter() - started
    command = "python bench/check_book.py" + (f" --only {' '.join(args.only)}" if args.only else "")
    command += f" --jobs {args.jobs} ({jobs} workers)" if jobs > 1 else ""
    text = write_table(rows, command, wall)
    print("\n" + text)
    previous = json.loads(VERDICTS.read_text()) if VERDICTS.is_file() else {}
    if args.only:
        previous = {
            k: v for k, v in previous.items() if any(k.startswith(e.name + " |") for e in entries)
        }
    problems = regressions(rows, previous)
    if not args.only and not problems:
        RESULTS.write_text(text)
        verdicts = {key(r): r["verdict"] for r in rows if r["figure"] != "-"}
        VERDICTS.write_text(json.dumps(verdicts, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {RESULTS} and {VERDICTS}")
    for problem in problems:
        print(f"REGRESSION {problem}")
    print(f"check-book: {len(rows)} rows in {wall / 60:.1f} minutes; {len(problems)} regressions")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
