"""Run records written by keras-dl 0.1.0 (tests/records/data/v0.1.0) still read: in the read
API, compare, report, reproduce's judging and --resume."""

import shutil
from pathlib import Path

import pytest

from keras_dl.lab.cli import main as cli
from keras_dl.lab.reproduce import aggregate
from keras_dl.records.compare import compare
from keras_dl.records.read import groups_in, read_group, read_metrics, run_status, runs_in
from keras_dl.records.report import report

OLD = Path(__file__).parent / "data" / "v0.1.0"  # its runs folder, as 0.1.0 left it


@pytest.fixture
def old_runs(tmp_path):
    """A copy of the 0.1.0 records (resume and report write into them)."""
    return Path(shutil.copytree(OLD, tmp_path / "runs"))


def test_runs_and_groups_read(old_runs):
    digits = old_runs / "digits"
    runs = runs_in(digits)
    assert len(runs) == 6
    assert {run_status(run) for run in runs} == {"complete", "interrupted"}
    kinds = {group.kind: group for group in groups_in(digits)}
    assert sorted(kinds) == ["reproduce", "sweep"]
    assert [run.name for run in kinds["reproduce"].runs()] == [
        "20261204-055827-seed0",
        "20261204-055829-seed1",
    ]
    assert [m["point"] for m in kinds["sweep"].members] == [{"--epochs": "1"}, {"--epochs": "2"}]


def test_compare_reads_a_group_and_a_sweep_as_their_runs(old_runs, tmp_path):
    (group,) = compare([old_runs / "digits" / "reproduce-20261204-055827"], out=None)
    assert group["group"] == "digits" and group["n"] == 2
    sweep = read_group(old_runs / "digits" / "sweep-20261204-055850")
    rows = compare([sweep.path], out=tmp_path / "sweep.png", group=False)
    assert [row["run"].rsplit("-", 2)[-2:] for row in rows] == [["epochs", "1"], ["epochs", "2"]]


def test_report_lists_every_old_run_and_group(old_runs, capsys):
    page = report(old_runs).read_text()
    for run in [*runs_in(old_runs / "digits"), *runs_in(old_runs / "encoding")]:
        assert run.name in page
    assert "reproduce-20261204-055827" in page and "sweep-20261204-055850" in page
    assert capsys.readouterr().out.startswith(f"report: {old_runs / 'index.html'} (2 recipes")


def test_reproduce_judges_old_runs_whose_claim_was_the_last_result(old_runs):
    runs = sorted(runs_in(old_runs / "encoding"))  # named by the time they started
    judgements = aggregate(runs)
    assert [j.variant for j in judgements] == [
        "onehot-onehot",
        "label-ordinal",
        "onehot-label",
        "onehot-ordinal",
        "onehot-ordinal",
    ]
    # 0.1.0 kept the claim as the last run's result, its own number beside it: read as that
    # run's figures (a --quick run's: reported, not judged).
    claim = read_metrics(runs[-1])["result"]
    assert [(j.metric, j.verdict) for j in judgements[-2:]] == [
        (claim["metric"], "not judged"),
        ("test MAE (onehot-ordinal)", "no published figure"),
    ]


def test_an_old_interrupted_run_resumes(old_runs):
    run = next(old_runs.glob("digits/*-interrupted"))
    kept = (run / "history.csv").read_text().splitlines()
    assert cli(["run", "digits", "--resume", str(run)]) == 0
    lines = (run / "history.csv").read_text().splitlines()
    assert lines[: len(kept)] == kept and len(lines) == 1 + 5
    assert run_status(run) == "complete"
