"""The encoding recipe: what one-hot, ordinal and label codes do to a small Dense model."""

import json

import numpy as np
import pytest

from keras_dl.registry import load_recipe


def test_encodings_of_names_and_levels():
    encoding = load_recipe("encoding")
    levels = np.array(["neutral", "very dissatisfied", "very satisfied"])
    onehot = encoding.encode(levels, encoding.SATISFACTION, "onehot")
    assert onehot.shape == (3, 5)
    np.testing.assert_array_equal(onehot.sum(axis=1), 1.0)
    assert onehot[1, 0] == 1.0  # "very dissatisfied" is the first level
    ordinal = encoding.encode(levels, encoding.SATISFACTION, "ordinal")[:, 0]
    np.testing.assert_allclose(ordinal, [0.5, 0.0, 1.0])  # ranks 2, 0, 4 of 0..4
    # Alphabetical codes: dissatisfied, neutral, satisfied, very dissatisfied, very satisfied.
    label = encoding.encode(levels, encoding.SATISFACTION, "label")[:, 0]
    np.testing.assert_allclose(label, [0.25, 0.75, 1.0])
    with pytest.raises(ValueError, match="how='one-hot': expected 'onehot', 'ordinal' or 'label'"):
        encoding.encode(levels, encoding.SATISFACTION, "one-hot")


def test_label_codes_cost_accuracy_where_one_hot_and_ordinal_do_not(
    run_recipe, assert_complete_run, capsys
):
    code, run_dirs = run_recipe("encoding", "--quick")
    assert code == 0
    by_variant = {run_dir.name.split("-quick-", 1)[1]: run_dir for run_dir in run_dirs}
    assert set(by_variant) == {"onehot-onehot", "label-ordinal", "onehot-label", "onehot-ordinal"}
    results = {}
    for variant, run_dir in by_variant.items():
        assert_complete_run(run_dir)
        results[variant] = json.loads((run_dir / "metrics.json").read_text())
    assert (by_variant["onehot-ordinal"] / "encoding.png").is_file()
    assert list(run_dirs[0].parent.glob("compare-*-val_loss.png"))

    mae = {variant: r["test_mae"] for variant, r in results.items()}
    floor = results["onehot-ordinal"]["noise_floor_mae"]
    assert floor == pytest.approx(5 * np.sqrt(2 / np.pi))
    assert mae["onehot-ordinal"] < 1.2 * floor
    assert mae["onehot-onehot"] < 1.2 * floor
    assert mae["label-ordinal"] > 2 * mae["onehot-ordinal"]  # a nominal feature as one number
    assert mae["onehot-label"] > 1.4 * mae["onehot-ordinal"]  # an ordinal one out of order
    assert results["onehot-ordinal"]["inputs"] == 9 and results["onehot-onehot"]["inputs"] == 13
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == (
        f"test MAE (one-hot country, ordinal satisfaction) {mae['onehot-ordinal']:.4f} "
        "on synthetic-customers"
    )
