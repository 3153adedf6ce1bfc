"""The generalization recipe (ch. 5): variant runs, their overlays, and the book's shapes."""

import json

import numpy as np
import pytest

from keras_dl.lab.registry import load_recipe
from keras_dl.records.book import SMOKE, BookFigure, Result


def metrics_of(run_dirs) -> dict:
    """{variant: metrics.json} of the runs."""
    records = [json.loads((d / "metrics.json").read_text()) for d in run_dirs]
    return {m["variant"]: m for m in records}


def history_of(run_dir):
    """The run's history.csv as a NumPy record array."""
    return np.genfromtxt(run_dir / "history.csv", delimiter=",", names=True)


def claims_of(record: dict) -> dict:
    """{metric: figure} of the claims a run recorded beside its headline."""
    return {f["metric"]: f for f in record.get("figures", [])}


class OnDataset:
    """Stands in for a run: its `result` measures on `dataset`, as `RecipeRun.result` does."""

    def __init__(self, dataset: str):
        self.dataset = dataset

    def result(self, metric, value, book=None, **kw) -> Result:
        """A `Result` on this dataset."""
        return Result(metric, value, self.dataset, book, **kw)


def test_quick_noise_experiment_writes_two_runs_their_overlay_and_the_shape(run_recipe, capsys):
    code, run_dirs = run_recipe(
        "generalization", "--quick", "--dataset", "digits", "--variant", "noise"
    )
    assert code == 0
    assert [d.name.split("-quick-")[1] for d in run_dirs] == ["noise-channels", "zero-channels"]
    overlays = sorted(run_dirs[0].parent.glob("compare-*-quick-noise-val_accuracy.*"))
    assert [p.suffix for p in overlays] == [".csv", ".png"]

    recipe = load_recipe("generalization")
    m = metrics_of(run_dirs)
    for run_dir in run_dirs:
        record = m[run_dir.name.split("-quick-")[1]]
        assert record["experiment"] == "noise"
        assert record["input_features"] == 128  # 64 pixels + 64 appended channels
        assert record["epochs"] == 2
        history = history_of(run_dir)
        assert record["final_val_accuracy"] == pytest.approx(history["val_accuracy"][-1], abs=1e-6)
        assert record["best_epoch"] == int(np.argmin(history["val_loss"])) + 1
    assert BookFigure.from_dict(m["zero-channels"]["result"]["book"]) == recipe.ZEROS

    # The shape is recorded once, with the overlay of the experiment's two runs (in the
    # last), with both numbers; on digits it is reported, not judged.
    assert "claims" not in m["noise-channels"] and "figures" not in m["zero-channels"]
    (shape,) = m["zero-channels"]["claims"]
    assert shape["runs"] == [f"generalization/{d.name}" for d in run_dirs]
    noise, zeros = (m[n]["final_val_accuracy"] for n in ("noise-channels", "zero-channels"))
    assert shape["book"]["text"] == f"{recipe.NOISE.text()} vs {recipe.ZEROS.text()}"
    assert shape["book"]["band"] == "noise lower"
    assert f"noise-channels {noise:.3f}, zero-channels {zeros:.3f}" in shape["text"]
    assert ("holds at this seed" if noise < zeros else "fails at this seed") in shape["text"]
    assert shape["inside"] is None

    out = capsys.readouterr().out.strip().splitlines()
    assert Result.from_dict(shape).line() in out
    assert out[-1].startswith("final val accuracy (noise-channels) ")
    assert out[-1].endswith(f"on digits ({SMOKE})")


def test_quick_mnist_path_runs_on_a_labelled_stand_in(run_recipe):
    code, (run_dir,) = run_recipe(
        "generalization", "--quick", "--no-plots", "--variant", "dense-10"
    )
    assert code == 0
    m = json.loads((run_dir / "metrics.json").read_text())
    assert m["result"]["dataset"] == "synthetic-mnist"
    assert m["input_features"] == 784
    assert m["sizes"] == {"train": 480, "val": 120}
    assert "figures" not in m  # dense-96-96 did not run: nothing to compare with


def test_mnist_offline_says_which_file_to_put_where(run_recipe, capsys):
    code, run_dirs = run_recipe("generalization", "--variant", "lr")
    assert code == 2
    assert run_dirs == []
    err = capsys.readouterr().err
    assert "mnist.npz" in err and "--dataset digits" in err
    assert "Traceback" not in err


def test_variants_change_the_data_as_the_book_and_repeat_with_the_seed():
    recipe = load_recipe("generalization")
    variants = {v.name: v for v in recipe.VARIANTS}
    x = np.random.default_rng(0).random((50, 64), dtype=np.float32)
    y = np.arange(50) % 10
    noisy, _ = recipe.prepare(variants["noise-channels"], x, y, seed=3)
    assert noisy.shape == (50, 128) and np.array_equal(noisy[:, :64], x)
    assert noisy[:, 64:].min() >= 0.0 and noisy[:, 64:].max() < 1.0
    assert np.array_equal(recipe.prepare(variants["noise-channels"], x, y, seed=3)[0], noisy)
    zeros, _ = recipe.prepare(variants["zero-channels"], x, y, seed=3)
    assert zeros.shape == (50, 128) and not zeros[:, 64:].any()
    same_x, shuffled = recipe.prepare(variants["shuffled-labels"], x, y, seed=3)
    assert same_x is x and sorted(shuffled) == sorted(y) and not np.array_equal(shuffled, y)


def test_claims_are_judged_on_mnist_only_and_each_by_its_own_test():
    recipe = load_recipe("generalization")
    variants = {v.name: v for v in recipe.VARIANTS}

    def judge(name: str, accuracies: dict[str, float], dataset: str = "MNIST") -> list[Result]:
        """What `name`'s run records after runs with these final val accuracies: the book's
        readings of it, then the claim about its experiment's runs (once both ran)."""
        curves = {
            run: {"final_val_accuracy": acc, "final_accuracy": 0.9, "best_epoch": 12}
            for run, acc in accuracies.items()
        }
        run = OnDataset(dataset)
        judged = recipe.run_figures(variants[name], curves[name], run)
        shape = recipe.SHAPES[2].get(variants[name].experiment)
        if shape and shape.higher == name and shape.lower in curves:
            judged.append(recipe.shape_claim(shape, curves, run))
        return judged

    # lr 1.0 must be lower by more than 0.05, not merely lower.
    (lr,) = judge("lr-0.01", {"lr-1.0": 0.40, "lr-0.01": 0.90})
    assert lr.inside is True and "holds at this seed" in lr.value_text()
    (comparison,) = lr.comparisons  # what reproduce judges over seeds (Welch)
    assert (comparison.label, comparison.margin) == ("lr-1.0 - lr-0.01", recipe.LR_MARGIN)
    (close,) = judge("lr-0.01", {"lr-1.0": 0.88, "lr-0.01": 0.90})
    assert close.inside is False and "fails at this seed" in close.value_text()
    # Shuffled labels: the validation accuracy must stay near chance.
    (chance,) = judge("shuffled-labels", {"shuffled-labels": 0.12})
    (memorized,) = judge("shuffled-labels", {"shuffled-labels": 0.50})
    assert (chance.inside, memorized.inside) == (True, False)
    # Capacity: Dense(10) lower, and where our 96-96 bottoms, judged beside the book's epoch.
    bottom, capacity = judge("dense-96-96", {"dense-10": 0.90, "dense-96-96": 0.95})
    assert capacity.inside is True
    assert (bottom.value, bottom.book) == (12, recipe.DENSE_96_BOTTOM)
    assert bottom.inside is False  # the book's 96-96 bottoms by epoch 10
    # A claim needs both its runs; on a stand-in it is reported, never judged.
    assert judge("lr-0.01", {"lr-0.01": 0.90}) == []
    (stand_in,) = judge("zero-channels", {"noise-channels": 0.9, "zero-channels": 0.95}, "digits")
    assert stand_in.inside is None and stand_in.verdict == "stand-in"


def test_learning_rate_one_keeps_the_model_from_fitting_digits(run_recipe):
    # The recipe claims lr 1.0's final val accuracy lower than lr 1e-2's by more than
    # LR_MARGIN, judged over seeds (the Welch interval of the difference; check-book). At
    # one seed only its sign holds everywhere: `reproduce generalization --variant lr
    # --dataset digits --seeds 16` gave differences -0.03 (seed 2) to -0.61, lr 1e-2's own
    # accuracy 0.85-0.99, so neither the margin nor a floor on it is a one-seed check.
    code, run_dirs = run_recipe(
        "generalization", "--dataset", "digits", "--variant", "lr", "--no-plots"
    )
    assert code == 0
    metrics = metrics_of(run_dirs)
    too_high, right = metrics["lr-1.0"], metrics["lr-0.01"]
    assert too_high["final_val_accuracy"] < right["final_val_accuracy"]
    (shape,) = right["claims"]  # the lr claim, kept with the overlay of the two runs
    (comparison,) = shape["comparisons"]
    assert comparison["margin"] == load_recipe("generalization").LR_MARGIN
    assert comparison["first_value"] == too_high["final_val_accuracy"]
    assert shape["inside"] is None  # on digits: a stand-in, never judged against MNIST


def test_the_third_editions_capacity_model_is_128_128_and_judged_by_its_figures(run_recipe):
    generalization = load_recipe("generalization")
    code, run_dirs = run_recipe(
        "generalization", "--dataset", "digits", "--variant", "capacity", "--edition", "3",
        "--quick",
    )  # fmt: skip
    assert code == 0
    small, big = (json.loads((d / "metrics.json").read_text()) for d in run_dirs)
    assert (small["variant"], big["variant"]) == ("dense-10", "dense-128-128")
    assert run_dirs[1].name.endswith("-quick-dense-128-128-ed3")
    (bottom,) = big["figures"]
    assert BookFigure.from_dict(bottom["book"]) == generalization.DENSE_128_BOTTOM
    (claim,) = big["claims"]
    assert claim["book"]["label"] == "book, 3rd ed. ch. 5"
    assert big["result"]["book"] is None  # the 3rd edition prints no accuracy for it


def test_a_model_of_the_other_edition_is_a_usage_error(run_recipe, capsys):
    code, run_dirs = run_recipe(
        "generalization", "--dataset", "digits", "--variant", "dense-96-96", "--edition", "3"
    )
    assert code == 2 and not run_dirs
    err = capsys.readouterr().err
    assert "--variant dense-96-96: a model of the book's other edition; expected --edition 2" in err
