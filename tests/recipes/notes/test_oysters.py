"""The oysters recipe: the committed CSV is the generator's, and learning beats the hand rule."""

import json

import pytest

from keras_dl.lab.registry import load_recipe


@pytest.fixture(scope="module")
def oysters():
    return load_recipe("oysters")


def test_generator_reproduces_the_committed_csv_byte_for_byte(oysters):
    assert oysters.DATA_FILE.read_bytes() == oysters.generate_oysters().encode("utf-8")


def test_generated_oysters_overlap_and_ripe_ones_are_larger(oysters, tmp_path):
    path = tmp_path / "oysters.csv"
    path.write_text(oysters.generate_oysters(seed=5), encoding="utf-8")
    features, ripe = oysters.load_oysters(path)
    diameter = features[:, 0]
    assert features.shape == (oysters.NUM_OYSTERS, 2)
    assert 0.4 < ripe.mean() < 0.6
    assert diameter[ripe == 1].mean() > diameter[ripe == 0].mean() + 1.0
    # Overlap: the rule misclassifies some oysters on both sides of 7.5 cm.
    rule = oysters.RULE_THRESHOLD_CM
    assert ((diameter < rule) & (ripe == 1)).sum() > 20
    assert ((diameter > rule) & (ripe == 0)).sum() > 5


def test_regenerate_rewrites_the_file_atomically(run_recipe, assert_complete_run, tmp_path):
    target = tmp_path / "data" / "oysters.csv"
    target.parent.mkdir()
    target.write_text("stale\n")
    code, (run_dir,) = run_recipe("oysters", "--quick", "--regenerate", "--data", str(target))
    assert code == 0
    assert_complete_run(run_dir)
    assert (run_dir / "oysters.png").is_file()
    assert target.read_bytes() == load_recipe("oysters").generate_oysters().encode("utf-8")
    assert [p.name for p in target.parent.iterdir()] == ["oysters.csv"]  # no temporary left


def test_learned_models_beat_the_hand_rule_on_the_test_set(oysters, run_recipe):
    code, (run_dir,) = run_recipe("oysters", "--no-plots")
    assert code == 0
    metrics = json.loads((run_dir / "metrics.json").read_text())
    accuracy, threshold = metrics["test_accuracy"], metrics["threshold_cm"]
    assert accuracy["neuron"] > accuracy["rule"] and accuracy["mlp"] > accuracy["rule"]
    # The neuron's -b/w sits where the training data put the best threshold, not at 7.5 cm.
    assert threshold["learned"] == pytest.approx(threshold["best_on_train"], abs=0.25)
    assert abs(threshold["learned"] - oysters.RULE_THRESHOLD_CM) > 0.25
    # The run judges the notes' claim on the same three accuracies.
    assert metrics["result"]["dataset"] == oysters.DATASET
    assert metrics["result"]["inside"] is True
