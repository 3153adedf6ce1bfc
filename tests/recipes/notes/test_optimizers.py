"""The optimizers recipe: paths on x^2/20 + y^2, and one training run per optimizer."""

import json

import numpy as np
import pytest

OPTIMIZERS = ["sgd", "momentum", "adagrad", "rmsprop", "adam"]


def metrics_of(run_dir) -> dict:
    return json.loads((run_dir / "metrics.json").read_text())


def test_paths_follow_dlfs_update_rules(run_recipe, capsys):
    code, (run_dir,) = run_recipe("optimizers", "--variant", "paths")
    assert code == 0
    assert run_dir.name.endswith("-paths")
    assert {"config.json", "metrics.json", "paths.json", "paths.png"} <= {
        p.name for p in run_dir.iterdir()
    }
    rows = metrics_of(run_dir)["optimizers"]
    assert list(rows) == OPTIMIZERS
    paths = {name: np.array(path) for name, path in json.loads(
        (run_dir / "paths.json").read_text()).items()}  # fmt: skip
    for name in OPTIMIZERS:
        # Keras' optimizers (float32) retrace DLFS's NumPy update rules (float64).
        assert rows[name]["max_abs_diff_vs_numpy"] < 1e-4
        assert paths[name].shape == (31, 2)
        assert paths[name][0].tolist() == [-7.0, 2.0]

    # SGD with lr 0.95 has a closed form: y -> (1 - 0.95 * 2) y, x -> (1 - 0.95 / 10) x.
    sgd_end = paths["sgd"][-1]
    assert sgd_end == pytest.approx([-7 * 0.905**30, 2 * (-0.9) ** 30], abs=1e-5)
    # Per-coordinate step sizes tame the steep y direction: AdaGrad and RMSprop end far
    # closer to the minimum than SGD, whose steps zigzag across the valley.
    final_f = {name: rows[name]["final_f"] for name in OPTIMIZERS}
    assert final_f["adagrad"] < final_f["sgd"] / 10
    assert final_f["rmsprop"] < final_f["sgd"] / 10
    assert np.all(np.diff(np.sign(paths["sgd"][:, 1])) != 0)  # y changes sign every step

    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("max |Keras path - NumPy path| ") and "x^2/20 + y^2" in last


def test_quick_training_runs_are_overlaid(run_recipe, assert_complete_run, capsys):
    code, run_dirs = run_recipe("optimizers", "--quick", "--variant", "training")
    assert code == 0
    assert [d.name.rsplit("-", 1)[1] for d in run_dirs] == OPTIMIZERS
    for run_dir in run_dirs:
        assert_complete_run(run_dir)
        m = metrics_of(run_dir)
        assert m["epochs"] == 2 and m["iterations"] == 2 * m["steps_per_epoch"]
        assert m["result"]["dataset"] == "digits"
    assert len(list(run_dirs[0].parent.glob("compare-*-quick-loss.png"))) == 1
    assert metrics_of(run_dirs[3])["result"]["book"] is None  # RMSprop: not in DLFS's figure
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("final training loss (SGD) ")
    assert last.endswith("on digits (book: 0.15 on MNIST)")


def test_adam_trains_faster_than_plain_sgd(run_recipe):
    losses = {}
    for name in ("sgd", "adam"):
        code, run_dirs = run_recipe(
            "optimizers", "--variant", name, "--iterations", "100", "--no-plots"
        )
        assert code == 0
        m = metrics_of(run_dirs[-1])
        assert m["iterations"] == 100
        losses[name] = m["final_loss"]
    assert losses["adam"] < losses["sgd"] / 2


def test_mnist_offline_exits_before_any_run(run_recipe, capsys):
    code, run_dirs = run_recipe("optimizers", "--dataset", "mnist")
    assert code == 2
    assert run_dirs == []  # not even the paths run
    err = capsys.readouterr().err
    assert "mnist.npz" in err and "--dataset digits" in err
    assert "Traceback" not in err


@pytest.mark.slow
def test_plain_sgd_is_the_slowest_after_2000_iterations(run_recipe):
    code, run_dirs = run_recipe("optimizers", "--variant", "training", "--no-plots")
    assert code == 0
    final = {d.name.rsplit("-", 1)[1]: metrics_of(d)["final_loss"] for d in run_dirs}
    assert all(metrics_of(d)["iterations"] == 2000 for d in run_dirs)
    assert max(final, key=final.get) == "sgd"
    assert final["momentum"] < final["sgd"] / 3
