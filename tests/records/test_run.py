"""Run directories: naming, never overwriting, atomic files, cleanup of failed runs."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from keras_dl.records.files import atomic_replace, atomic_write, history_csv
from keras_dl.records.read import read_history
from keras_dl.records.run import start_run


def test_run_directory_name_and_config(tmp_path):
    run = start_run("demo", {"seed": 3}, out=tmp_path, tag="lr-0.01")
    assert run.path.parent == tmp_path / "demo"
    stamp, _, tag = run.path.name.partition("-lr")
    assert len(stamp) == len("20261123-101500") and stamp[8] == "-" and tag == "-0.01"
    assert json.loads((run.path / "config.json").read_text()) == {"recipe": "demo", "seed": 3}
    assert run.name == f"demo/{run.path.name}"


def test_a_second_run_never_overwrites_the_first(tmp_path):
    first = start_run("demo", {"n": 1}, out=tmp_path, tag="same")
    first.save_metrics({"value": 1})
    second = start_run("demo", {"n": 2}, out=tmp_path, tag="same")
    assert second.path != first.path
    assert json.loads((first.path / "config.json").read_text())["n"] == 1
    assert json.loads((first.path / "metrics.json").read_text())["value"] == 1
    with pytest.raises(FileExistsError, match="never overwritten"):
        first.save_metrics({"value": 3})
    assert json.loads((first.path / "metrics.json").read_text())["value"] == 1


def test_many_runs_in_one_second_get_distinct_directories(tmp_path):
    paths = {start_run("demo", {}, out=tmp_path).path for _ in range(5)}
    assert len(paths) == 5


def test_a_failed_run_keeps_what_it_finished_and_says_why(tmp_path):
    with pytest.raises(RuntimeError), start_run("demo", {}, out=tmp_path) as run:
        run.save_history({"loss": [1.0, 0.5]})
        raise RuntimeError("training diverged")
    metrics = json.loads((run.path / "metrics.json").read_text())
    assert metrics["status"] == "failed" and metrics["epochs_finished"] == 2
    assert metrics["error"] == "RuntimeError: training diverged"
    assert sorted(p.name for p in run.path.iterdir()) == [
        "config.json",
        "history.csv",
        "metrics.json",
    ]


def test_an_interrupted_run_is_marked_and_a_run_that_finished_nothing_is_removed(tmp_path):
    with pytest.raises(KeyboardInterrupt), start_run("demo", {}, out=tmp_path) as run:
        run.save_history({"loss": [1.0]})
        raise KeyboardInterrupt
    assert json.loads((run.path / "metrics.json").read_text())["status"] == "interrupted"
    with pytest.raises(RuntimeError), start_run("empty", {}, out=tmp_path):
        raise RuntimeError("failed before the first epoch")
    assert list((tmp_path / "empty").iterdir()) == []


def test_atomic_write_leaves_no_partial_file_when_writing_fails(tmp_path):
    target = tmp_path / "out.bin"

    def explode(f):
        f.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, explode)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("tag", ["a b", "../up", "-x", "", "x/y"])
def test_bad_tags_are_refused(tmp_path, tag):
    with pytest.raises(ValueError, match="tag="):
        start_run("demo", {}, out=tmp_path, tag=tag)


def test_history_round_trips_through_csv(tmp_path):
    history = {"loss": [0.9, 0.5, 0.4], "accuracy": [0.5, 0.75, 0.8], "val_loss": [1.0, 0.7, 0.8]}
    run = start_run("demo", {}, out=tmp_path)
    run.save_history(history)
    text = (run.path / "history.csv").read_text().splitlines()
    assert text[0] == "epoch,loss,accuracy,val_loss"
    assert text[1] == "1,0.9,0.5,1"
    read = read_history(run.path)
    np.testing.assert_array_equal(read["epoch"], [1, 2, 3])
    for key, values in history.items():
        np.testing.assert_allclose(read[key], values)


def test_history_columns_must_have_equal_lengths():
    with pytest.raises(ValueError, match="different lengths"):
        history_csv({"loss": [1.0, 2.0], "val_loss": [1.0]})


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("epoch,loss,val_loss\n1,0.9,1.0\n2,0.5\n3,0.4,0.3\n", "row 3: expected 3 values"),
        ("epoch,loss,val_loss\n1,0.9,1.0\n2,oops,0.7\n", "row 3, column 'loss': 'oops'"),
        ("epoch,loss,val_loss\n", "has no epochs"),
    ],
)
def test_a_damaged_history_names_the_file_row_and_column(tmp_path, text, words):
    (tmp_path / "history.csv").write_text(text)
    with pytest.raises(ValueError, match=words) as err:
        read_history(tmp_path)
    assert str(tmp_path / "history.csv") in str(err.value)


def test_atomic_replace_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "table.csv"
    target.write_bytes(b"old")

    def explode(f):
        f.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_replace(target, explode)
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["table.csv"]
    atomic_replace(target, lambda f: f.write(b"new"))
    assert target.read_bytes() == b"new"


def test_reading_a_missing_run_says_what_was_expected(tmp_path):
    with pytest.raises(FileNotFoundError, match="expected a run directory"):
        read_history(tmp_path / "nope")


def test_temporaries_of_killed_writes_are_swept_by_the_next_run(tmp_path):
    old = start_run("demo", {}, out=tmp_path)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    ).stdout.strip()
    stale = old.path / f".metrics.json.{dead}.keras-dl.tmp"
    stale.write_text("half")
    live = old.path / f".curves.png.{os.getpid()}.keras-dl.tmp"  # a write still under way
    live.write_text("writing")
    start_run("demo", {}, out=tmp_path)
    assert not stale.exists() and live.exists()
