"""Many runs at once: one reproduction with --jobs 1 against --jobs N, side by side.

Runs ``python -m keras_dl reproduce RECIPE --seeds S [flags] --jobs J`` for each J, one
after the other, each a fresh process and a fresh output folder, alternating over rounds,
and reports each one's wall time (the median over rounds), the ratio to --jobs 1, whether
every seed's figures are the same as with --jobs 1, and the workers' peak memory (from the
group record). The machine's CPU name and core count head the table.

Run: python bench/workers.py [--recipe reuters] [--seeds 4] [--jobs 1 2] [--rounds 1]
     [--flags "--no-bottleneck"]     (writes bench/results/workers.md and .json)
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def one(recipe: str, seeds: int, flags: list[str], jobs: int) -> dict:
    """One reproduction in a fresh process: its wall time, each seed's figures, the
    workers' peak memory."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "keras_dl", "reproduce", recipe, "--seeds", str(seeds)]
        command += [*flags, "--no-plots", "--out", out, "--jobs", str(jobs)]
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(
                f"error: {' '.join(command)} ended with {done.returncode}:\n{done.stderr[-2000:]}"
            )
        (group,) = Path(out, recipe).glob("reproduce-*/group.json")
        record = json.loads(group.read_text())
        figures = {}
        for member in record["members"]:
            for run in member["runs"]:
                metrics = json.loads(Path(out, run, "metrics.json").read_text())
                found = [metrics.get("result"), *metrics.get("figures", [])]
                figures[run.split("/")[-1].split("-", 2)[-1]] = [
                    (f["metric"], f["value"]) for f in found if f
                ]
        peaks = [m["worker_peak_mb"] for m in record["members"] if "worker_peak_mb" in m]
        return {
            "wall_s": wall,
            "figures": figures,
            "worker_peak_mb": max(peaks) if peaks else None,
            "device": record.get("device", ""),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--recipe", default="reuters")
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--flags", default="--no-bottleneck", help="the recipe's flags")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    flags = shlex.split(args.flags)
    measured: dict[int, list[dict]] = {jobs: [] for jobs in args.jobs}
    for round_ in range(args.rounds):
        for jobs in args.jobs:
            result = one(args.recipe, args.seeds, flags, jobs)
            measured[jobs].append(result)
            print(f"round {round_ + 1}, --jobs {jobs}: {result['wall_s']:.1f} s", flush=True)
    base = statistics.median(r["wall_s"] for r in measured[args.jobs[0]])
    reference = measured[args.jobs[0]][0]["figures"]
    device = measured[args.jobs[0]][0]["device"]
    command = (
        f"python -m keras_dl reproduce {args.recipe} --seeds {args.seeds} {args.flags} "
        "--no-plots --jobs J"
    )
    lines = [
        "# Many runs at once: --jobs",
        "",
        f"`{command}`, J = {', '.join(map(str, args.jobs))}, each a fresh process, "
        f"{args.rounds} round(s) (median wall time), on {device}, "
        f"{time.strftime('%Y-%m-%d')}. Written by `python bench/workers.py`.",
        "",
        "| --jobs | wall (s) | vs --jobs " + str(args.jobs[0]) + " | same figures at every seed "
        "| worker peak memory (MiB) |",
        "|---|---|---|---|---|",
    ]
    rows = []
    for jobs, results in measured.items():
        wall = statistics.median(r["wall_s"] for r in results)
        same = all(r["figures"] == reference for r in results)
        peak = max((r["worker_peak_mb"] or 0 for r in results), default=0) or "-"
        lines.append(
            f"| {jobs} | {wall:.1f} | {base / wall:.2f}x | {'yes' if same else 'NO'} | {peak} |"
        )
        rows.append(
            {
                "jobs": jobs,
                "wall_s": wall,
                "speedup": base / wall,
                "same": same,
                "worker_peak_mb": peak,
                "walls": [r["wall_s"] for r in results],
            }
        )
    lines += ["", f"Each run's figures (--jobs {args.jobs[0]}):", ""]
    lines += [
        f"- {run}: "
        + ", ".join(f"{m} {v:.4f}" if isinstance(v, float) else f"{m} {v}" for m, v in found)
        for run, found in reference.items()
    ]
    text = "\n".join(lines) + "\n"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "workers.md").write_text(text)
    (args.out / "workers.json").write_text(
        json.dumps({"command": command, "device": device, "rows": rows}, indent=2) + "\n"
    )
    print(text)
    return 0 if all(row["same"] for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
