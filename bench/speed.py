"""Speed benchmark: keras_dl against the book's own code, on every installed backend.

1. Multi-hot encoding of IMDB-sized data (25,000 sequences, 10,000 words): keras_dl's
   vectorized `multi_hot` against the book's Python double loop, and float32 against the
   book's float64 memory.
2. Training throughput of two book networks on random data of the book's sizes:
   ch. 2's Dense(512, relu) -> Dense(10, softmax) (60,000 x 784, rmsprop, batch 128) and
   ch. 4's IMDB Dense(16) -> Dense(16) -> Dense(1, sigmoid) (15,000 x 10,000, batch 512).
   Configurations: the book's exact code (a `keras.Sequential`, compiled and fitted as the
   book does), keras_dl's default (`build_dense_model`), and keras_dl with each switch that
   may change the numbers (XLA, mixed precision). Each measurement is a fresh process (the
   switches are global), on every backend given, interleaved over rounds so that a slow
   spell of the machine hits every configuration alike.

Reported: samples/s (the median over rounds), the ratio to the same backend's book code, the
ratio to TensorFlow's book code, the fraction of the machine's sgemm peak (measured here with
NumPy: 6 flops per multiply-add per sample, forward and backward) and each process's peak RSS.

3. Paired, the question that matters most (is the default ever slower than the book's
   code?): both models in one process, one epoch each in turn, so that a slow spell of a
   shared machine slows both alike. Separate processes of the very same code differ by
   up to 15% on our 2-core machines; the pairs' median ratio does not drift with them.

Run: make bench   (or python bench/speed.py [--rounds 2] [--scale 1.0] [--paired-only]
                   [--interpreter jax=.venv-jax/bin/python ...] [--out bench/results])
Writes bench/results/speed-paired-<cpu|gpu>.md and speed-<cpu|gpu>.md (and .json), and
prints the tables.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

BACKENDS = ("tensorflow", "jax", "torch")
CONFIGS = ("book", "keras_dl", "keras_dl + xla", "keras_dl + mixed precision")
NETWORKS = {
    # name: (samples, features, hidden units, classes (1 = sigmoid), batch size)
    "ch2 Dense 512-10": (60000, 784, (512,), 10, 128),
    "imdb Dense 16-16-1": (15000, 10000, (16, 16), 1, 512),
}
# Epochs timed after the warm-up epoch: several seconds each, so that one slow spell of a
# shared machine does not decide a ratio (two epochs of IMDB took under a second).
TIMED_EPOCHS = {"ch2 Dense 512-10": 3, "imdb Dense 16-16-1": 12}
PAIRED_EPOCHS = {"ch2 Dense 512-10": 6, "imdb Dense 16-16-1": 16}  # pairs of epochs


def book_vectorize_sequences(sequences, dimension: int) -> np.ndarray:
    """The book's loop (ch. 4.1), float64 like numpy's default."""
    results = np.zeros((len(sequences), dimension))
    for i, sequence in enumerate(sequences):
        for j in sequence:
            results[i, j] = 1.0
    return results


def bench_multi_hot() -> list[str]:
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
        "| measurement | book | keras_dl | ratio |",
        "|---|---|---|---|",
        f"| multi-hot 25,000 x 10,000: time | {book_s:.2f} s | {ours_s:.2f} s "
        f"| {book_s / ours_s:.1f}x faster |",
        f"| multi-hot 25,000 x 10,000: memory | {book.nbytes / 2**30:.2f} GiB (float64) "
        f"| {ours.nbytes / 2**30:.2f} GiB (float32) | {book.nbytes / ours.nbytes:.1f}x smaller |",
    ]


def sgemm_peak(size: int = 2048, repeats: int = 5) -> float:
    """The machine's float32 matrix-multiply rate in GFLOP/s: NumPy's BLAS, best of repeats."""
    rng = np.random.default_rng(0)
    a, b = rng.random((size, size), dtype=np.float32), rng.random((size, size), dtype=np.float32)
    a @ b  # warm-up: threads and caches
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * size**3 / best / 1e9


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def flops_per_sample(features: int, hidden: tuple[int, ...], classes: int) -> int:
    """6 flops per weight per sample: a multiply-add forward, two backward."""
    widths = [features, *hidden, classes]
    return 6 * sum(a * b for a, b in itertools.pairwise(widths))


def book_model(hidden: tuple[int, ...], classes: int):
    """The book's own code: a Sequential of Dense layers, compiled as in ch. 2 and 4."""
    import keras
    from keras import layers

    head = layers.Dense(classes, activation="softmax" if classes > 1 else "sigmoid")
    model = keras.Sequential([*(layers.Dense(u, activation="relu") for u in hidden), head])
    model.compile(
        optimizer="rmsprop",
        loss="sparse_categorical_crossentropy" if classes > 1 else "binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


def network_data(network: str, scale: float) -> tuple[np.ndarray, np.ndarray, int]:
    """Random data of the network's sizes (IMDB's rows multi-hot), and its batch size."""
    samples, features, _, classes, batch = NETWORKS[network]
    samples = max(batch, int(samples * scale))
    rng = np.random.default_rng(0)
    if classes > 1:
        x = rng.random((samples, features), dtype=np.float32)
        y = rng.integers(0, classes, samples)
    else:  # about 230 words of 10,000 per review, as IMDB's
        x = (rng.random((samples, features), dtype=np.float32) < 0.023).astype(np.float32)
        y = rng.integers(0, 2, samples).astype(np.float32)
    return x, y, batch


def our_model(network: str):
    """keras_dl's default for the network: `build_dense_model`, the fast path on."""
    from keras_dl import build_dense_model

    _, features, hidden, classes, _ = NETWORKS[network]
    task = "multiclass" if classes > 1 else "binary"
    return build_dense_model(
        features, task, num_classes=classes if classes > 1 else None, hidden_units=hidden
    )


def paired_worker(network: str, scale: float) -> dict:
    """The book's code and keras_dl's default in one process, one epoch each in turn
    (book, ours, book, ours, ...): a slow spell of a shared machine slows both alike, so
    the per-pair ratios say what separate processes cannot (their own spread is +-15% here)."""
    x, y, batch = network_data(network, scale)
    from keras_dl import runtime

    runtime.seed_everything(0)
    _, _, hidden, classes, _ = NETWORKS[network]
    models = {"book": book_model(hidden, classes), "keras_dl": our_model(network)}
    for model in models.values():
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0)  # warm-up: tracing, compiling
    ratios, seconds = [], {name: 0.0 for name in models}
    for _ in range(PAIRED_EPOCHS[network]):
        took = {
            name: _timed(lambda m=model: m.fit(x, y, batch_size=batch, epochs=1, verbose=0))
            for name, model in models.items()
        }
        ratios.append(took["book"] / took["keras_dl"])
        for name in models:
            seconds[name] += took[name]
    return {
        "samples_per_s": {name: PAIRED_EPOCHS[network] * len(x) / s for name, s in seconds.items()},
        "ratios": ratios,
        "backend": runtime.backend(),
        "device": runtime.device(),
    }


def worker(network: str, config: str, scale: float) -> dict:
    """Train `network` under `config` in this process; return its throughput and peak RSS."""
    x, y, batch = network_data(network, scale)
    _, _, hidden, classes, _ = NETWORKS[network]

    import keras

    from keras_dl import runtime

    if config != "book":
        runtime.configure(xla="xla" in config, mixed_precision="mixed" in config)
    runtime.seed_everything(0)
    model = book_model(hidden, classes) if config == "book" else our_model(network)
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)  # warm-up: tracing, compiling
    epochs = TIMED_EPOCHS[network]
    elapsed = _timed(lambda: model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0))
    return {
        "samples_per_s": epochs * len(x) / elapsed,
        "timed_epochs": epochs,
        "steps_per_execution": int(model.steps_per_execution),
        "peak_rss_mib": peak_rss_mib(),
        "backend": runtime.backend(),
        "device": runtime.device(),
        "versions": {"keras": keras.__version__, runtime.backend_package(): _version()},
    }


def peak_rss_mib() -> float:
    """This process's peak resident memory (Linux' VmHWM, which, unlike getrusage's maxrss,
    does not inherit the parent's peak through fork and exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _version() -> str | None:
    from importlib import metadata

    from keras_dl import runtime

    try:
        return metadata.version(runtime.backend_package())
    except metadata.PackageNotFoundError:
        return None


def measure(python: str, backend: str, network: str, config: str, scale: float) -> dict:
    """One worker process; its result, or {"error": last line} when it failed."""
    done = subprocess.run(
        [python, __file__, "--worker", network, config, "--scale", str(scale)],
        capture_output=True,
        text=True,
        env={**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["no output"]
        return {"error": lines[-1][:200]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def installed_backends(interpreters: dict[str, str]) -> dict[str, str]:
    """Backend -> the Python that has it: the ones given, else this one where it has it."""
    import importlib.util

    found = {}
    for backend in BACKENDS:
        if backend in interpreters:
            found[backend] = interpreters[backend]
        elif importlib.util.find_spec(backend) is not None:
            found[backend] = sys.executable
    return found


def bench_training(backends: dict[str, str], rounds: int, scale: float) -> list[dict]:
    """Every (backend, network, configuration), interleaved over rounds (odd rounds in
    reverse order); one row each with the median and every round's samples/s."""
    cells = [(b, n, c) for b in backends for n in NETWORKS for c in CONFIGS]
    measured: dict[tuple, list[dict]] = {cell: [] for cell in cells}
    for round_ in range(rounds):
        for backend, network, config in cells if round_ % 2 == 0 else cells[::-1]:
            print(f"round {round_ + 1}/{rounds}: {backend}, {network}, {config} ...", flush=True)
            result = measure(backends[backend], backend, network, config, scale)
            measured[(backend, network, config)].append(result)
    rows = []
    for (backend, network, config), results in measured.items():
        good = [r for r in results if "error" not in r]
        row = {"backend": backend, "network": network, "config": config}
        if not good:
            rows.append({**row, "error": results[-1]["error"]})
            continue
        rates = [r["samples_per_s"] for r in good]
        rows.append(
            {
                **row,
                "samples_per_s": statistics.median(rates),
                "rounds": rates,
                "steps_per_execution": good[-1]["steps_per_execution"],
                "peak_rss_mib": max(r["peak_rss_mib"] for r in good),
                "device": good[-1]["device"],
                "versions": good[-1]["versions"],
            }
        )
    return rows


def training_table(rows: list[dict], peak: float, scale: float) -> list[str]:
    """The combined table: one line per backend, network and configuration."""

    def rate(backend: str, network: str, config: str = "book") -> float | None:
        for row in rows:
            if (row["backend"], row["network"], row["config"]) == (backend, network, config):
                return row.get("samples_per_s")
        return None

    lines = [
        "| backend | network | configuration | samples/s | vs this backend's book code "
        "| vs TF book code | of sgemm peak | steps/call | peak RSS |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        head = f"| {row['backend']} | {row['network']} | {row['config']} |"
        if "error" in row:
            lines.append(f"{head} failed: {row['error']} | - | - | - | - | - |")
            continue
        _, features, hidden, classes, _ = NETWORKS[row["network"]]
        value = row["samples_per_s"]
        own, tf_book = rate(row["backend"], row["network"]), rate("tensorflow", row["network"])
        fraction = value * flops_per_sample(features, hidden, classes) / 1e9 / peak
        lines.append(
            f"{head} {value:,.0f} | {_ratio(value, own)} | {_ratio(value, tf_book)} "
            f"| {fraction:.0%} | {row['steps_per_execution']} | {row['peak_rss_mib']:,.0f} MiB |"
        )
    return lines


def _ratio(value: float, base: float | None) -> str:
    return f"{value / base:.2f}x" if base else "-"


def bench_paired(backends: dict[str, str], rounds: int, scale: float) -> list[dict]:
    """Per backend and network, `rounds` processes of `paired_worker`; their ratios pooled."""
    rows = []
    for backend, network in itertools.product(backends, NETWORKS):
        ratios, rates, errors = [], {"book": [], "keras_dl": []}, []
        for round_ in range(rounds):
            print(f"paired {round_ + 1}/{rounds}: {backend}, {network} ...", flush=True)
            result = measure(backends[backend], backend, network, "paired", scale)
            if "error" in result:
                errors.append(result["error"])
                continue
            ratios += result["ratios"]
            for name, rate in result["samples_per_s"].items():
                rates[name].append(rate)
        row = {"backend": backend, "network": network, "ratios": ratios}
        row["device"] = result.get("device", platform.processor())
        if not ratios:
            rows.append({**row, "error": errors[-1] if errors else "no result"})
            continue
        row["samples_per_s"] = {name: statistics.median(r) for name, r in rates.items()}
        rows.append(row)
    return rows


def ratio_interval(ratios: list[float]) -> tuple[float, float, float]:
    """The pairs' geometric mean ratio and its 95% t-interval (on the log ratios)."""
    from scipy import stats

    logs = np.log(ratios)
    mean, low, high = logs.mean(), logs.mean(), logs.mean()
    if len(logs) > 1:
        half = stats.t.ppf(0.975, len(logs) - 1) * logs.std(ddof=1) / np.sqrt(len(logs))
        low, high = mean - half, mean + half
    return float(np.exp(mean)), float(np.exp(low)), float(np.exp(high))


def write_paired(rows: list[dict], out: Path, rounds: int, command: str | None = None) -> None:
    """bench/results/speed-paired-<cpu|gpu>.md (and .json): the paired ratios, with the
    machine's name."""
    lines = [
        "| backend | network | book code, samples/s | keras_dl default, samples/s "
        "| keras_dl / book: median of the pairs | geometric mean, 95% interval "
        "| lowest pair | highest pair | pairs |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        head = f"| {row['backend']} | {row['network']} |"
        if "error" in row:
            lines.append(f"{head} failed: {row['error']} | - | - | - | - | - | - |")
            continue
        rates, ratios = row["samples_per_s"], row["ratios"]
        mean, low, high = ratio_interval(ratios)
        lines.append(
            f"{head} {rates['book']:,.0f} | {rates['keras_dl']:,.0f} "
            f"| {statistics.median(ratios):.2f}x | {mean:.2f}x ({low:.2f}-{high:.2f}) "
            f"| {min(ratios):.2f}x | {max(ratios):.2f}x | {len(ratios)} |"
        )
    command = command or "python bench/speed.py " + " ".join(sys.argv[1:])
    text = "\n".join(
        [
            f"# The book's code against keras_dl's default, paired ({rows[0]['device']})",
            "",
            f"`{command.strip()}`, {time.strftime('%Y-%m-%d')}. Both models in one process "
            f"per round ({rounds} rounds), one epoch each in turn after a warm-up epoch; a "
            "pair's ratio is the book's epoch time over ours (above 1: keras_dl is faster).",
            "",
            *lines,
            "",
        ]
    )
    print(text)
    kind = "gpu" if rows[0]["device"].startswith("GPU") else "cpu"
    path = out / f"speed-paired-{kind}.md"
    path.write_text(text)
    record = {"command": command, "rounds": rounds, "rows": rows}
    path.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {path} and {path.with_suffix('.json').name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds (default 2)")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="fraction of the book's sample counts"
    )
    parser.add_argument(
        "--interpreter",
        action="append",
        default=[],
        metavar="BACKEND=PYTHON",
        help="the Python to run a backend with, e.g. jax=.venv-jax/bin/python",
    )
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    parser.add_argument(
        "--paired-only",
        action="store_true",
        help="only the paired measurement of the book's code against keras_dl's default",
    )
    parser.add_argument("--worker", nargs=2, metavar=("NETWORK", "CONFIG"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        network, config = args.worker
        run = paired_worker if config == "paired" else functools.partial(worker, config=config)
        print(json.dumps(run(network, scale=args.scale)))
        return 0
    interpreters = {}
    for item in args.interpreter:
        backend, _, python = item.partition("=")
        if backend not in BACKENDS or not python:
            parser.error(
                f"--interpreter {item!r}: expected BACKEND=PYTHON, BACKEND one of "
                f"{', '.join(BACKENDS)}"
            )
        interpreters[backend] = python

    backends = installed_backends(interpreters)
    print(f"backends: {', '.join(f'{b} ({p})' for b, p in backends.items())}", flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    paired = bench_paired(backends, args.rounds, args.scale)
    write_paired(paired, out, args.rounds)
    if args.paired_only:
        return 0
    peak = sgemm_peak()
    print(f"sgemm peak (NumPy, float32): {peak:.0f} GFLOP/s", flush=True)
    print("multi-hot encoding ...", flush=True)
    encoding = bench_multi_hot()
    rows = bench_training(backends, args.rounds, args.scale)
    device = next((r["device"] for r in rows if "device" in r), platform.processor())
    command = "python bench/speed.py " + " ".join(sys.argv[1:])
    text = "\n".join(
        [
            f"# Speed benchmark ({device})",
            "",
            f"`{command.strip()}`, {time.strftime('%Y-%m-%d')}; {args.rounds} interleaved "
            f"rounds, each a fresh process; samples/s is the median. sgemm peak "
            f"{peak:.0f} GFLOP/s (NumPy float32 2048 x 2048).",
            "",
            *training_table(rows, peak, args.scale),
            "",
            *encoding,
            "",
        ]
    )
    print(text)
    kind = "gpu" if device.startswith("GPU") else "cpu"
    path = out / f"speed-{kind}.md"
    replaced = " (replacing the previous results)" if path.exists() else ""
    path.write_text(text)
    record = {"sgemm_gflops": peak, "scale": args.scale, "rounds": args.rounds, "rows": rows}
    path.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {path} and {path.with_suffix('.json').name}{replaced}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
