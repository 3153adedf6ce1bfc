"""The optimizers recipe: paths on x^2/20 + y^2, and one training run per optimizer."""

import json

import numpy as np
import pytest

from keras_dl.lab.registry import load_recipe
from keras_dl.records.book import SMOKE, Result

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

    result = metrics_of(run_dir)["result"]
    worst = max(row["max_abs_diff_vs_numpy"] for row in rows.values())
    assert result["value"] == worst and result["inside"] is True  # judged on any data
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == Result.from_dict(result).line()


def test_the_overlay_of_the_training_runs_records_whether_sgd_ends_highest(run_recipe, capsys):
    optimizers = load_recipe("optimizers")
    code, run_dirs = run_recipe("optimizers", "--quick", "--variant", "training")
    assert code == 0
    assert [d.name.rsplit("-", 1)[1] for d in run_dirs] == OPTIMIZERS
    assert len(list(run_dirs[0].parent.glob("compare-*-quick-loss.png"))) == 1
    records = [metrics_of(run_dir) for run_dir in run_dirs]
    for m in records:
        assert m["epochs"] == 2 and m["iterations"] == 2 * m["steps_per_epoch"]
        assert m["result"]["dataset"] == "digits"
    # Each run's result is its own loss; the claim over the five is kept with their
    # overlay, in the last run, naming them all.
    assert [len(m.get("claims", [])) for m in records] == [0] * 4 + [1]
    own = [m["result"] for m in records]
    # Each run beside DLFS's loss for its optimizer (RMSprop: not in DLFS's figure).
    for m, row in zip(records, own, strict=True):
        book = optimizers.BOOK_LOSS.get(m["optimizer"])
        assert row["metric"] == f"final training loss ({m['optimizer']})"
        assert (row["book"] or {}).get("value") == (book and book.value)
    assert own[3]["book"] is None
    (claim,) = records[-1]["claims"]
    assert claim["runs"] == [f"optimizers/{d.name}" for d in run_dirs]
    assert claim["book"]["text"] == optimizers.SGD_HIGHEST.text()
    losses = {m["optimizer"]: m["final_loss"] for m in records}
    assert claim["text"] == ", ".join(f"{k} {v:.2g}" for k, v in losses.items())
    assert claim["same_dataset"] is False and claim["inside"] is None
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == Result.from_dict(claim).line()
    assert last.endswith(f"on digits ({SMOKE})")


def test_the_claim_is_judged_on_mnist_only():
    optimizers = load_recipe("optimizers")
    losses = {"SGD": 0.47, "Momentum": 0.035, "AdaGrad": 0.0066, "RMSprop": 0.01, "Adam": 0.0043}
    rows = [{"optimizer": name, "final_loss": loss} for name, loss in losses.items()]
    claim = optimizers.sgd_highest(rows, "MNIST", 2000)
    assert claim.metric == "final training loss after 2,000 iterations"
    assert claim.value == "SGD 0.47, Momentum 0.035, AdaGrad 0.0066, RMSprop 0.01, Adam 0.0043"
    assert claim.inside is True
    rows[1]["final_loss"] = 0.5  # Momentum above SGD
    assert optimizers.sgd_highest(rows, "MNIST", 2000).inside is False
    assert optimizers.sgd_highest(rows, "digits", 2000).inside is None  # not the book's data


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
