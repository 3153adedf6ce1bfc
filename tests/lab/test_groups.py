"""keras_dl.lab.groups: the one driver of groups of runs (reproduce, sweep), run with a
runner that makes its runs without training anything."""

import json

import pytest

from keras_dl.lab.groups import Group, Member, drive, without_flag
from keras_dl.lab.invocation import Interrupted, Outcome
from keras_dl.records.read import read_group
from keras_dl.records.run import start_run


class FakeRunner:
    """Each member makes one run whose val_loss falls, or ends as told in `ends`."""

    def __init__(self, out, ends=None):
        self.out, self.ends, self.seen = out, ends or {}, []

    def run(self, recipe, argv):
        self.seen.append(list(argv))
        seed = int(argv[argv.index("--seed") + 1])
        end = self.ends.get(seed, "ok")
        if end == "no run":
            return Outcome(2, (), 0.1, "demo.npz is not in the Keras cache")
        run = start_run(recipe, {"arguments": {"seed": seed}}, out=self.out, tag=f"seed{seed}")
        run.save_history({"loss": [1.0, 0.5], "val_loss": [1.2 - seed / 10, 0.9 - seed / 10]})
        if end == "interrupt":
            raise Interrupted(Outcome(130, (run.path,), 0.2, "interrupted"))
        return Outcome(0 if end == "ok" else 3, (run.path,), 0.5)


def members(*seeds):
    return [Member(("--seed", str(s)), {"seed": s}, f"seed {s}") for s in seeds]


def group_record(group):
    return json.loads(group.record_file.read_text())


def test_every_member_is_recorded_with_its_runs_and_the_overlay_drawn(tmp_path, capsys):
    group = Group("reproduce", "demo", tmp_path, {"recipe": "demo"})
    runner = FakeRunner(tmp_path)
    assert drive(group, "demo", members(0, 1, 2), runner=runner, overlay="val_loss") == 0
    record = group_record(group)
    assert record["status"] == "complete" and record["recipe"] == "demo"
    assert [m["seed"] for m in record["members"]] == [0, 1, 2]
    assert [m["runs"] for m in record["members"]] == [
        [f"demo/{path.name}"] for path in sorted((tmp_path / "demo").glob("*-seed*"))
    ]
    assert read_group(group.path).runs() == group.runs()
    assert (group.path / "val_loss.png").is_file() and (group.path / "val_loss.csv").is_file()
    out = capsys.readouterr().out
    assert out.index("=== seed 0") < out.index("=== seed 1") < out.index("=== seed 2")


def test_a_first_member_without_a_run_stops_the_group(tmp_path):
    group = Group("sweep", "demo", tmp_path, {})
    runner = FakeRunner(tmp_path, {0: "no run"})
    assert drive(group, "demo", members(0, 1), runner=runner, overlay="val_loss") == 2
    record = json.loads((group.path / "sweep.json").read_text())
    assert record["status"] == "failed" and len(runner.seen) == 1
    (member,) = record["points"]
    assert member["exit"] == 2 and member["error"] == "demo.npz is not in the Keras cache"
    assert not (group.path / "val_loss.png").exists()


def test_a_later_failure_is_recorded_and_the_others_still_run(tmp_path):
    group = Group("reproduce", "demo", tmp_path, {})
    runner = FakeRunner(tmp_path, {1: "fails"})
    assert drive(group, "demo", members(0, 1, 2), runner=runner) == 3
    record = group_record(group)
    assert record["status"] == "failed" and [m["exit"] for m in record["members"]] == [0, 3, 0]


def test_ctrl_c_records_the_interrupted_member_and_goes_on_up(tmp_path, capsys):
    group = Group("reproduce", "demo", tmp_path, {})
    runner = FakeRunner(tmp_path, {1: "interrupt"})
    with pytest.raises(KeyboardInterrupt):
        drive(group, "demo", members(0, 1, 2), runner=runner)
    record = group_record(group)
    assert record["status"] == "interrupted"
    assert [(m["seed"], m["exit"]) for m in record["members"]] == [(0, 0), (1, 130)]
    assert len(runner.seen) == 2
    assert capsys.readouterr().err.strip().startswith(f"interrupted: {group.path} keeps")


def test_two_groups_started_at_once_get_directories_of_their_own(tmp_path):
    first, second = (Group("reproduce", "demo", tmp_path, {}) for _ in range(2))
    assert first.path != second.path and first.path.parent == second.path.parent


def test_without_flag_drops_the_flag_and_its_value():
    assert without_flag(["--tag", "x", "--epochs", "2", "--tag=y"], "--tag") == ["--epochs", "2"]
