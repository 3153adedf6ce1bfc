"""Speed and memory benchmark: ratios measured side by side in one run.

1. Multi-hot encoding of IMDB-sized data (25,000 sequences, 10,000 words): keras_dl's
   vectorized `multi_hot` against the book's Python double loop, and float32 against
   float64 memory (the reason the book's float64 array would need 2 GB).
2. Training throughput of the book's first network (Dense(512) -> Dense(10), batch 128,
   60,000 x 784) on the current backend and device: float32 against XLA and against mixed
   precision, each measured in a fresh process (both switches are global).

Run: make bench   (or python bench/speed.py [--samples 60000] [--out bench/results])
Writes bench/results/speed-<backend>-<cpu|gpu>.md and prints the same table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

SWITCHES = {"float32": {}, "xla": {"xla": True}, "mixed precision": {"mixed_precision": True}}


def book_vectorize_sequences(sequences, dimension: int) -> np.ndarray:
    """The book's loop (ch. 4.1), float64 like numpy's default."""
    results = np.zeros((len(sequences), dimension))
    for i, sequence in enumerate(sequences):
        for j in sequence:
            results[i, j] = 1.0
    return results


def bench_multi_hot() -> list[tuple[str, str, str]]:
    """Time and size both encodings of the same 25,000 generated IMDB-format reviews."""
    from keras_dl.datasets import multi_hot
    from keras_dl.synthetic import synthetic_sequences

    (sequences, _), _ = synthetic_sequences(25000, 1, num_words=10000, mean_length=230, seed=0)
    start = time.perf_counter()
    ours = multi_hot(sequences, 10000)
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    book = book_vectorize_sequences(sequences, 10000)
    book_s = time.perf_counter() - start
    assert np.array_equal(ours, book), "the two encodings differ"
    return [
        (
            "multi-hot 25,000 x 10,000: time",
            f"book loop {book_s:.2f} s, keras_dl {ours_s:.2f} s",
            f"{book_s / ours_s:.1f}x faster",
        ),
        (
            "multi-hot 25,000 x 10,000: memory",
            f"float64 {book.nbytes / 2**30:.2f} GiB, float32 {ours.nbytes / 2**30:.2f} GiB",
            f"{book.nbytes / ours.nbytes:.1f}x smaller",
        ),
    ]


def worker(switch: str, samples: int) -> None:
    """Measure training throughput with one switch; print a JSON line."""
    import keras

    from keras_dl import build_dense_model, runtime

    runtime.configure(**SWITCHES[switch])
    runtime.seed_everything(0)
    rng = np.random.default_rng(0)
    x = rng.random((samples, 784), dtype=np.float32)
    y = rng.integers(0, 10, samples)
    model = build_dense_model(784, "multiclass", num_classes=10, hidden_units=(512,))
    model.fit(x, y, batch_size=128, epochs=1, verbose=0)  # warm-up: tracing and compilation
    start = time.perf_counter()
    model.fit(x, y, batch_size=128, epochs=2, verbose=0)
    elapsed = time.perf_counter() - start
    print(
        json.dumps(
            {
                "samples_per_s": 2 * samples / elapsed,
                "backend": runtime.backend(),
                "device": runtime.device(),
                "keras": keras.__version__,
            }
        )
    )


def bench_training(samples: int) -> tuple[list[tuple[str, str, str]], dict]:
    """Run the worker once per switch, each in a fresh process, and compare to float32."""
    measured = {}
    for switch in SWITCHES:
        print(f"training throughput with {switch} ...", flush=True)
        done = subprocess.run(
            [sys.executable, __file__, "--worker", switch, "--samples", str(samples)],
            capture_output=True,
            text=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        )
        if done.returncode != 0:
            measured[switch] = None
            print(f"  {switch} failed: {done.stderr.strip().splitlines()[-1:]}")
            continue
        measured[switch] = json.loads(done.stdout.strip().splitlines()[-1])
    base = measured["float32"]
    rows = []
    for switch, result in measured.items():
        if result is None:
            rows.append((f"first network, {switch}", "failed", "-"))
            continue
        ratio = result["samples_per_s"] / base["samples_per_s"] if base else float("nan")
        rows.append(
            (
                f"first network, {switch}",
                f"{result['samples_per_s']:,.0f} samples/s",
                f"{ratio:.2f}x float32",
            )
        )
    return rows, base or {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--samples", type=int, default=60000)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    parser.add_argument("--worker", choices=list(SWITCHES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.samples)
        return 0

    print("multi-hot encoding ...", flush=True)
    rows = bench_multi_hot()
    training_rows, environment = bench_training(args.samples)
    rows += training_rows
    kind = "gpu" if environment.get("device", "").startswith("GPU") else "cpu"
    lines = [
        f"# Speed benchmark ({environment.get('backend', '?')}, {environment.get('device', '?')})",
        "",
        f"Keras {environment.get('keras', '?')}; `python bench/speed.py --samples {args.samples}`; "
        f"{time.strftime('%Y-%m-%d')}.",
        "",
        "| measurement | measured | ratio |",
        "|---|---|---|",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
        "",
    ]
    text = "\n".join(lines)
    print(text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"speed-{environment.get('backend', 'unknown')}-{kind}.md"
    replaced = " (replacing the previous results)" if path.exists() else ""
    path.write_text(text)
    print(f"wrote {path}{replaced}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
