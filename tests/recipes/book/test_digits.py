"""The digits recipe: end to end through the CLI, its accuracy, and its repeatability."""

import json
import os
import re
import subprocess
import sys

import pytest

from keras_dl.lab.registry import load_recipe

BOOK = load_recipe("digits").BOOK


def test_quick_run_through_the_cli_as_a_user_would(tmp_path, assert_complete_run):
    # A user's shell sets no TF_CPP_MIN_LOG_LEVEL (the test session does): the CLI starts
    # quiet on its own.
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    done = subprocess.run(
        [sys.executable, "-m", "keras_dl", "run", "digits", "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    assert any(re.match(r"\[digits\] backend \w+, (CPU|GPU)", line) for line in lines)
    assert lines[-1].startswith("test accuracy ")
    # A smoke run's number is not set beside the book's as if it were a result.
    assert lines[-1].endswith(
        "on digits (--quick smoke run: not comparable with any published figure)"
    )
    assert BOOK.text() not in lines[-1]
    # Nothing of the backend's start-up log (TensorFlow's oneDNN and CUDA lines).
    for noise in ("oneDNN", "cuda", "absl::InitializeLog", "I0000", "E0000"):
        assert noise not in done.stderr
    (run_dir,) = (tmp_path / "digits").iterdir()
    assert run_dir.name.endswith("-quick")
    assert_complete_run(run_dir)


def test_default_settings_reach_094_on_digits(run_recipe):
    code, (run_dir,) = run_recipe("digits", "--no-plots")
    assert code == 0
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["result"]["dataset"] == "digits"
    assert metrics["result"]["same_dataset"] is False
    assert metrics["result"]["inside"] is None  # a stand-in's number is never judged
    assert metrics["test"]["accuracy"] >= 0.94  # seeds 0-4: 0.948 to 0.970


def test_same_seed_repeats_the_test_metrics(run_recipe):
    runs = [run_recipe("digits", "--quick", "--no-plots", "--seed", "3")[1] for _ in range(2)]
    first, second = (json.loads((r[-1] / "metrics.json").read_text())["test"] for r in runs)
    assert first.keys() == second.keys()
    for key in first:
        assert first[key] == pytest.approx(second[key], abs=1e-6)


def test_mnist_offline_says_which_file_to_put_where(run_recipe, capsys):
    code, run_dirs = run_recipe("digits", "--dataset", "mnist")
    assert code == 2
    assert run_dirs == []
    err = capsys.readouterr().err
    assert "mnist.npz" in err and "datasets" in err and "--dataset digits" in err
    assert "Traceback" not in err
