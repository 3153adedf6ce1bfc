"""reproduce: a recipe over seeds, one run each, a group record, every figure judged."""

import csv
import json
import re

import numpy as np
import pytest

from keras_dl.lab.cli import main as cli
from keras_dl.lab.reproduce import parse_seeds

LAST_LINE = re.compile(
    r"^(?P<metric>.+) (?P<mean>[\d.]+) ± (?P<std>[\d.]+|n/a) over (?P<n>\d+) seeds "
    r"\[min (?P<min>[\d.]+), max (?P<max>[\d.]+)\]( on \S+)? "
    r"\((?P<source>book, 2nd ed\.[^:]*|notes, [^:]+|identity|DLFS[^:]*): "
    r"(?P<book>.+)\): "
    r"(?P<verdict>inside|outside|stand-in|exact|differs|no published figure)( \(.+\))?$"
)


@pytest.fixture(scope="module")
def reproduced(tmp_path_factory):
    """digits for one epoch over seeds 0, 1, 2 (a few seconds a seed)."""
    out = tmp_path_factory.mktemp("runs")
    code = cli(["reproduce", "digits", "--seeds", "3", "--epochs", "1", "--out", str(out)])
    return code, out


def test_three_member_runs_and_a_group_record(reproduced):
    code, out = reproduced
    assert code == 0
    (group,) = (out / "digits").glob("reproduce-*")
    record = json.loads((group / "group.json").read_text())
    assert record["status"] == "complete" and record["seeds"] == [0, 1, 2]
    assert [m["seed"] for m in record["members"]] == [0, 1, 2]
    runs = [out / run for m in record["members"] for run in m["runs"]]
    assert len(runs) == 3 and all(r.name.endswith(f"-seed{i}") for i, r in enumerate(runs))
    seeds = [json.loads((r / "config.json").read_text())["seed"] for r in runs]
    assert seeds == [0, 1, 2]
    assert (group / "aggregate.csv").is_file() and (group / "val_loss.png").is_file()


def test_the_aggregate_is_recomputed_from_the_members(reproduced):
    _, out = reproduced
    (group,) = (out / "digits").glob("reproduce-*")
    record = json.loads((group / "group.json").read_text())
    accuracies = [
        json.loads((out / run / "metrics.json").read_text())["result"]["value"]
        for member in record["members"]
        for run in member["runs"]
    ]
    (figure,) = record["figures"]
    spread = figure["spread"]
    assert spread["n"] == 3
    assert spread["mean"] == pytest.approx(np.mean(accuracies))
    assert spread["std"] == pytest.approx(np.std(accuracies, ddof=1))
    assert (spread["min"], spread["max"]) == (min(accuracies), max(accuracies))
    assert figure["verdict"] == "stand-in"  # digits stands in for MNIST: never judged
    with (group / "aggregate.csv").open() as f:
        (row,) = list(csv.DictReader(f))
    assert float(row["mean"]) == pytest.approx(spread["mean"]) and row["verdict"] == "stand-in"


def test_the_last_line_parses(reproduced, capsys):
    _, out = reproduced
    (group,) = (out / "digits").glob("reproduce-*")
    record = json.loads((group / "group.json").read_text())
    line = record["figures"][-1]["line"]
    match = LAST_LINE.match(line)
    assert match, line
    assert match["n"] == "3" and match["verdict"] == "stand-in"
    assert match["book"] == "0.978 on MNIST"


def test_a_member_is_the_run_a_user_gets_with_that_seed(reproduced, run_recipe):
    _, out = reproduced
    member = next((out / "digits").glob("*-seed1"))
    _, (alone,) = run_recipe("digits", "--epochs", "1", "--seed", "1", "--no-plots")
    ours = json.loads((member / "metrics.json").read_text())["result"]["value"]
    theirs = json.loads((alone / "metrics.json").read_text())["result"]["value"]
    assert ours == theirs


@pytest.mark.parametrize(
    ("seeds", "expected"), [("1", [0]), ("4", [0, 1, 2, 3]), ("3,7,11", [3, 7, 11])]
)
def test_seeds_are_a_count_or_a_list(seeds, expected):
    assert parse_seeds(seeds) == expected


@pytest.mark.parametrize("seeds", ["0", "-2", "3,3", "a,b", "1.5", ""])
def test_bad_seeds_are_refused_in_one_line(seeds, capsys, tmp_path):
    code = cli(["reproduce", "digits", "--seeds", seeds, "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert (
        code == 2 and err.startswith(f"error: --seeds {seeds}: expected") and "Traceback" not in err
    )
    assert not (tmp_path / "digits").exists()


@pytest.mark.parametrize("flag", [["--seed", "3"], ["--resume", "runs/digits/x"]])
def test_flags_reproduce_sets_itself_are_refused(flag, capsys, tmp_path):
    code = cli(["reproduce", "digits", "--seeds", "2", *flag, "--out", str(tmp_path)])
    assert code == 2 and capsys.readouterr().err.startswith(f"error: {flag[0]} ")


def test_a_missing_dataset_stops_after_the_first_seed(capsys, tmp_path):
    code = cli(["reproduce", "mnist", "--seeds", "3", "--out", str(tmp_path)])
    assert code == 2
    assert "mnist.npz" in capsys.readouterr().err
    # mnist is digits --dataset mnist: its runs, and its groups, are the digits recipe's
    (group,) = (tmp_path / "digits").glob("reproduce-*")
    record = json.loads((group / "group.json").read_text())
    assert record["status"] == "failed" and len(record["members"]) == 1
    (member,) = record["members"]
    assert member["exit"] == 2 and member["runs"] == [] and "mnist.npz" in member["error"]
