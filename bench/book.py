"""Book benchmark: every recipe at full settings on the datasets this machine has.

For each recipe it runs ``python -m keras_dl run <recipe>`` (a fresh process, as a user
would), reads the run records it wrote, and checks our figure against the book's band. A
recipe whose dataset file is missing gets the row "not run: <file> unavailable offline";
recipes that can also run on an embedded stand-in (digits) get a second row labelled with
the stand-in's name, whose band column is "n/a": a stand-in's number is never the book's.

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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATASETS = ROOT.parent / "shared" / "datasets"
RESULTS = ROOT / "bench" / "results" / "book.md"


@dataclass
class Outcome:
    """One table row's judgement: what it measures, our figure, the book's, and the verdict."""

    what: str
    ours: str
    book: str
    inside: bool | None  # None: no band applies (a stand-in dataset)
    dataset: str = ""  # when rows of one recipe differ in dataset


Check = Callable[[list[dict]], list[Outcome]]


@dataclass
class Entry:
    """One recipe invocation and how to judge the run records it writes."""

    recipe: str
    check: Check
    argv: list[str] = field(default_factory=list)
    label: str = ""  # tells two invocations of one recipe apart (e.g. a stand-in dataset)


def load_records(run_root: Path, recipe: str) -> list[dict]:
    """metrics.json (with the run's config) of every run a recipe wrote, oldest first."""
    records = []
    for run_dir in sorted((run_root / recipe).glob("*/")):
        if (run_dir / "metrics.json").is_file():
            record = json.loads((run_dir / "metrics.json").read_text())
            record["config"] = json.loads((run_dir / "config.json").read_text())
            record["run"] = run_dir.name
            records.append(record)
    return records


def by_variant(records: list[dict]) -> dict[str, dict]:
    """The records keyed by the variant each run was (its config's `variant`)."""
    return {r["config"]["variant"] or "": r for r in records}


def verdict(record: dict, holds: bool) -> bool | None:
    """`holds` on the book's dataset; None (no band) when the run used a stand-in."""
    return holds if record["result"]["same_dataset"] else None


def result_in_band(low: float, high: float, what: str = "") -> Check:
    """Judge the last run's headline `result` against [low, high]."""

    def check(records: list[dict]) -> list[Outcome]:
        result = records[-1]["result"]
        ours = f"{result['value']:.4f}"
        book = f"{result['book']['text']} (band {low:g}-{high:g})" if result["book"] else "-"
        inside = verdict(records[-1], low <= result["value"] <= high)
        return [Outcome(what or result["metric"], ours, book, inside)]

    return check


def exact(pick: Callable[[dict], float], what: str, tolerance: float = 1e-4) -> Check:
    """The notes' number reproduced: pick(metrics) against result.book, to `tolerance`."""

    def check(records: list[dict]) -> list[Outcome]:
        record = records[-1]
        ours, book = float(pick(record)), record["result"]["book"]
        inside = abs(ours - book["value"]) <= tolerance
        return [Outcome(what, f"{ours:.8g}", f"{book['text']} (to {tolerance:g})", inside)]

    return check


def combine(*checks: Check) -> Check:
    """The rows of several checks on the same records."""
    return lambda records: [row for check in checks for row in check(records)]


def check_mnist_scratch(records):
    return result_in_band(0.78, 1.0, "test accuracy (GradientTape loop)")(records)


def check_imdb(records):
    record = records[-1]
    rows = result_in_band(0.875, 1.0, "test accuracy (4 epochs on all 25,000)")(records)
    rows.append(
        Outcome(
            "epoch where val_loss bottoms",
            str(record["best_epoch"]),
            "4 (band 3-5)",
            verdict(record, 3 <= record["best_epoch"] <= 5),
        )
    )
    return rows


def check_reuters(records):
    runs = by_variant(records)
    main, bottleneck = runs[""], runs.get("bottleneck")
    baseline = main["shuffled_label_baseline"]
    rows = [
        Outcome(
            "test accuracy (9 epochs on all)",
            f"{main['test_accuracy']:.4f}",
            "0.777-0.782 (band >= 0.77)",
            verdict(main, main["test_accuracy"] >= 0.77),
        ),
        Outcome(
            "shuffled-label baseline",
            f"{baseline:.4f}",
            "about 0.19 (band 0.17-0.21)",
            verdict(main, 0.17 <= baseline <= 0.21),
        ),
        Outcome(
            "epoch where val_loss bottoms",
            str(main["best_epoch"]),
            "8-9 (band 7-10)",
            verdict(main, 7 <= main["best_epoch"] <= 10),
        ),
    ]
    if bottleneck is None:
        return rows
    peak, reference = bottleneck["val_accuracy"]["peak"], main["val_accuracy"]["peak"]
    rows.append(
        Outcome(
            "64-4-46 bottleneck: peak val accuracy",
            f"{peak:.4f} (64-64: {reference:.4f})",
            "0.71-0.73 (band: the shape, at least 0.03 below the 64-64 model)",
            verdict(bottleneck, peak <= reference - 0.03),
        )
    )
    return rows


def check_boston(records):
    record = records[-1]
    folds = ", ".join(f"{v:.2f}" for v in record["fold_val_mae"])
    return [
        Outcome(
            "K-fold mean val MAE",
            f"{record['mean_val_mae']:.3f} (folds {folds})",
            "2.35-2.38 (band <= 2.6)",
            verdict(record, record["mean_val_mae"] <= 2.6),
        ),
        Outcome(
            "test MAE (130 epochs on all)",
            f"{record['test_mae']:.3f}",
            "2.55-2.72 (band <= 2.9)",
            verdict(record, record["test_mae"] <= 2.9),
        ),
        Outcome(
            "epoch where the smoothed val MAE bottoms",
            str(record["smoothed_val_mae_best_epoch"]),
            "about 80 (no band)",
            None,
        ),
    ]


def check_generalization(records):
    runs = by_variant(records)
    acc = {name: r["final_val_accuracy"] for name, r in runs.items()}
    shapes = [
        (
            "noise vs zero channels: final val accuracy",
            f"noise {acc['noise-channels']:.3f}, zeros {acc['zero-channels']:.3f}",
            "0.970 vs 0.981 (noise lower)",
            acc["noise-channels"] < acc["zero-channels"],
        ),
        (
            "shuffled labels: final val accuracy",
            f"{acc['shuffled-labels']:.3f} (train {runs['shuffled-labels']['final_accuracy']:.3f})",
            "about 0.10 (band <= 0.15)",
            acc["shuffled-labels"] <= 0.15,
        ),
        (
            "learning rate 1.0 vs 0.01: final val accuracy",
            f"lr 1.0 {acc['lr-1.0']:.3f}, lr 0.01 {acc['lr-0.01']:.3f}",
            "about 0.30 vs 0.97 (lr 1.0 far lower)",
            acc["lr-1.0"] < acc["lr-0.01"] - 0.05,
        ),
        (
            "capacity: Dense(10) vs 96-96, final val accuracy",
            f"{acc['dense-10']:.3f} vs {acc['dense-96-96']:.3f} (96-96 val_loss bottoms at epoch "
            f"{runs['dense-96-96']['best_epoch']})",
            "0.93 vs 0.976, 96-96 overfits after epoch 7",
            acc["dense-10"] < acc["dense-96-96"],
        ),
    ]
    # On a stand-in the published shape is reported, not judged against the book.
    same = runs["noise-channels"]["result"]["same_dataset"]
    return [
        Outcome(
            what, f"{ours} (shape {'holds' if holds else 'fails'})", book, holds if same else None
        )
        for what, ours, book, holds in shapes
    ]


def check_overfitting(records):
    runs = by_variant(records)
    bottoms = ", ".join(f"{name} {r['best_epoch']}" for name, r in runs.items())
    bigger = runs["bigger"]
    return [
        Outcome(
            "epoch where val_loss bottoms",
            bottoms,
            "original 3, smaller 8, bigger 1, l2 5, dropout 7 (band: bigger <= 2)",
            verdict(bigger, bigger["best_epoch"] <= 2),
        )
    ]


def check_keras_apis(records):
    record = records[-1]
    counts = set(record["parameters"].values())
    loops = record["loops"]["max_abs_diff_from_fit"]
    rows = result_in_band(0.97, 1.0, "test accuracy")(records)
    rows.append(
        Outcome(
            "Sequential = functional = subclassed parameters; loops vs fit",
            f"{'equal' if len(counts) == 1 else 'differ'} ({', '.join(map(str, sorted(counts)))}); "
            f"max |loop - fit| {max(loops.values()):.1e}",
            "equal; the same curves (band: counts equal, loops within 1e-4)",
            len(counts) == 1 and max(loops.values()) <= 1e-4,
        )
    )
    return rows


def check_linear_classifier(records):
    record = records[-1]
    return [
        Outcome(
            "loss at step 1 -> step 40",
            f"{record['loss_first_step']:.4f} -> {record['loss_last_step']:.4f}",
            "about 6 -> 0.03 (band: last 0.02-0.04)",
            0.02 <= record["loss_last_step"] <= 0.04,
        )
    ]


def check_backprop(records):
    record = records[-1]
    printed = record["notes_printed_output"]
    return [
        Outcome(
            "the notes' new output, their arithmetic",
            f"{printed:.5f}",
            "0.18416",
            abs(printed - 0.18416) <= 1e-4,
        ),
        Outcome(
            "new output, C's real input 0.1",
            f"{record['new_output']:.5f} (error {record['new_error']:.5f})",
            "0.18416 (error 0.01584): the notes' slip",
            None,
        ),
        Outcome(
            "Keras gradient vs the chain rule",
            f"{record['max_gradient_gap_keras_vs_chain_rule']:.1e}",
            "equal (band 1e-6)",
            record["max_gradient_gap_keras_vs_chain_rule"] <= 1e-6,
        ),
    ]


def check_losses(records):
    record = records[-1]
    rows = []
    for case in ("right", "wrong"):
        ours, book = record["examples"][case], record["book"][case]
        rows.append(
            Outcome(
                f"MSE / cross-entropy, {case} class at 0.6",
                f"{ours['mse']:.4f} / {ours['cee']:.4f}",
                f"{book['mse']} / {book['cee']}",
                abs(ours["mse"] - book["mse"]) <= 1e-4 and abs(ours["cee"] - book["cee"]) <= 1e-4,
            )
        )
    rows.append(
        Outcome(
            "accuracy's slope is zero",
            f"{record['accuracy_slope_zero_fraction']:.0%} of weights",
            "almost everywhere",
            record["accuracy_slope_zero_fraction"] >= 0.99,
        )
    )
    return rows


def check_gradient_descent(records):
    record = records[-1]
    fit, book = record["gradient_descent"], record["book"]["least_squares"]
    return [
        Outcome(
            "f = x0^2 + x1^2 from (-3, 4), lr 0.1, 20 steps",
            f"f = {record['final_f']['right']:.2e}",
            "near (0, 0)",
            record["final_f"]["right"] < 0.01,
        ),
        Outcome(
            "hours-vs-scores slope and intercept by gradient descent",
            f"a {fit['a']:.3f}, b {fit['b']:.3f}",
            f"a {book['a']}, b {book['b']}",
            abs(fit["a"] - book["a"]) <= 0.05 and abs(fit["b"] - book["b"]) <= 0.5,
        ),
    ]


def check_gates(records):
    record = records[-1]
    return [
        Outcome(
            "XOR accuracy: one neuron / two layers",
            f"{record['neuron_accuracy']:.2f} / {record['mlp_accuracy']:.2f}",
            "fails / 1.0 (band: <= 0.75 / 1.0)",
            record["neuron_accuracy"] <= 0.75 and record["mlp_accuracy"] == 1.0,
        )
    ]


def check_oysters(records):
    record = records[-1]
    acc = record["test_accuracy"]
    return [
        Outcome(
            "test accuracy: rule / neuron / MLP",
            f"{acc['rule']:.3f} / {acc['neuron']:.3f} / {acc['mlp']:.3f} (threshold "
            f"{record['threshold_cm']['learned']:.2f} cm)",
            "rule size > 7.5 (band: learned beats the rule)",
            min(acc["neuron"], acc["mlp"]) > acc["rule"],
        )
    ]


def check_optimizers(records):
    runs = by_variant(records)
    paths = runs.pop("paths", None)
    losses = {r["optimizer"]: r["final_loss"] for r in runs.values()}
    book = {r["optimizer"]: r["book"]["final_loss"] for r in runs.values()}
    any_run = next(iter(runs.values()))
    rows = [
        Outcome(
            "final training loss after 2,000 iterations",
            ", ".join(f"{name} {loss:.2g}" for name, loss in losses.items()),
            ", ".join(f"{name} {loss:g}" for name, loss in book.items() if loss is not None)
            + " (band: SGD the highest)",
            verdict(any_run, losses["SGD"] == max(losses.values())),
        )
    ]
    if paths:
        gap = max(o["max_abs_diff_vs_numpy"] for o in paths["optimizers"].values())
        rows.append(
            Outcome(
                "Keras optimizers vs the NumPy update rules on x^2/20 + y^2",
                f"max gap {gap:.1e}",
                "the same paths (band 1e-4)",
                gap <= 1e-4,
            )
        )
    return rows


def check_heads(records):
    pair = by_variant(records)["softmax2-breast_cancer"]
    return [
        Outcome(
            "softmax([z, 0])[0] = sigmoid(z)",
            f"max error {pair['identity_max_error']:.1e}",
            "equal (band 1e-4)",
            pair["identity_max_error"] <= 1e-4,
        )
    ]


def check_encoding(records):
    mae = {r["config"]["variant"]: r["test_mae"] for r in records}
    best, worst = min(mae, key=mae.get), max(mae, key=mae.get)
    return [
        Outcome(
            "test MAE by encoding (country-satisfaction)",
            ", ".join(f"{k} {v:.2f}" for k, v in mae.items()),
            "one-hot nominal, ordinal codes best; label codes for the nominal worst",
            best == "onehot-ordinal" and worst.startswith("label"),
        )
    ]


def check_ml_vs_dl(records):
    rows = []
    for record in records:
        models = record["models"]
        ours = ", ".join(
            f"{name.split(' (')[0]} {m['test_accuracy']:.3f}" for name, m in models.items()
        )
        dataset = record["config"]["dataset"]
        rows.append(Outcome("test accuracy", ours, "no published figure", None, dataset))
    return rows


def check_regularization(records):
    runs = by_variant(records)
    test = {name: r["test"]["accuracy"] for name, r in runs.items()}
    return [
        Outcome(
            "test accuracy, 30% noisy training labels",
            ", ".join(f"{name} {value:.3f}" for name, value in test.items()),
            "each remedy beats no remedy",
            all(v > test["baseline"] for k, v in test.items() if k != "baseline"),
        )
    ]


def check_ensemble(records):
    record = records[-1]
    summary, repeats = record["summary"], record["repeats"]
    single = summary["single net"]
    rows = []
    for method, pool in (
        ("voting, soft", "single net"),
        ("bagging, soft", "bootstrap member"),
        ("stacking", "single net"),
    ):
        ours = summary[method]
        beats_median = all(r[method] >= float(np.median(r[pool])) for r in repeats)
        rows.append(
            Outcome(
                f"{method}: test accuracy (std over seeds) vs one net",
                f"{ours['mean']:.3f} ({ours['std']:.3f}) vs {single['mean']:.3f} "
                f"({single['std']:.3f})",
                "at least the median member, smaller spread",
                beats_median and ours["std"] <= summary[pool]["std"],
            )
        )
    return rows


DIGITS = ["--dataset", "digits"]

ENTRIES: list[Entry] = [
    Entry("mnist", result_in_band(0.975, 1.0, "test accuracy")),
    Entry("digits", result_in_band(0.975, 1.0, "test accuracy"), label="digits"),
    Entry("mnist_scratch", check_mnist_scratch),
    Entry("mnist_scratch", check_mnist_scratch, DIGITS, label="digits"),
    Entry("linear_classifier", check_linear_classifier),
    Entry("imdb", check_imdb),
    Entry("reuters", check_reuters, ["--bottleneck"]),
    Entry("boston", check_boston),
    Entry("generalization", check_generalization),
    Entry("generalization", check_generalization, DIGITS, label="digits"),
    Entry("overfitting", check_overfitting),
    Entry("keras_apis", check_keras_apis),
    Entry("keras_apis", check_keras_apis, DIGITS, label="digits"),
    Entry("gates", check_gates),
    Entry("activations", exact(lambda m: m["softmax"][2], "softmax([0.3, 2.9, 4.0])[2]")),
    Entry(
        "forward_pass", exact(lambda m: m["numpy_output"][0], "output y[0] of the 2-3-2-2 network")
    ),
    Entry("backprop_by_hand", check_backprop),
    Entry("oysters", check_oysters),
    Entry("losses", check_losses),
    Entry("gradient_descent", check_gradient_descent),
    Entry("optimizers", check_optimizers, ["--dataset", "mnist"]),
    Entry("optimizers", check_optimizers, label="digits"),
    Entry("heads", check_heads),
    Entry("encoding", check_encoding),
    Entry("ml_vs_dl", check_ml_vs_dl),
    Entry("regularization", check_regularization),
    Entry("ensemble", check_ensemble),
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


def run_entry(entry: Entry, run_root: Path) -> list[dict]:
    """Run one recipe as a user would and turn its records into table rows."""
    command = [
        sys.executable,
        "-m",
        "keras_dl",
        "run",
        entry.recipe,
        *entry.argv,
        "--out",
        str(run_root),
    ]
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
        return [
            {
                **row,
                "ours": f"not run: {missing.group(1)} unavailable offline",
                "inside": "-",
                "wall": "-",
            }
        ]
    if done.returncode != 0:
        print(done.stderr[-3000:])
        return [{**row, "ours": f"FAILED (exit {done.returncode})", "inside": "no"}]
    records = load_records(run_root, entry.recipe)
    config = records[-1]["config"]
    row.update(backend=config["backend"], device=config["device"], dataset=config["dataset"])
    verdicts = {True: "yes", False: "no", None: "n/a"}
    return [
        {
            **row,
            "what": o.what,
            "ours": o.ours,
            "book": o.book,
            "inside": verdicts[o.inside],
            "dataset": o.dataset or row["dataset"],
        }
        for o in entry.check(records)
    ]


def write_table(rows: list[dict], command: str) -> str:
    """Render the rows as the markdown results file."""
    header = (
        "| recipe | dataset | measure | ours | book | inside the book's band | wall time "
        "| backend | device |\n|---|---|---|---|---|---|---|---|---|"
    )
    body = "\n".join(
        f"| {r['recipe']} | {r['dataset']} | {r['what']} | {r['ours']} | {r['book']} "
        f"| {r['inside']} | {r['wall']} | {r['backend']} | {r['device']} |"
        for r in rows
    )
    return (
        "# Book benchmark: our numbers beside the book's\n\n"
        f"`{command}` on {time.strftime('%Y-%m-%d')}. Every recipe at its full (book) settings on "
        'the datasets available here, seed 0. "n/a" marks a stand-in dataset (its number is '
        'not comparable with the book\'s) or a figure without a band; "-" a recipe that could '
        "not run. The notes' recipes are judged against the course notes' numbers.\n\n"
        + header
        + "\n"
        + body
        + "\n"
    )


def main() -> int:
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
    entries = [e for e in ENTRIES if not args.only or e.recipe in args.only]
    rows = []
    for entry in entries:
        entry_root = run_root / (entry.label or "book")
        rows.extend(run_entry(entry, entry_root))
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
