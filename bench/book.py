"""Book benchmark: every recipe at full settings on the datasets this machine has.

For each entry it runs ``python -m keras_dl run <recipe> [flags]`` (a fresh process, as a
user would) and reads back the run records it wrote. Every figure a recipe records in
metrics.json (its headline ``result`` and its other ``figures``, each with the book's
figure and band as the recipe declares them) becomes one row: this script knows no book
number of its own. A recipe whose dataset file is missing gets the row "not run: <file>
unavailable offline"; recipes that can also run on an embedded stand-in (digits) get rows
labelled with the stand-in's name, whose verdict is "n/a": a stand-in's number is never
judged against the book's.

Before running, verified Keras files in ../shared/datasets (if that folder exists) are
copied into the Keras cache, never replacing a file already there.

Run: make bench-book   (or python bench/book.py [--only reuters boston] [--runs DIR])
Writes bench/results/book.md (replacing the previous results) and prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATASETS = ROOT.parent / "shared" / "datasets"
RESULTS = ROOT / "bench" / "results" / "book.md"
VERDICTS = {True: "yes", False: "no", None: "n/a"}


@dataclass(frozen=True)
class Entry:
    """One recipe invocation: its flags, and a label telling two invocations apart."""

    recipe: str
    argv: list[str] = field(default_factory=list)
    label: str = ""


DIGITS = ["--dataset", "digits"]

ENTRIES: list[Entry] = [
    Entry("mnist"),
    Entry("digits", label="digits"),
    Entry("mnist_scratch"),
    Entry("mnist_scratch", DIGITS, label="digits"),
    Entry("linear_classifier"),
    Entry("imdb"),
    Entry("reuters", ["--bottleneck"]),
    Entry("boston"),
    Entry("generalization"),
    Entry("generalization", DIGITS, label="digits"),
    Entry("overfitting"),
    Entry("keras_apis"),
    Entry("keras_apis", DIGITS, label="digits"),
    Entry("gates"),
    Entry("activations"),
    Entry("forward_pass"),
    Entry("backprop_by_hand"),
    Entry("oysters"),
    Entry("losses"),
    Entry("gradient_descent"),
    Entry("optimizers", ["--dataset", "mnist"]),
    Entry("optimizers", label="digits"),
    Entry("heads"),
    Entry("encoding"),
    Entry("ml_vs_dl"),
    Entry("regularization"),
    Entry("ensemble"),
]


def load_records(run_root: Path) -> list[dict]:
    """metrics.json (with the run's config) of every run under `run_root`, in run order."""
    records = []
    configs = sorted(run_root.glob("*/*/config.json"), key=lambda p: p.stat().st_mtime_ns)
    for config in configs:
        metrics = config.parent / "metrics.json"
        if metrics.is_file():
            record = json.loads(metrics.read_text())
            record["config"] = json.loads(config.read_text())
            records.append(record)
    return records


def figure_rows(record: dict) -> list[dict]:
    """One row per figure a run recorded: its headline result, then its other figures."""
    figures = ([record["result"]] if record.get("result") else []) + record.get("figures", [])
    rows = []
    for figure in figures:
        book = figure["book"]
        if book is None:
            book_text = "no published figure"
        else:
            band = f" ({book['band_text']})" if book.get("band_text") else ""
            book_text = book["text"] + band
        rows.append(
            {
                "dataset": figure["dataset"],
                "what": figure["metric"],
                "ours": figure["text"],
                "book": book_text,
                "inside": VERDICTS[figure["inside"]],
            }
        )
    return rows


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


def run_entry(entry: Entry, run_root: Path) -> list[dict]:
    """Run one recipe as a user would and turn its records into table rows."""
    command = [sys.executable, "-m", "keras_dl", "run", entry.recipe, *entry.argv]
    command += ["--out", str(run_root)]
    print(f"\n=== {' '.join(command[2:])}", flush=True)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    print("\n".join(done.stdout.strip().splitlines()[-3:]))
    row = {
        "recipe": entry.recipe + (f" ({entry.label})" if entry.label else ""),
        "wall": f"{wall:.0f} s",
        "backend": "-",
        "device": "-",
        "dataset": "-",
        "what": "-",
        "book": "-",
    }
    missing = re.search(r"error: (\S+) is not in the Keras cache", done.stderr)
    if done.returncode == 2 and missing:
        unavailable = f"not run: {missing.group(1)} unavailable offline"
        return [{**row, "ours": unavailable, "inside": "-", "wall": "-"}]
    if done.returncode != 0:
        print(done.stderr[-3000:])
        return [{**row, "ours": f"FAILED (exit {done.returncode})", "inside": "no"}]
    rows = []
    for record in load_records(run_root):
        config = record["config"]
        run_row = {**row, "backend": config["backend"], "device": config["device"]}
        rows.extend({**run_row, **figure} for figure in figure_rows(record))
    return rows


def write_table(rows: list[dict], command: str) -> str:
    """Render the rows as the markdown results file."""
    header = (
        "| recipe | dataset | measure | ours | book | inside the book's band | wall time "
        "| backend | device |\n|---|---|---|---|---|---|---|---|---|"
    )
    columns = ("recipe", "dataset", "what", "ours", "book", "inside", "wall", "backend", "device")
    body = "\n".join(
        "| " + " | ".join(str(r[c]).replace("|", "\\|") for c in columns) + " |" for r in rows
    )
    return (
        "# Book benchmark: our numbers beside the book's\n\n"
        f"`{command}` on {time.strftime('%Y-%m-%d')}. Every recipe at its full (book) settings on "
        "the datasets available here, seed 0; each row is a figure a recipe recorded in its "
        'metrics.json, with the book\'s figure and band as the recipe declares them. "n/a" '
        "marks a stand-in dataset (its number is not comparable with the book's) or a figure "
        'without a band; "-" a recipe that could not run. The notes\' recipes are judged '
        "against the course notes' numbers.\n\n" + header + "\n" + body + "\n"
    )


def main() -> int:
    """Run the entries, print the table, write bench/results/book.md (full runs only)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", nargs="+", metavar="RECIPE", help="run only these recipes")
    parser.add_argument(
        "--runs",
        default=str(ROOT / "runs" / "bench"),
        help="where the run records go (default: runs/bench)",
    )
    args = parser.parse_args()
    seed_keras_cache()
    run_root = Path(args.runs) / time.strftime("%Y%m%d-%H%M%S")
    rows = []
    for index, entry in enumerate(e for e in ENTRIES if not args.only or e.recipe in args.only):
        rows.extend(run_entry(entry, run_root / f"{index:02d}-{entry.label or 'book'}"))
    command = "python bench/book.py" + (f" --only {' '.join(args.only)}" if args.only else "")
    text = write_table(rows, command)
    print("\n" + text)
    if not args.only:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        replaced = " (replacing the previous results)" if RESULTS.exists() else ""
        RESULTS.write_text(text)
        print(f"wrote {RESULTS}{replaced}")
    return 0 if all(r["inside"] != "no" for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
