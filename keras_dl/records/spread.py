"""A figure over seeds: its spread, a 95% interval, and one verdict from every seed's record.

`summarize` gives mean, sample std, min, max and the t interval of the mean; `welch` the
95% interval of a difference of two means (scipy's Welch t-test); `judge` turns the records
one figure left in each seed's metrics.json into a `Judgement`:

- a number is ``inside`` when the seeds' range [min, max] overlaps the book's band;
- a claim with `Comparison`s holds when the Welch interval of each difference lies beyond
  its margin on the claimed side (never judged at one seed);
- a claim without numbers holds when it holds at every seed;
- a stand-in dataset's figure is ``stand-in``, a declared disagreement ``differs``, an
  identity ``exact`` (or ``outside``, if it fails at any seed).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import stats

from keras_dl.records.book import (
    DIFFERS,
    EXACT,
    INSIDE,
    NO_FIGURE,
    OUTSIDE,
    STAND_IN,
    BookFigure,
    Comparison,
)

LEVEL = 0.95
NOT_JUDGED = "not judged"  # a --quick run's figure: a smoke test, not the book's settings
QUICK = "--quick: a smoke test, not the book's settings"  # for records that say no more


@dataclass(frozen=True)
class Spread:
    """Numbers over seeds: n, mean, sample std, min, max and the 95% t interval of the mean
    (std and interval are NaN for one number)."""

    n: int
    mean: float
    std: float
    min: float
    max: float
    low: float
    high: float


def summarize(values: Sequence[float]) -> Spread:
    """The spread of `values` (one per seed).

    Example:
        >>> s = summarize([1.0, 2.0, 3.0])
        >>> s.mean, s.std, (s.min, s.max)
        (2.0, 1.0, (1.0, 3.0))
    """
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        raise ValueError("values is empty: expected one number per seed")
    mean = float(values.mean())
    if values.size < 2:
        return Spread(1, mean, math.nan, mean, mean, math.nan, math.nan)
    std = float(values.std(ddof=1))
    half = float(stats.t.ppf(0.5 + LEVEL / 2, values.size - 1)) * std / math.sqrt(values.size)
    return Spread(
        int(values.size),
        mean,
        std,
        float(values.min()),
        float(values.max()),
        mean - half,
        mean + half,
    )


def welch(first: Sequence[float], second: Sequence[float]) -> tuple[float, float, float]:
    """The difference of the means, ``mean(first) - mean(second)``, and its 95% interval
    by Welch's t (unequal variances), from `scipy.stats.ttest_ind`.

    Two groups without any spread give the difference itself as the interval.

    Example:
        >>> difference, low, high = welch([0.70, 0.72, 0.71], [0.80, 0.81, 0.83])
        >>> round(difference, 3), high < 0
        (-0.103, True)
    """
    first, second = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    if first.size < 2 or second.size < 2:
        raise ValueError(
            f"welch: expected at least 2 values on each side. Received: {first.size} and "
            f"{second.size}"
        )
    difference = float(first.mean() - second.mean())
    if first.std() == 0 and second.std() == 0:
        return difference, difference, difference
    interval = stats.ttest_ind(first, second, equal_var=False).confidence_interval(LEVEL)
    return difference, float(interval.low), float(interval.high)


@dataclass
class Judgement:
    """One figure over seeds: what it measures, its numbers, the book's and the verdict.

    Attributes:
        metric: the figure's name (for a claim, "metric: first - second" of its tightest
            comparison).
        variant: the recipe's run it came from ("" for the main run).
        spread: our numbers over the seeds (for a claim, the differences); None when the
            figure has no numbers (a claim in words).
        book: the book's figure as printed, with its band ("" for none).
        verdict: one of `keras_dl.records.book.VERDICTS` ("not judged" for a --quick run's).
        reason: one line on why, for "outside" and "differs".
        digits: decimals printed.
        comparisons: for a claim, one row per comparison (label, spread, Welch interval).
        stand_in: "on <dataset>" for a stand-in's figure, else "".
        source: where the figure comes from (`keras_dl.records.book.BookFigure.label`).
    """

    metric: str
    variant: str
    spread: Spread | None
    book: str
    verdict: str
    reason: str = ""
    digits: int = 4
    comparisons: list[dict] = field(default_factory=list)
    stand_in: str = ""
    source: str = "book"

    def verdict_text(self) -> str:
        """The verdict, with its reason in parentheses when there is one."""
        return f"{self.verdict} ({self.reason})" if self.reason else self.verdict

    def line(self) -> str:
        """``<metric> <mean> ± <std> over <N> seeds [min <a>, max <b>] (<source>: <band>):
        <verdict>``; a claim in words gives ``holds at k of N seeds`` instead of numbers."""
        if self.spread is None:
            numbers = self.reason or "no numbers"
        else:
            s, number = self.spread, self.number
            numbers = (
                f"{number(s.mean)} ± {number(s.std)} over {s.n} seeds "
                f"[min {number(s.min)}, max {number(s.max)}]"
            )
        stand_in = f" {self.stand_in}" if self.stand_in else ""
        verdict = self.verdict if self.spread is None else self.verdict_text()
        return f"{self.metric} {numbers}{stand_in} ({self.source}: {self.book}): {verdict}"

    def number(self, value: float) -> str:
        """A value with the figure's decimals ("n/a" for NaN, e.g. the std of one seed)."""
        if math.isnan(value):
            return "n/a"
        return f"{value:.{self.digits}f}"

    def as_dict(self) -> dict:
        """JSON form for the group record."""
        record = asdict(self)
        record["line"] = self.line()
        return record


def judge(records: Sequence[dict], *, variant: str = "") -> Judgement:
    """Judge one figure from the records it left in each seed's metrics.json (its
    ``result``, one of its ``figures`` or a claim, the form `keras_dl.records.book.Result.as_dict`
    writes)."""
    if not records:
        raise ValueError("records is empty: expected one figure record per seed")
    first = records[0]
    metric, digits = first["metric"], int(first.get("digits", 4))
    figure = BookFigure.from_dict(first["book"]) if first.get("book") else None
    numbers = [r["value"] for r in records if isinstance(r["value"], (int, float))]
    spread = summarize(numbers) if len(numbers) == len(records) else None
    judgement = Judgement(metric, variant, spread, _book_text(figure), NO_FIGURE, digits=digits)
    if figure is None:
        return judgement
    judgement.source = figure.label()
    if first.get("quick") and first.get("verdict") is None:
        judgement.verdict, judgement.reason = NOT_JUDGED, first.get("not_judged") or QUICK
        return judgement
    if not first.get("same_dataset", True):
        judgement.stand_in = f"on {first['dataset']}"
        judgement.book = f"{figure.text()} on {figure.dataset}"
        judgement.verdict = STAND_IN
        return judgement
    comparisons = [[Comparison.from_dict(c) for c in r.get("comparisons", ())] for r in records]
    if comparisons[0]:
        holds = _judge_comparisons(judgement, comparisons)
    elif isinstance(figure.band, tuple) and spread is not None:
        low, high = figure.band
        inside = [low <= v <= high for v in numbers]
        holds = all(inside) if figure.exact else spread.max >= low and spread.min <= high
        if not holds:
            judgement.reason = f"{sum(inside)} of {len(inside)} seeds in the band"
    else:
        passed = sum(bool(r.get("holds")) for r in records)
        holds = passed == len(records)
        judgement.reason = f"holds at {passed} of {len(records)} seeds"
    if figure.differs:
        judgement.verdict, judgement.reason = DIFFERS, figure.differs
    elif holds:
        judgement.verdict = EXACT if figure.exact else INSIDE
    else:
        judgement.verdict = OUTSIDE
    return judgement


def _judge_comparisons(judgement: Judgement, seeds: list[list[Comparison]]) -> bool:
    """Judge each comparison of a claim by the Welch interval of its difference; the
    judgement's numbers become those of the tightest one (the nearest to failing)."""
    rows, holds = [], True
    for index, comparison in enumerate(seeds[0]):
        sides = [seed[index] for seed in seeds]
        firsts = [c.first_value for c in sides]
        seconds = [c.second_value for c in sides]
        differences = summarize([c.difference for c in sides])
        if len(sides) < 2:
            interval, holding = (math.nan, math.nan), False
        else:
            _, low, high = welch(firsts, seconds)
            interval, holding = (low, high), comparison.beyond(low, high)
        holds = holds and holding
        slack = _slack(comparison, interval, differences)
        rows.append(
            {
                "label": comparison.label,
                "relation": comparison.relation,
                "margin": comparison.margin,
                "spread": asdict(differences),
                "welch": list(interval),
                "holds": holding,
                "slack": slack,
            }
        )
    judgement.comparisons = rows
    tightest = min(range(len(rows)), key=lambda i: rows[i]["slack"])
    judgement.metric = f"{judgement.metric}: {rows[tightest]['label']}"
    judgement.spread = Spread(**rows[tightest]["spread"])
    low, high = rows[tightest]["welch"]
    if len(seeds) < 2:
        judgement.reason = "one seed: a claim is judged over 2 seeds or more"
    else:
        comparison = seeds[0][tightest]
        failure = {
            "lower": f"not wholly below {-comparison.margin + 0.0:g}",
            "higher": f"not wholly above {comparison.margin + 0.0:g}",
            "not lower": f"wholly below {-comparison.margin + 0.0:g}",
        }[comparison.relation]
        judgement.reason = (
            f"Welch 95% interval {judgement.number(low)} to {judgement.number(high)}"
            + ("" if rows[tightest]["holds"] else f", {failure}")
        )
    return holds


def _slack(comparison: Comparison, interval: tuple[float, float], spread: Spread) -> float:
    """How far the interval's near end lies beyond the margin (negative: it fails)."""
    low, high = interval
    if math.isnan(low):
        low = high = spread.mean
    if comparison.relation == "lower":
        return -comparison.margin - high
    if comparison.relation == "higher":
        return low - comparison.margin
    return high + comparison.margin


def _book_text(figure: BookFigure | None) -> str:
    """The book's figure with the band we judge by: "0.777-0.782, band 0.77-1"."""
    if figure is None:
        return "none"
    band = figure.band_text()
    return f"{figure.text()}, {band}" if band else figure.text()
