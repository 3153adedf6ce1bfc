"""compare(): best epochs on histories with known optima, the overlay and the table."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from keras_dl import compare
from keras_dl.records.curves import best_epoch, group_curve, metric_mode, smooth_curve
from keras_dl.records.labels import run_labels
from keras_dl.records.run import start_run


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


def make_seeded_run(root, seed: int, val_loss, **arguments):
    """A recipe-like run: config.json with its arguments (the seed among them)."""
    config = {"arguments": {"seed": seed, "tag": f"seed{seed}", **arguments}, "variant": None}
    run = start_run("demo", config, out=root, tag=f"{arguments.get('lr', 'x')}-seed{seed}")
    run.save_history({"loss": np.linspace(1, 0.1, len(val_loss)), "val_loss": val_loss})
    return run.path


SEED_CURVES = {  # per seed: val_loss with its minimum at epochs 2, 3, 4
    0: [0.9, 0.4, 0.5, 0.6, 0.7],
    1: [1.0, 0.6, 0.3, 0.5, 0.8],
    2: [0.8, 0.7, 0.6, 0.5, 0.9],
}


@pytest.fixture
def two_groups(tmp_path):
    """Two seed groups (lr 0.1 and lr 0.2), three seeds each; lr 0.2 is lr 0.1 plus 0.25."""
    runs = {}
    for lr, shift in ((0.1, 0.0), (0.2, 0.25)):
        runs[lr] = [
            make_seeded_run(tmp_path, seed, np.add(curve, shift), lr=lr)
            for seed, curve in SEED_CURVES.items()
        ]
    return runs


def test_runs_that_differ_only_in_the_seed_form_one_group(two_groups, tmp_path):
    rows = compare(two_groups[0.1], out=tmp_path / "group.png")
    (row,) = rows
    assert row["group"] == "demo" and row["n"] == 3
    assert (row["best_epoch_mean"], row["best_epoch_min"], row["best_epoch_max"]) == (3.0, 2, 4)
    best = [0.4, 0.3, 0.5]  # each seed's minimum
    assert row["best_value_mean"] == pytest.approx(np.mean(best))
    assert row["best_value_std"] == pytest.approx(np.std(best, ddof=1))
    assert row["last_value_mean"] == pytest.approx(np.mean([0.7, 0.8, 0.9]))
    with (tmp_path / "group.csv").open() as f:
        assert next(csv.reader(f))[0] == "group"


def test_the_group_curve_band_and_best_epoch_are_exact():
    curves = [np.array(c) for c in SEED_CURVES.values()]
    group = group_curve(curves, "val_loss")
    assert group.mean == pytest.approx(np.mean(curves, axis=0))
    assert group.low.tolist() == np.min(curves, axis=0).tolist()
    assert group.high.tolist() == np.max(curves, axis=0).tolist()
    mean = np.mean(curves, axis=0)
    assert group.best == (int(np.argmin(mean)) + 1, pytest.approx(mean.min()))
    std = group_curve(curves, "val_loss", band="std")
    assert std.high - std.mean == pytest.approx(np.std(curves, axis=0, ddof=1))
    # A shorter run counts where it has epochs; its missing epochs are not zeros.
    short = group_curve([np.array([1.0, 2.0, 3.0]), np.array([3.0])], "val_loss")
    assert short.mean.tolist() == [2.0, 2.0, 3.0]


def test_two_groups_get_a_welch_interval_of_their_difference(two_groups, tmp_path, capsys):
    rows = compare([*two_groups[0.1], *two_groups[0.2]], out=tmp_path / "two.png")
    first, second, difference = rows
    assert (first["group"], second["group"]) == ("demo lr=0.1", "demo lr=0.2")
    expected = stats.ttest_ind([0.4, 0.3, 0.5], [0.65, 0.55, 0.75], equal_var=False)
    interval = expected.confidence_interval(0.95)
    assert difference["best_value_mean"] == pytest.approx(-0.25)
    assert (difference["ci_low"], difference["ci_high"]) == (
        pytest.approx(interval.low, abs=1e-6),
        pytest.approx(interval.high, abs=1e-6),
    )
    assert difference["excludes_zero"] == ("yes" if interval.high < 0 else "no")
    assert "Welch 95% interval" in capsys.readouterr().out


def test_two_identical_groups_give_an_interval_containing_zero(tmp_path):
    runs = [
        make_seeded_run(tmp_path, seed, curve, lr=lr)
        for lr in (0.1, 0.2)
        for seed, curve in SEED_CURVES.items()
    ]
    *_, difference = compare(runs, out=None)
    assert difference["ci_low"] < 0 < difference["ci_high"]
    assert difference["excludes_zero"] == "no"


def test_no_group_shows_every_run_and_a_reproduce_group_stands_for_its_members(
    two_groups, tmp_path
):
    rows = compare(two_groups[0.1], out=None, group=False)
    assert len(rows) == 3 and "run" in rows[0]
    group = tmp_path / "demo" / "reproduce-x"
    group.mkdir()
    members = [{"seed": s, "runs": [f"demo/{p.name}"]} for s, p in enumerate(two_groups[0.1])]
    (group / "group.json").write_text(json.dumps({"members": members}))
    (row,) = compare([group], out=None)
    assert row["n"] == 3
    with pytest.raises(ValueError, match="band='iqr'"):
        compare([group], out=None, band="iqr")


def test_legend_labels_name_what_differs_between_the_runs(tmp_path):

    runs = [
        make_seeded_run(tmp_path, 0, [0.5, 0.4], lr=0.1, epochs=2),
        make_seeded_run(tmp_path, 0, [0.5, 0.3], lr=0.2, epochs=2),
        make_seeded_run(tmp_path, 1, [0.5, 0.2], lr=0.2, epochs=2),
    ]
    assert run_labels(runs) == ["seed=0 lr=0.1", "seed=0 lr=0.2", "seed=1 lr=0.2"]
    # Nothing differs: the tag, and the run's folder to keep the two apart.
    same = [make_seeded_run(tmp_path / "same", 0, [0.5], lr=0.1) for _ in range(2)]
    assert run_labels(same) == [f"seed0 (demo/{p.name})" for p in same]
    plain = make_run(tmp_path / "plain", "a", [0.9, 0.5], [0.6, 0.7])
    assert run_labels([plain]) == [f"demo/{plain.name}"]


@pytest.mark.parametrize("flag, scale", [([], "log"), (["--linear"], "linear")])
def test_a_metric_spanning_decades_gets_a_log_axis_unless_told(tmp_path, flag, scale):

    runs = [
        make_run(tmp_path, "a", [5.0, 0.5, 1e-3, 1e-5], [0.1, 0.5, 0.9, 1.0]),
        make_run(tmp_path, "b", [4.0, 1.0, 0.1, 0.01], [0.1, 0.3, 0.6, 0.8]),
    ]
    out = tmp_path / "overlay.png"
    done = subprocess.run(
        [sys.executable, "-m", "keras_dl", "compare", *map(str, runs), "--out", str(out), *flag],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    figure = captured_figure(runs, tmp_path, log=None if not flag else False)
    assert figure.axes[0].get_yscale() == scale


def captured_figure(runs, tmp_path, **kwargs):
    """The figure compare draws (its curves_figure call), for a look at its axes."""
    from unittest import mock

    from keras_dl.records import compare as module

    drawn = []
    original = module.curves_figure

    def keep(*args, **kw):
        drawn.append(original(*args, **kw))
        return drawn[-1]

    with mock.patch.object(module, "curves_figure", keep):
        compare(runs, out=tmp_path / "again.png", **kwargs)
    return drawn[0]


@pytest.mark.parametrize(
    ("metric", "mode"),
    [
        ("val_cosine_similarity", "max"),
        ("true_positives", "max"),
        ("val_false_negatives", "min"),
        ("val_crossentropy", "min"),
        ("val_sparse_categorical_accuracy", "max"),
        ("mean_absolute_percentage_error", "min"),
    ],
)
def test_a_metric_name_says_which_way_is_better(metric, mode):
    assert metric_mode(metric) == mode


def test_a_metric_whose_name_says_neither_way_needs_a_mode(tmp_path):
    runs = [make_run(tmp_path, "a", [0.9, 0.5], [0.2, 0.8])]
    history = runs[0] / "history.csv"
    history.write_text("epoch,score\n1,0.2\n2,0.8\n")
    with pytest.raises(ValueError, match=r"metric='score'.*mode='min' or mode='max'"):
        compare(runs, metric="score", out=None)
    (row,) = compare(runs, metric="score", out=None, mode="max")
    assert (row["best_epoch"], row["best_value"]) == (2, 0.8)
    with pytest.raises(ValueError, match="mode='up': expected 'min' or 'max'"):
        metric_mode("score", "up")


def test_a_run_listed_twice_counts_once(tmp_path):
    run = make_run(tmp_path, "a", [0.9, 0.5], [0.2, 0.8])
    (row,) = compare([run, tmp_path / "demo" / ".." / "demo" / run.name], out=None)
    assert row["best_value"] == 0.5


def test_a_recipes_main_run_beside_its_variant_is_labelled_by_the_recipe_not_its_tag(tmp_path):
    # reuters --quick: the 64-64 run (no variant) and the bottleneck variant, both tagged
    # "quick"; the main run was labelled "quick", as if it were the quick one of the two.
    arguments = {"seed": 0, "tag": "quick", "quick": True}
    main = start_run("reuters", {"arguments": arguments, "variant": None}, out=tmp_path, tag="q")
    variant = start_run(
        "reuters", {"arguments": arguments, "variant": "bottleneck"}, out=tmp_path, tag="q-b"
    )
    assert run_labels([main.path, variant.path]) == ["reuters", "bottleneck"]
