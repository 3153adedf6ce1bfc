"""A figure over seeds: spread, Welch interval, and one verdict per figure and claim."""

import math

import numpy as np
import pytest
from scipy import stats

from keras_dl.records.book import ANY_DATASET, BookFigure, Comparison, Result
from keras_dl.records.spread import judge, summarize, welch

BAND = BookFigure("accuracy", 0.5, "table", "p. 1", band=(0.4, 0.6))
CLAIM = BookFigure("a vs b", "a lower", "table", "p. 2", band="a lower")


def records(values, figure=BAND, dataset="table", **kw):
    """One metrics.json figure record per seed."""
    return [Result("accuracy", v, dataset, figure, **kw).as_dict() for v in values]


def claim_records(firsts, seconds, margin=0.0, relation="lower"):
    return [
        Result(
            "a vs b", f"{a} vs {b}", "table", CLAIM,
            comparisons=(Comparison("a", a, "b", b, relation, margin),),
        ).as_dict()
        for a, b in zip(firsts, seconds, strict=True)
    ]  # fmt: skip


def test_summarize_is_the_sample_statistics_with_a_t_interval():
    values = [0.61, 0.70, 0.72, 0.73, 0.70]
    s = summarize(values)
    assert (s.n, s.min, s.max) == (5, 0.61, 0.73)
    assert s.mean == pytest.approx(np.mean(values))
    assert s.std == pytest.approx(np.std(values, ddof=1))
    low, high = stats.t.interval(0.95, 4, loc=np.mean(values), scale=stats.sem(values))
    assert (s.low, s.high) == (pytest.approx(low), pytest.approx(high))
    one = summarize([0.5])
    assert one.n == 1 and math.isnan(one.std) and math.isnan(one.low)


def test_welch_matches_scipy_and_identical_groups_contain_zero():
    a, b = [0.70, 0.72, 0.71, 0.69], [0.80, 0.81, 0.83]
    expected = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    difference, low, high = welch(a, b)
    assert difference == pytest.approx(np.mean(a) - np.mean(b))
    assert (low, high) == (pytest.approx(expected.low), pytest.approx(expected.high))
    _, low, high = welch(a, list(a))
    assert low < 0 < high
    with pytest.raises(ValueError, match="at least 2 values"):
        welch([1.0], [1.0, 2.0])


def test_a_number_is_inside_when_the_seeds_range_overlaps_the_band():
    judged = judge(records([0.35, 0.38, 0.41]))
    assert judged.verdict == "inside"  # only one seed is in the band: the range overlaps it
    outside = judge(records([0.30, 0.35, 0.38]))
    assert outside.verdict == "outside" and outside.reason == "0 of 3 seeds in the band"
    line = judged.line()
    assert line == (
        "accuracy 0.3800 ± 0.0300 over 3 seeds [min 0.3500, max 0.4100] "
        "(book, 2nd ed. p. 1: 0.5, band 0.4-0.6): inside"
    )


def test_stand_in_exact_differs_and_no_figure():
    assert judge(records([0.9, 0.95], dataset="digits")).verdict == "stand-in"
    stand_in = judge(records([0.9, 0.95], dataset="digits")).line()
    assert "(book, 2nd ed. p. 1: 0.5 on table)" in stand_in
    identity = BookFigure("identity", 0.0, ANY_DATASET, band=(0.0, 1e-6), exact=True)
    assert judge(records([0.0, 1e-7], identity)).verdict == "exact"
    # An identity must hold at every seed: one seed off and it is outside.
    assert judge(records([0.0, 1e-3], identity)).verdict == "outside"
    known = BookFigure("epoch", 80, "table", differs="read off one plot")
    differs = judge(records([120, 126], known))
    assert (differs.verdict, differs.reason) == ("differs", "read off one plot")
    assert judge(records([1.0, 2.0], None)).verdict == "no published figure"


def test_a_claim_is_judged_by_the_welch_interval_never_at_one_seed():
    holds = judge(claim_records([0.70, 0.72, 0.71], [0.80, 0.81, 0.83]))
    assert holds.verdict == "inside" and holds.metric == "a vs b: a - b"
    assert holds.spread.mean == pytest.approx(-0.1033333)
    # Lower at every seed but the interval reaches 0: not reported as holding.
    noisy = judge(claim_records([0.70, 0.79, 0.71], [0.80, 0.80, 0.72]))
    assert all(
        r["comparisons"][0]["holds"] for r in claim_records([0.70, 0.79, 0.71], [0.80, 0.80, 0.72])
    )
    assert noisy.verdict == "outside" and "not wholly below 0" in noisy.reason
    # Beyond zero but not beyond the margin the claim names.
    margin = judge(claim_records([0.70, 0.72, 0.71], [0.80, 0.81, 0.83], margin=0.2))
    assert margin.verdict == "outside"
    one = judge(claim_records([0.1], [0.9]))
    assert one.verdict == "outside" and "one seed" in one.reason


def test_not_reliably_lower_fails_only_when_the_interval_lies_wholly_below():
    """The book's "close to the baseline, but not reliably" (Jena's Dense model)."""
    close = judge(claim_records([2.41, 2.50, 2.47], [2.44, 2.44, 2.44], relation="not lower"))
    assert close.verdict == "inside" and "Welch 95% interval" in close.reason
    better = judge(claim_records([2.30, 2.31, 2.29], [2.44, 2.45, 2.44], relation="not lower"))
    assert better.verdict == "outside" and "wholly below 0" in better.reason
    assert Comparison("a", 2.3, "b", 2.44, "not lower").holds is False
    assert Comparison("a", 2.5, "b", 2.44, "not lower").holds is True


def test_a_claim_without_numbers_must_hold_at_every_seed():
    words = BookFigure("shape", "holds", "table", band="it holds")
    at_two = [Result("shape", "x", "table", words, holds=h).as_dict() for h in (True, True, False)]
    judged = judge(at_two)
    assert (judged.verdict, judged.reason) == ("outside", "holds at 2 of 3 seeds")
    assert judged.line() == "shape holds at 2 of 3 seeds (book, 2nd ed.: holds, it holds): outside"


def test_a_figure_needs_a_band_or_a_reason():
    with pytest.raises(ValueError, match="expected a band .* Received: band=None"):
        BookFigure("accuracy", 0.5, "MNIST")
    with pytest.raises(ValueError, match="relation='above'"):
        Comparison("a", 1.0, "b", 2.0, "above")
