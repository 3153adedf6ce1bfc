"""keras_dl.lab.sweep: a recipe over a grid of its flags, one tagged run per point, one overlay."""

import json

import pytest

from keras_dl.lab import cli
from keras_dl.lab.sweep import grid_points, parse_grid, point_tag


def test_a_grid_gives_every_combination_with_a_tag_each():

    grid = parse_grid(["epochs=5,10", "--batch-size=32, 128"])
    assert grid == {"--epochs": ["5", "10"], "--batch-size": ["32", "128"]}
    points = grid_points(grid)
    assert [point_tag(p) for p in points] == [
        "epochs-5_batch-size-32",
        "epochs-5_batch-size-128",
        "epochs-10_batch-size-32",
        "epochs-10_batch-size-128",
    ]
    assert point_tag(points[0], "wide") == "wide-epochs-5_batch-size-32"


@pytest.mark.parametrize(
    "texts, words",
    [
        ([], "none given"),
        (["epochs"], "expected FLAG=V1,V2"),
        (["epochs=5,,10"], "expected FLAG=V1,V2"),
        (["Epochs=5"], "expected FLAG=V1,V2"),
        (["epochs=5", "epochs=10"], "--epochs is in the grid twice"),
        (["epochs=5,5"], "a value is given twice"),
        (["tag=a,b"], "sweep sets --tag itself"),
        (["optimizer=sgd/2"], "value 'sgd/2' cannot name a run"),
    ],
)
def test_a_bad_grid_is_refused_with_what_was_expected(texts, words):

    with pytest.raises(ValueError, match=None) as raised:
        parse_grid(texts)
    assert words in str(raised.value)


def test_sweep_runs_each_point_tagged_and_overlays_them(tmp_path, capsys):

    out = tmp_path / "runs"
    argv = ["sweep", "digits", "--grid", "epochs=1,2", "--grid", "batch-size=256"]
    assert cli.main([*argv, "--quick", "--out", str(out)]) == 0
    (group,) = (out / "digits").glob("sweep-*")
    record = json.loads((group / "sweep.json").read_text())
    assert record["status"] == "complete" and len(record["points"]) == 2
    for point in record["points"]:
        (run,) = point["runs"]
        config = json.loads((out / run / "config.json").read_text())
        assert point["exit"] == 0 and run.endswith(point_tag(point["point"]))
        assert config["arguments"]["epochs"] == int(point["point"]["--epochs"])
        assert config["arguments"]["batch_size"] == int(point["point"]["--batch-size"])
    assert (group / "val_loss.png").is_file()
    rows = (group / "val_loss.csv").read_text().splitlines()
    assert len(rows) == 1 + 2  # the header, then a row per point's run
    assert "=== point 2 of 2: --epochs 2 --batch-size 256" in capsys.readouterr().out


def test_a_flag_the_recipe_lacks_stops_the_sweep_at_the_first_point(tmp_path, capsys):

    out = tmp_path / "runs"
    code = cli.main(["sweep", "digits", "--grid", "learning-rate=0.1,1", "--out", str(out)])
    assert code == 2
    assert "unrecognized arguments: --learning-rate 0.1" in capsys.readouterr().err
    (group,) = (out / "digits").glob("sweep-*")
    record = json.loads((group / "sweep.json").read_text())
    assert record["status"] == "failed" and len(record["points"]) == 1


@pytest.mark.parametrize(
    "extra, words",
    [
        (
            ["--grid", "epochs=1,2", "--epochs", "3"],
            "--epochs: given both in --grid and on its own",
        ),
        (["--grid", "epochs=1", "--resume", "x"], "--resume x: resume one point's run with `run`"),
        (["--grid", "epochs"], "--grid 'epochs': expected FLAG=V1,V2"),
    ],
)
def test_the_cli_refuses_a_bad_sweep_in_one_line(tmp_path, capsys, extra, words):

    assert cli.main(["sweep", "digits", *extra, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and words in err[0]


def test_a_grid_value_quick_would_cap_stops_the_sweep_before_any_run(tmp_path, capsys):
    # Under --quick, epochs=3,6 would both train 2 epochs under the tags epochs-3 and
    # epochs-6: the first point refuses, so no run carries a label that says otherwise.
    out = tmp_path / "runs"
    argv = ["sweep", "digits", "--grid", "epochs=3,6", "--quick", "--out", str(out)]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "error: --epochs 3: --quick runs with --epochs 2 at most" in err
    assert not list((out / "digits").glob("*/config.json"))  # no run was made
    (group,) = (out / "digits").glob("sweep-*")
    record = json.loads((group / "sweep.json").read_text())
    assert record["status"] == "failed" and len(record["points"]) == 1
