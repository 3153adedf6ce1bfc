"""Members as Ray tasks on a local Ray instance (make test-ray, TensorFlow): the runs come
back to the driver's --out as a local run writes them, with the same figures."""

import json

import pytest

from keras_dl.lab.invocation import invoke
from keras_dl.lab.reproduce import reproduce
from keras_dl.records.read import read_group, read_metrics, run_status

pytestmark = pytest.mark.ray


@pytest.fixture(scope="module")
def local_ray():
    import ray  # only make test-ray installs it

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_reproduce_as_ray_tasks_writes_complete_runs_under_out(local_ray, tmp_path, capsys):
    out = tmp_path / "runs"
    assert reproduce("digits", [0, 1, 2], ["--quick", "--out", str(out)], ray="") == 0
    (group_dir,) = (out / "digits").glob("reproduce-*")
    found = read_group(group_dir)
    assert found.data["status"] == "complete" and len(found.members) == 3
    for member in found.members:
        (run,) = found.runs([member])
        assert run.parent == out / "digits" and run_status(run) == "complete"
        for name in ("config.json", "history.csv", "metrics.json", "curves.png"):
            assert (run / name).is_file(), (run, name)
        assert any((run / "tensorboard").rglob("events.out.tfevents.*"))
        assert "test accuracy" in (group_dir / member["log"]).read_text()
    printed = capsys.readouterr().out
    assert "as Ray tasks (a local instance)" in printed and "[3/3] seed" in printed

    # The same number as the same seed run here.
    by_seed = {m["seed"]: found.runs([m])[0] for m in found.members}
    here = invoke("digits", ["--quick", "--seed", "1", "--out", str(tmp_path / "here")])
    value = read_metrics(here.runs[0])["result"]["value"]
    assert read_metrics(by_seed[1])["result"]["value"] == value
    assert json.loads((by_seed[1] / "config.json").read_text())["seed"] == 1
