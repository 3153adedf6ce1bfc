"""compare(): best epochs on histories with known optima, the overlay and the table."""

import csv
import subprocess
import sys

import numpy as np
import pytest

from keras_dl import compare
from keras_dl.curves import best_epoch, metric_mode, smooth_curve
from keras_dl.runs import start_run


def make_run(root, name: str, val_loss, val_accuracy):
    run = start_run("demo", {}, out=root, tag=name)
    run.save_history(
        {
            "loss": np.linspace(1, 0.1, len(val_loss)),
            "val_loss": val_loss,
            "val_accuracy": val_accuracy,
        }
    )
    return run.path


@pytest.fixture
def two_runs(tmp_path):
    a = make_run(tmp_path, "a", [0.9, 0.5, 0.3, 0.4, 0.6], [0.6, 0.7, 0.9, 0.8, 0.7])
    b = make_run(tmp_path, "b", [1.0, 0.8, 0.7, 0.6, 0.55, 0.58], [0.5, 0.6, 0.65, 0.7, 0.75, 0.74])
    return a, b


def test_compare_finds_the_best_epochs_and_writes_png_and_csv(two_runs, tmp_path, capsys):
    out = tmp_path / "cmp" / "loss.png"
    rows = compare(two_runs, metric="val_loss", out=out)
    assert [(r["best_epoch"], r["best_value"], r["last_value"]) for r in rows] == [
        (3, 0.3, 0.6),
        (5, 0.55, 0.58),
    ]
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with out.with_suffix(".csv").open() as f:
        table = list(csv.DictReader(f))
    assert [row["best_epoch"] for row in table] == ["3", "5"]
    assert table[0]["run"].startswith("demo/") and table[0]["run"].endswith("-a")
    assert "run,best_epoch,best_value,last_value" in capsys.readouterr().out


def test_accuracy_like_metrics_are_maximized(two_runs, tmp_path):
    rows = compare(two_runs, metric="val_accuracy", out=tmp_path / "acc.png")
    assert [r["best_epoch"] for r in rows] == [3, 5]


def test_smoothing_is_applied_before_finding_the_best(tmp_path):
    noisy = make_run(tmp_path, "noisy", [1.0, 0.2, 1.0, 0.5, 0.45, 0.44], [0.5] * 6)
    (raw,) = compare([noisy], out=None)
    (smoothed,) = compare([noisy], smooth=0.6, out=None)
    assert raw["best_epoch"] == 2
    assert smoothed["best_epoch"] == 6


def test_compare_never_overwrites_unless_asked(two_runs, tmp_path):
    out = tmp_path / "c.png"
    compare(two_runs, out=out)
    with pytest.raises(FileExistsError, match="c.png exists.*pass --overwrite"):
        compare(two_runs, out=out)
    before = out.with_suffix(".csv").read_text()
    compare(two_runs[:1], out=out, overwrite=True)
    after = out.with_suffix(".csv").read_text()
    assert after != before and len(after.splitlines()) == 2
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["c.csv", "c.png"]


def test_overwrite_replaces_only_what_compare_wrote(two_runs, tmp_path):
    out = tmp_path / "results.png"
    compare(two_runs, out=out)
    users = tmp_path / "results.csv"
    users.unlink()
    users.write_text("my,own,numbers\n1,2,3\n")
    with pytest.raises(FileExistsError, match="not written by compare"):
        compare(two_runs, out=out, overwrite=True)
    assert users.read_text() == "my,own,numbers\n1,2,3\n"
    picture = tmp_path / "holiday.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n not ours")
    with pytest.raises(FileExistsError, match="not written by compare"):
        compare(two_runs, out=picture, overwrite=True)
    assert picture.read_bytes().endswith(b"not ours")


def test_compare_never_writes_into_a_run_directory(two_runs):
    history = two_runs[0] / "history.csv"
    before = history.read_text()
    with pytest.raises(ValueError, match="inside the run directory"):
        compare(two_runs, out=two_runs[0] / "history.png", overwrite=True)
    assert history.read_text() == before
    assert sorted(p.name for p in two_runs[0].iterdir()) == ["config.json", "history.csv"]


def test_nan_epochs_are_skipped_and_counted(tmp_path):
    nan = float("nan")
    run = make_run(tmp_path, "nan", [0.9, nan, 0.5, 0.3, 0.6], [0.5] * 5)
    (raw,) = compare([run], out=None)
    assert (raw["best_epoch"], raw["best_value"], raw["nan_epochs"]) == (4, 0.3, 1)
    np.testing.assert_allclose(smooth_curve([1.0, nan, 0.0], 0.5), [1.0, nan, 0.5])
    (smoothed,) = compare([run], smooth=0.5, out=None)
    assert (smoothed["best_epoch"], smoothed["best_value"], smoothed["last_value"]) == (
        4,
        0.5,
        0.55,
    )
    empty = make_run(tmp_path, "empty", [nan, nan], [0.5, 0.5])
    with pytest.raises(ValueError, match="no finite value"):
        compare([empty], out=None)


def test_the_table_says_how_each_run_ended(two_runs, tmp_path):
    (two_runs[0] / "metrics.json").write_text('{"status": "interrupted"}')
    (two_runs[1] / "metrics.json").write_text("{}")
    killed = make_run(tmp_path, "killed", [0.9, 0.8], [0.5, 0.6])
    rows = compare([*two_runs, killed], out=None)
    assert [row["status"] for row in rows] == ["interrupted", "complete", "partial"]


def test_compare_names_a_missing_metric_and_bad_arguments(two_runs, tmp_path):
    with pytest.raises(ValueError, match="metric='val_mae'.*has: loss, val_loss, val_accuracy"):
        compare(two_runs, metric="val_mae", out=None)
    with pytest.raises(ValueError, match="out='x.jpg'"):
        compare(two_runs, out="x.jpg")
    with pytest.raises(ValueError, match="smooth=1.0"):
        compare(two_runs, smooth=1.0, out=None)
    with pytest.raises(ValueError, match="run_dirs is empty"):
        compare([], out=None)


def test_helpers():
    assert metric_mode("val_loss") == "min" and metric_mode("val_mae") == "min"
    assert metric_mode("val_accuracy") == "max" and metric_mode("auc") == "max"
    assert best_epoch([3.0, 1.0, 2.0], "loss") == (2, 1.0)
    np.testing.assert_allclose(smooth_curve([1.0, 0.0, 0.0], 0.5), [1.0, 0.5, 0.25])


def test_curves_does_not_import_tensorflow_or_keras():
    code = (
        "import sys, keras_dl.curves; "
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
