"""The ensemble recipe: ensembles beat their median member; the claim is recorded for
reproduce to judge over seeds."""

import json

import numpy as np
import pytest

from keras_dl.lab.registry import load_recipe

ENSEMBLES = {  # ensemble -> the pool of nets it combines
    "voting, hard": "single net",
    "voting, soft": "single net",
    "stacking": "single net",
    "bagging, hard": "bootstrap member",
    "bagging, soft": "bootstrap member",
}


def test_hard_and_soft_votes():
    ensemble = load_recipe("ensemble")
    # Three members, two samples, three classes.
    members = [
        np.array([[0.6, 0.3, 0.1], [0.1, 0.5, 0.4]]),
        np.array([[0.4, 0.5, 0.1], [0.1, 0.45, 0.45]]),
        np.array([[0.3, 0.6, 0.1], [0.0, 0.2, 0.8]]),
    ]
    assert ensemble.hard_vote(members).tolist() == [1, 1]  # votes (0, 1, 1) and (1, 1, 2)
    assert ensemble.soft_vote(members).tolist() == [1, 2]  # means (.43, .47, .1), (.07, .38, .55)


def check_claims(metrics: dict) -> None:
    """Every ensemble >= its pool's median net on every repeat; the three claims record
    the ensemble's mean against the mean of its pool's medians, for reproduce to judge.

    Smaller spread than one net is not checked: over 3 repeats it reverses at seeds 1 and 2.
    """
    for scores in metrics["repeats"]:
        for ensemble, pool in ENSEMBLES.items():
            assert scores[ensemble] >= np.median(scores[pool]), (scores["seed"], ensemble)
    summary = metrics["summary"]
    claims = load_recipe("ensemble").CLAIMS
    recorded = {row["metric"]: row for row in [metrics["result"], *metrics["figures"]]}
    assert list(recorded) == [figure.metric for figure in claims.values()]
    for ensemble, figure in claims.items():
        (comparison,) = recorded[figure.metric]["comparisons"]
        medians = [np.median(r[ENSEMBLES[ensemble]]) for r in metrics["repeats"]]
        assert comparison["first_value"] == pytest.approx(summary[ensemble]["mean"])
        assert comparison["second_value"] == pytest.approx(np.mean(medians))


def test_ensembles_beat_their_median_member_and_vary_less(run_recipe):
    # Small nets after 5 epochs, 3 nets per pool, 3 training seeds on the digits split.
    args = ("--epochs", "5", "--members", "3", "--repeats", "3", "--no-plots")
    code, (run_dir,) = run_recipe("ensemble", *args)
    assert code == 0
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["summary"]["single net"]["n"] == 9
    check_claims(metrics)
