"""The ensemble recipe: ensembles beat their median member and vary less across seeds."""

import json

import numpy as np
import pytest

from keras_dl.book import Result
from keras_dl.registry import load_recipe

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


def check_claims(metrics: dict, spread_checked: tuple[str, ...]) -> None:
    """Every ensemble >= its pool's median net on every seed; the named ensembles' spread
    across seeds is below the single nets'."""
    for scores in metrics["repeats"]:
        for ensemble, pool in ENSEMBLES.items():
            assert scores[ensemble] >= np.median(scores[pool]), (scores["seed"], ensemble)
    summary = metrics["summary"]
    for ensemble in spread_checked:
        assert summary[ensemble]["std"] < summary["single net"]["std"], ensemble
        assert summary[ensemble]["mean"] > summary["single net"]["mean"], ensemble
    # The run records the claim for three ensembles, judged as above (a spread no larger
    # than that of the pool the ensemble combines).
    claims = load_recipe("ensemble").CLAIMS
    recorded = {row["metric"]: row for row in [metrics["result"], *metrics["figures"]]}
    assert list(recorded) == [figure.metric for figure in claims.values()]
    for ensemble, figure in claims.items():
        pool = ENSEMBLES[ensemble]
        holds = summary[ensemble]["std"] <= summary[pool]["std"]
        assert recorded[figure.metric]["inside"] is holds, ensemble


def test_ensembles_beat_their_median_member_and_vary_less(run_recipe):
    # Small nets after 5 epochs, 3 nets per pool, 3 training seeds on the digits split.
    args = ("--epochs", "5", "--members", "3", "--repeats", "3", "--no-plots")
    code, (run_dir,) = run_recipe("ensemble", *args)
    assert code == 0
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["summary"]["single net"]["n"] == 9
    check_claims(metrics, ("voting, hard", "voting, soft", "stacking"))


@pytest.mark.slow
def test_default_settings_every_ensemble_varies_less_than_one_net(run_recipe, capsys):
    code, (run_dir,) = run_recipe("ensemble", "--no-plots")
    assert code == 0
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["summary"]["single net"]["n"] == 15
    check_claims(metrics, tuple(ENSEMBLES))
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == Result.from_dict(metrics["result"]).line()
    assert all(row["inside"] for row in [metrics["result"], *metrics["figures"]])
