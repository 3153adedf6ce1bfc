"""make bench: the book's code and keras_dl side by side, the ratios and the peak fraction."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import keras
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "speed.py"


@pytest.fixture(scope="module")
def speed():
    spec = importlib.util.spec_from_file_location("speed", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_flops_per_sample_counts_every_weight_six_times(speed):
    # ch. 2: 784 x 512 + 512 x 10 weights; the 146 GFLOP for an epoch of 60,000.
    assert speed.flops_per_sample(784, (512,), 10) == 6 * (784 * 512 + 512 * 10)
    assert 60000 * speed.flops_per_sample(784, (512,), 10) / 1e9 == pytest.approx(146.4, 0.01)


def test_the_table_gives_each_ratio_and_the_peak_fraction(speed):
    def row(backend, config, rate, **extra):
        return {
            "backend": backend, "network": "ch2 Dense 512-10", "config": config,
            "samples_per_s": rate, "steps_per_execution": 1, "peak_rss_mib": 900.0, **extra,
        }  # fmt: skip

    rows = [
        row("tensorflow", "book", 20000.0),
        row("tensorflow", "keras_dl", 32000.0),
        row("jax", "book", 32000.0),
        row("jax", "keras_dl", 40000.0),
        {"backend": "torch", "network": "ch2 Dense 512-10", "config": "keras_dl + xla",
         "error": "ValueError: xla=True: the torch backend does not compile with XLA"},
    ]  # fmt: skip
    flops = speed.flops_per_sample(784, (512,), 10)
    lines = speed.training_table(rows, peak=flops * 40000 / 1e9 / 0.5, scale=1.0)
    assert lines[2].startswith("| tensorflow | ch2 Dense 512-10 | book | 20,000 | 1.00x | 1.00x")
    assert "| 32,000 | 1.60x | 1.60x | 40% |" in lines[3]
    assert "| jax | ch2 Dense 512-10 | keras_dl | 40,000 | 1.25x | 2.00x | 50% |" in lines[5]
    assert "failed: ValueError: xla=True" in lines[6]


def test_a_worker_measures_keras_dl_in_a_fresh_process(speed):
    """One measurement as make bench takes it: a subprocess on this backend, tiny data."""
    result = speed.measure(
        sys.executable, keras.backend.backend(), "imdb Dense 16-16-1", "keras_dl", scale=0.07
    )
    assert "error" not in result, result
    assert result["samples_per_s"] > 0 and result["peak_rss_mib"] > 0
    assert result["backend"] == keras.backend.backend()
    # 1,050 rows in batches of 512: 3 batches, a whole epoch per call without progress bar
    assert result["steps_per_execution"] == (1 if keras.backend.backend() == "torch" else 3)


def test_a_bad_interpreter_argument_is_one_line():
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--interpreter", "mxnet=python"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "--interpreter 'mxnet=python': expected BACKEND=PYTHON" in done.stderr.splitlines()[-1]


def test_the_paired_measurement_times_both_models_in_one_process(speed, tmp_path, capsys):
    result = speed.measure(
        sys.executable, keras.backend.backend(), "imdb Dense 16-16-1", "paired", scale=0.07
    )
    assert "error" not in result, result
    assert len(result["ratios"]) == speed.PAIRED_EPOCHS["imdb Dense 16-16-1"]
    assert all(ratio > 0 for ratio in result["ratios"])
    row = {
        "backend": result["backend"],
        "network": "imdb Dense 16-16-1",
        "ratios": [0.9, 1.2, 1.1],
        "samples_per_s": {"book": 20000.0, "keras_dl": 22000.0},
        "device": result["device"],
    }
    speed.write_paired([row], tmp_path, rounds=1)
    text = (tmp_path / "speed-paired-cpu.md").read_text()
    assert text.startswith(
        f"# The book's code against keras_dl's default, paired ({row['device']})"
    )
    assert "| 20,000 | 22,000 | 1.10x | 1.06x (0.73-1.53) | 0.90x | 1.20x | 3 |" in text
