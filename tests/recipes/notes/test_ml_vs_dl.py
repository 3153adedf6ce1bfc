"""The ml_vs_dl recipe: choices on validation only, the test set opened once, at the end."""

import json

import numpy as np
import pytest

from keras_dl.lab.registry import load_recipe
from keras_dl.records.book import Result

FAMILIES = ["SVM (RBF kernel)", "decision tree", "random forest", "gradient boosting", "Dense net"]


def test_sealed_test_set_opens_once():
    sealed = load_recipe("ml_vs_dl").SealedTestSet(np.zeros((3, 2)), np.arange(3))
    x, y = sealed.open()
    assert x.shape == (3, 2) and y.tolist() == [0, 1, 2]
    with pytest.raises(RuntimeError, match="already used"):
        sealed.open()


def test_every_fit_happens_before_the_single_test(monkeypatch, tmp_path):
    module = load_recipe("ml_vs_dl")
    events = []
    for name in ("fit_sklearn", "fit_dense"):
        original = getattr(module, name)

        def recording(*a, _original=original, **k):
            events.append("fit")
            return _original(*a, **k)

        monkeypatch.setattr(module, name, recording)
    original_open = module.SealedTestSet.open

    def recording_open(self):
        events.append("test")
        return original_open(self)

    monkeypatch.setattr(module.SealedTestSet, "open", recording_open)
    assert module.main(["--quick", "--out", str(tmp_path)]) == 0

    # Per dataset: 2 + 3 + 2 + 2 scikit-learn settings and 2 Dense nets, then one test.
    per_dataset = ["fit"] * 11 + ["test"]
    assert events == per_dataset * 2
    run_dirs = sorted((tmp_path / "ml_vs_dl").iterdir())
    assert sorted(d.name.split("-quick-")[1] for d in run_dirs) == ["breast_cancer", "digits"]
    for run_dir in run_dirs:
        assert (run_dir / "ml_vs_dl.png").is_file()
        metrics = json.loads((run_dir / "metrics.json").read_text())
        models = metrics["models"]
        assert list(models) == FAMILIES
        for row in models.values():
            # The chosen setting is the best on validation among those tried.
            best = max(t["val_accuracy"] for t in row["tried"])
            assert row["val_accuracy"] == best
            assert 0.5 < row["test_accuracy"] <= 1.0 and row["fit_time_s"] > 0
        # One row per dataset, every family's test accuracy; no published figure to judge.
        result = metrics["result"]
        assert result["metric"] == "test accuracy" and result["book"] is None
        assert result["text"].split(", ") == [
            f"{family.split(' (')[0]} {row['test_accuracy']:.3f}" for family, row in models.items()
        ]


@pytest.mark.slow
def test_full_settings_table(run_recipe, capsys):
    code, run_dirs = run_recipe("ml_vs_dl", "--no-plots")
    assert code == 0
    # Run directories are named <date>-<time>-<dataset>.
    models = {
        d.name.split("-", 2)[2]: json.loads((d / "metrics.json").read_text())["models"]
        for d in run_dirs
    }
    digits = {family: row["test_accuracy"] for family, row in models["digits"].items()}
    # Seeds 0-2 (make check-book): Dense net 0.978+ on digits and 0.977+ on breast_cancer,
    # the decision tree the lowest on digits.
    assert digits["Dense net"] >= 0.95
    assert min(digits, key=digits.get) == "decision tree"
    assert models["breast_cancer"]["Dense net"]["test_accuracy"] >= 0.93
    last = capsys.readouterr().out.strip().splitlines()[-1]
    result = json.loads((run_dirs[-1] / "metrics.json").read_text())["result"]
    assert last == Result.from_dict(result).line() and last.endswith(" on breast_cancer")
