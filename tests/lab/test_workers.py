"""Members of a group on worker processes (--jobs): the same figures as one after another,
a worker that dies costs its member alone, Ctrl-C keeps what finished, and --resume runs
only what is missing."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from keras_dl.lab import cli
from keras_dl.lab.reproduce import reproduce, resume
from keras_dl.lab.workers import parse_jobs, threads_per_worker
from keras_dl.records.read import read_group, read_metrics, run_status

# A recipe that trains nothing: it records its seed, and at the seeds its environment names
# it dies by SIGKILL, fails, or takes an epoch a second for a while (to be interrupted).
TOY = '''"""Toy recipe for the workers' tests"""

import os
import signal
import time

from keras_dl import recipe

BOOK = recipe.BookFigure("seed", (0, 100), "toy", "tests", band=(0, 100), origin="text")


@recipe.command
def main(argv=None):
    args = recipe.parser(__doc__, epochs=1).parse_args(argv)
    if str(args.seed) in os.environ.get("TOY_KILL", "").split(","):
        os.kill(os.getpid(), signal.SIGKILL)
    if str(args.seed) in os.environ.get("TOY_FAIL", "").split(","):
        raise recipe.RunRefusedError(f"seed {args.seed} is told to fail")
    with recipe.start("toy", args, dataset="toy") as run:
        log = run.epoch_log()
        for epoch in range(args.epochs):
            time.sleep(float(os.environ.get("TOY_EPOCH_S", "0")))
            log.append({"loss": 1.0 / (epoch + 1)})
        run.finish(metrics={}, result=run.result("seed", float(args.seed), BOOK))
    return 0
'''


@pytest.fixture
def toy(tmp_path, monkeypatch):
    folder = tmp_path / "recipes"
    folder.mkdir()
    (folder / "toy.py").write_text(TOY)
    monkeypatch.setenv("KERAS_DL_RECIPES", str(folder))
    return tmp_path / "runs"


def members(group_dir):
    found = read_group(group_dir)
    return found, {m["seed"]: m for m in found.members}


def test_jobs_is_a_count_or_auto():
    assert parse_jobs("3") == 3
    assert parse_jobs("auto", cores=2, memory_gb=24.0) == 2
    assert parse_jobs("auto", cores=64, memory_gb=7.0) == 2  # memory caps it (2.5 GB each)
    assert parse_jobs("auto", cores=8, memory_gb=0.5) == 1
    for bad in ("0", "-1", "two", "1000"):
        with pytest.raises(ValueError, match=f"--jobs {bad}: expected a number of workers"):
            parse_jobs(bad)
    assert threads_per_worker(2, cores=2) == 1 and threads_per_worker(4, cores=16) == 4


def test_a_bad_jobs_value_is_one_error_line(capsys):
    assert cli.main(["reproduce", "digits", "--seeds", "2", "--jobs", "zero"]) == 2
    assert capsys.readouterr().err.startswith("error: --jobs zero: expected a number")


def test_a_member_whose_worker_dies_is_failed_and_the_others_go_on(toy, monkeypatch, capsys):
    monkeypatch.setenv("TOY_KILL", "1")
    assert reproduce("toy", [0, 1, 2], ["--out", str(toy)], jobs=2) == 2
    (group_dir,) = (toy / "toy").glob("reproduce-*")
    found, by_seed = members(group_dir)
    assert found.data["status"] == "failed"
    assert by_seed[1]["exit"] == 2 and "killed (SIGKILL)" in by_seed[1]["error"]
    assert by_seed[1]["runs"] == []
    for seed in (0, 2):
        (run,) = found.runs([by_seed[seed]])
        assert run_status(run) == "complete"
        assert read_metrics(run)["result"]["value"] == seed
        assert (group_dir / by_seed[seed]["log"]).is_file()  # its output, kept
    out = capsys.readouterr().out
    assert "seed 1: FAILED, exit 2: its worker was killed (SIGKILL)" in out
    assert "(0 running, 0 left)" in out


def test_resume_runs_only_the_missing_members(toy, monkeypatch):
    monkeypatch.setenv("TOY_FAIL", "1")
    assert reproduce("toy", [0, 1, 2], ["--out", str(toy)]) == 2
    (group_dir,) = (toy / "toy").glob("reproduce-*")
    before = {seed: m["runs"] for seed, m in members(group_dir)[1].items()}
    assert before[1] == []

    monkeypatch.delenv("TOY_FAIL")
    assert resume(group_dir, jobs=2) == 0
    found, by_seed = members(group_dir)
    assert found.data["status"] == "complete" and sorted(by_seed) == [0, 1, 2]
    assert by_seed[0]["runs"] == before[0] and by_seed[2]["runs"] == before[2]  # not rerun
    assert by_seed[1]["exit"] == 0 and len(by_seed[1]["runs"]) == 1
    assert [f["spread"]["n"] for f in found.data["figures"]] == [3]  # judged over all three


def test_resume_wants_a_reproduce_group(tmp_path, capsys):
    assert cli.main(["reproduce", "--resume", str(tmp_path)]) == 2
    assert "expected a reproduce group folder" in capsys.readouterr().err
    assert cli.main(["reproduce", "digits", "--resume", str(tmp_path)]) == 2
    assert "expected a reproduce group folder" in capsys.readouterr().err
    assert cli.main(["reproduce", "digits", "--resume", str(tmp_path), "--seeds", "2"]) == 2
    assert "expected no other flag than --jobs" in capsys.readouterr().err


@pytest.mark.slow  # two reproductions and two worker starts: about 30 s
def test_the_same_figures_at_each_seed_with_any_jobs(tmp_path):
    """digits at two seeds, one after another and on two workers (TensorFlow: one thread
    each against the default pool): the same number at each seed."""
    values = {}
    for jobs in (1, 2):
        out = tmp_path / f"jobs{jobs}"
        assert reproduce("digits", [0, 1], ["--quick", "--out", str(out)], jobs=jobs) == 0
        (group_dir,) = (out / "digits").glob("reproduce-*")
        found, by_seed = members(group_dir)
        values[jobs] = {
            seed: read_metrics(found.runs([m])[0])["result"]["value"] for seed, m in by_seed.items()
        }
    assert values[1] == values[2]


@pytest.mark.slow  # a driver and two workers in subprocesses: about 20 s
def test_ctrl_c_stops_every_worker_and_keeps_what_finished(toy, tmp_path):
    """SIGINT to the driver of a --jobs 2 group: exit 130 within seconds, every member's
    run kept (interrupted, its finished epochs on disk), the group interrupted, and the
    command that finishes it printed."""
    env = {**os.environ, "TOY_EPOCH_S": "0.2", "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [sys.executable, "-m", "keras_dl", "reproduce", "toy", "--seeds", "3"]
    driver = subprocess.Popen(
        [*command, "--jobs", "2", "--epochs", "300", "--out", str(toy)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and len(list(toy.glob("toy/*-seed*/history.csv"))) < 2:
        time.sleep(0.2)
    time.sleep(1.0)  # a few epochs each
    driver.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, err = driver.communicate(timeout=60)
    assert driver.returncode == 130, err
    assert time.monotonic() - sent < 15
    (group_dir,) = (toy / "toy").glob("reproduce-*")
    found, by_seed = members(group_dir)
    assert found.data["status"] == "interrupted"
    assert sorted(by_seed) == [0, 1] and all(m["exit"] == 130 for m in by_seed.values())
    for run in found.runs():
        assert run_status(run) == "interrupted"
        assert len((run / "history.csv").read_text().splitlines()) > 2  # epochs kept
    assert f"reproduce --resume {group_dir}" in err
    assert not [line for line in err.splitlines() if line.startswith("Traceback")]
    config = json.loads((found.runs()[0] / "config.json").read_text())
    assert config["arguments"]["epochs"] == 300


def test_ray_without_ray_installed_is_one_error_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray fails
    assert cli.main(["reproduce", "digits", "--seeds", "2", "--quick", "--ray"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --ray needs Ray: pip install 'keras-dl[ray]'")
    assert len(err.strip().splitlines()) == 1


def test_jobs_beside_ray_is_refused_before_any_group_is_made(tmp_path, capsys):
    out = tmp_path / "runs"
    argv = ["--quick", "--jobs", "2", "--ray", "--out", str(out)]
    assert cli.main(["reproduce", "digits", "--seeds", "2", *argv]) == 2
    assert capsys.readouterr().err == (
        "error: --jobs 2 --ray: expected one of them (Ray runs a task per core)\n"
    )
    assert not out.exists()
