"""The book's figures and ours beside them.

A recipe declares each published number once, as a `BookFigure` with the band we count as
reproducing it, and reports each of its own numbers as a `Result` against that figure. The
run record keeps both (metrics.json ``result`` and ``figures``), and the book benchmark and
the tests read them from there: no published number is typed a second time.

Example:
    >>> book = BookFigure("test accuracy", 0.978, "MNIST", "ch. 2.1", band=(0.975, 1.0))
    >>> ours = Result("test accuracy", 0.9556, "digits", book)
    >>> ours.verdict
    'stand-in'
    >>> print(ours.line())
    test accuracy 0.9556 on digits (a stand-in, not judged; book, 2nd ed. ch. 2.1: 0.978 on MNIST)
    >>> print(Result("test accuracy", 0.978, "MNIST", book).line())
    test accuracy 0.9780 (book, 2nd ed. ch. 2.1: 0.978)
    >>> print(Result("test accuracy", 0.9556, "digits", book, smoke=True).line())
    test accuracy 0.9556 on digits (--quick smoke run: not comparable with any published figure)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ANY_DATASET = "any"  # a figure that holds on every dataset (an identity, a gradient check)

# The verdicts: every figure and every claim gets exactly one.
INSIDE = "inside"  # our number falls in the book's band (over seeds: their range overlaps it)
OUTSIDE = "outside"  # it does not, or the claim does not hold
STAND_IN = "stand-in"  # measured on another dataset: reported, never judged
EXACT = "exact"  # an identity or a number reproduced to its printed digits: not counted
DIFFERS = "differs"  # a known, explained disagreement (the reason is declared with the figure)
NO_FIGURE = "no published figure"
SMOKE = "--quick smoke run: not comparable with any published figure"
VERDICTS = (INSIDE, OUTSIDE, STAND_IN, EXACT, DIFFERS, NO_FIGURE)
# "lower"/"higher": reliably so, beyond the margin; "not lower": not reliably lower (a claim
# such as "close to the baseline, but not reliably better"), fails only when it reliably is.
RELATIONS = ("lower", "higher", "not lower")
# Where a figure comes from: the book (Deep Learning with Python, an edition's chapter),
# the course notes (a lesson), another published text (its title and chapter), or an
# identity that holds by mathematics.
ORIGINS = ("book", "notes", "text", "identity")


@dataclass(frozen=True)
class Comparison:
    """One comparison behind a shape claim, at one seed: `first` is lower (or higher) than
    `second`, by more than `margin`.

    A claim ("lr 1.0 lower than lr 0.01 by more than 0.05") is judged over seeds by the
    Welch interval of the difference ``first - second``, never at one seed.

    Example:
        >>> Comparison("lr-1.0", 0.78, "lr-0.01", 0.98, "lower", margin=0.05).holds
        True
    """

    first: str
    first_value: float
    second: str
    second_value: float
    relation: str = "lower"
    margin: float = 0.0

    def __post_init__(self) -> None:
        if self.relation not in RELATIONS:
            raise ValueError(f"relation={self.relation!r}: expected one of {', '.join(RELATIONS)}")
        if not self.margin >= 0:
            raise ValueError(f"margin={self.margin!r}: expected a number >= 0")

    @property
    def label(self) -> str:
        """``first - second``, how the difference is named in tables."""
        return f"{self.first} - {self.second}"

    @property
    def difference(self) -> float:
        """``first_value - second_value``."""
        return float(self.first_value) - float(self.second_value)

    def beyond(self, low: float, high: float) -> bool:
        """Whether an interval of the difference bears the claim out: it lies wholly below
        ``-margin`` ("lower"), wholly above ``margin`` ("higher"), or not wholly below
        ``-margin`` ("not lower")."""
        if self.relation == "lower":
            return high < -self.margin
        if self.relation == "higher":
            return low > self.margin
        return high >= -self.margin

    @property
    def holds(self) -> bool:
        """Whether this seed's difference is on the claimed side, beyond the margin."""
        return self.beyond(self.difference, self.difference)

    @classmethod
    def from_dict(cls, data: dict) -> Comparison:
        """The comparison back from its metrics.json form (`as_dict`)."""
        return cls(
            data["first"],
            data["first_value"],
            data["second"],
            data["second_value"],
            data["relation"],
            data["margin"],
        )

    def as_dict(self) -> dict:
        """JSON form for metrics.json."""
        return {
            "first": self.first,
            "first_value": float(self.first_value),
            "second": self.second,
            "second_value": float(self.second_value),
            "relation": self.relation,
            "margin": self.margin,
            "holds": self.holds,
        }


@dataclass(frozen=True)
class BookFigure:
    """A published number (or shape) and what counts as reproducing it.

    Attributes:
        metric: what is measured, e.g. "test accuracy".
        value: the number, a (low, high) range as printed, or a shape in words
            ("noise lower").
        dataset: the dataset it was measured on ("MNIST"), or `ANY_DATASET`.
        source: where it is published: the chapter ("ch. 2.1") for the book, the lesson
            for the course notes, title and chapter for another text ("DLFS ch. 3.5"),
            the rule for an identity ("the chain rule").
        band: the (low, high) range our number must fall in to count as a reproduction,
            or the claim in words, judged by the result's `Comparison`s (or `holds`).
        exact: an identity, or a number reproduced to its printed digits: its verdict is
            "exact" (or "outside"), reported but not counted as a reproduction.
        differs: a known disagreement with the book, the reason in one line (the notes'
            arithmetic slip, a figure read off one run's plot): its verdict is "differs".
        origin: one of `ORIGINS`: "book" (Deep Learning with Python), "notes", "text"
            or "identity".
        edition: the book's edition the figure is printed in (origin "book").

    A figure on a named dataset needs a band or a `differs` reason: nothing is left unjudged.

    Example:
        >>> figure = BookFigure("test accuracy", (0.777, 0.782), "Reuters", band=(0.77, 1))
        >>> figure.text(), figure.band_text(), figure.label()
        ('0.777-0.782', 'band 0.77-1', 'book, 2nd ed.')
    """

    metric: str
    value: float | tuple[float, float] | str
    dataset: str
    source: str = ""
    band: tuple[float, float] | str | None = None
    exact: bool = False
    differs: str = ""
    origin: str = "book"
    edition: int = 2

    def __post_init__(self) -> None:
        if self.origin not in ORIGINS:
            raise ValueError(
                f"BookFigure {self.metric!r}: expected origin one of {', '.join(ORIGINS)}. "
                f"Received: origin={self.origin!r}"
            )
        if self.band is None and not self.differs:
            raise ValueError(
                f"BookFigure {self.metric!r}: expected a band (a range or a claim in words) "
                "or a differs= reason. Received: band=None"
            )
        if self.exact and self.differs:
            raise ValueError(f"BookFigure {self.metric!r}: exact and differs exclude each other")

    @classmethod
    def from_dict(cls, data: dict) -> BookFigure:
        """The figure back from its metrics.json form (`as_dict`)."""
        value, band = data["value"], data.get("band")
        return cls(
            data["metric"],
            tuple(value) if isinstance(value, list) else value,
            data["dataset"],
            data.get("source", ""),
            tuple(band) if isinstance(band, list) else band,
            data.get("exact", False),
            data.get("differs", ""),
            data.get("origin", "book"),
            data.get("edition", 2),
        )

    def label(self) -> str:
        """Where the figure comes from, as lines print it: "book, 2nd ed. ch. 2.1",
        "notes, <lesson>", "DLFS ch. 3.5" or "identity"."""
        if self.origin == "book":
            return " ".join(filter(None, (f"book, {ordinal(self.edition)} ed.", self.source)))
        if self.origin == "notes":
            return f"notes, {self.source}" if self.source else "notes"
        if self.origin == "identity":
            return "identity"
        return self.source or "text"

    def text(self) -> str:
        """The value as printed, every published digit kept: "0.978" or "0.884-0.885"."""
        if isinstance(self.value, str):
            return self.value
        if isinstance(self.value, tuple):
            return "-".join(number_text(v) for v in self.value)
        return number_text(self.value)

    def band_text(self) -> str:
        """How our number is judged: "band 0.77-1", the shape test in words, or ""."""
        if self.band is None:
            return ""
        if isinstance(self.band, str):
            return self.band
        return "band " + "-".join(number_text(v) for v in self.band)

    def as_dict(self) -> dict:
        """JSON form for metrics.json."""
        return {
            "metric": self.metric,
            "value": self.value,
            "text": self.text(),
            "dataset": self.dataset,
            "source": self.source,
            "band": self.band,
            "band_text": self.band_text(),
            "exact": self.exact,
            "differs": self.differs,
            "origin": self.origin,
            "edition": self.edition,
            "label": self.label(),
        }


@dataclass(frozen=True)
class Result:
    """Our number, on the dataset it was measured on, beside the book's figure.

    Attributes:
        metric: what is measured.
        value: our number (or, for a shape, what we saw in words).
        dataset: the dataset we measured it on.
        book: the published figure, if any.
        digits: decimals printed.
        holds: for a figure whose band is a claim in words, whether this run passes it
            (default: every one of `comparisons` holds).
        detail: context printed after our number, e.g. "(64-64: 0.8170)".
        comparisons: the measured sides of a shape claim, judged over seeds.
        smoke: a ``--quick`` smoke run's number: its line shows no published figure.
    """

    metric: str
    value: float | str
    dataset: str
    book: BookFigure | None = None
    digits: int = 4
    holds: bool | None = None
    detail: str = ""
    comparisons: tuple[Comparison, ...] = ()
    smoke: bool = False

    def __post_init__(self) -> None:
        if self.holds is None and self.comparisons:
            object.__setattr__(self, "holds", all(c.holds for c in self.comparisons))

    @classmethod
    def from_dict(cls, data: dict) -> Result:
        """The result back from its metrics.json form (`as_dict`); the value as printed."""
        book = BookFigure.from_dict(data["book"]) if data.get("book") else None
        comparisons = tuple(Comparison.from_dict(c) for c in data.get("comparisons", ()))
        return cls(
            data["metric"],
            data["text"],
            data["dataset"],
            book,
            holds=data.get("holds"),
            comparisons=comparisons,
            smoke=data.get("smoke", False),
        )

    @property
    def same_dataset(self) -> bool:
        """Whether the book's figure was measured on the dataset we used (or on any)."""
        if self.book is None:
            return False
        return self.book.dataset in (ANY_DATASET, "") or (
            self.book.dataset.lower() == self.dataset.lower()
        )

    @property
    def inside(self) -> bool | None:
        """Whether our number reproduces the book's: inside its band, or the shape holds.

        None when there is nothing to judge: no figure or band, or another dataset (a
        stand-in's number is never judged against the book's).
        """
        if self.book is None or self.book.band is None or not self.same_dataset:
            return None
        if isinstance(self.book.band, str):
            return self.holds
        low, high = self.book.band
        return not isinstance(self.value, str) and low <= float(self.value) <= high

    @property
    def verdict(self) -> str:
        """This run's verdict (one of `VERDICTS`). Over several seeds, `keras_dl.records.spread`
        judges the figure from every seed's record instead."""
        if self.book is None:
            return NO_FIGURE
        if not self.same_dataset:
            return STAND_IN
        if self.book.differs:
            return DIFFERS
        if not self.inside:
            return OUTSIDE
        return EXACT if self.book.exact else INSIDE

    def value_text(self) -> str:
        """Our value as printed, with its detail."""
        text = self.value if isinstance(self.value, str) else f"{self.value:.{self.digits}f}"
        return f"{text} {self.detail}" if self.detail else text

    def line(self) -> str:
        """E.g. "test accuracy 0.9801 (book, 2nd ed. ch. 2.1: 0.978)"; on another dataset,
        the figure is named as what it is not: a stand-in's number is not judged. A smoke
        run's (``--quick``) shows no published figure at all."""
        ours = f"{self.metric} {self.value_text()}"
        if self.smoke:
            return f"{ours} on {self.dataset} ({SMOKE})"
        if self.book is None:
            return f"{ours} on {self.dataset}"
        if self.same_dataset:
            return f"{ours} ({self.book.label()}: {self.book.text()})"
        return (
            f"{ours} on {self.dataset} (a stand-in, not judged; {self.book.label()}: "
            f"{self.book.text()} on {self.book.dataset})"
        )

    def as_dict(self) -> dict:
        """JSON form for metrics.json."""
        return {
            "metric": self.metric,
            "value": self.value if isinstance(self.value, str) else float(self.value),
            "text": self.value_text(),
            "dataset": self.dataset,
            "book": self.book.as_dict() if self.book else None,
            "same_dataset": self.same_dataset,
            "inside": self.inside,
            "holds": self.holds,
            "comparisons": [c.as_dict() for c in self.comparisons],
            "digits": self.digits,
            "verdict": self.verdict,
            "smoke": self.smoke,
        }


def ordinal(number: int) -> str:
    """1 -> "1st", 2 -> "2nd", 3 -> "3rd", 4 -> "4th", 11 -> "11th": how an edition is named."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10)
    return f"{number}{suffix or 'th'}"


def around(value: float, tolerance: float) -> tuple[float, float]:
    """The band ``(value - tolerance, value + tolerance)``, rounded to the tolerance's digits,
    for a figure reproduced to its printed digits.

    Example:
        >>> around(0.31682708, 1e-4)
        (0.31672708, 0.31692708)
    """
    digits = max(0, -math.floor(math.log10(tolerance))) + 8
    return round(value - tolerance, digits), round(value + tolerance, digits)


def number_text(value: float) -> str:
    """Shortest exact text of a number: 1.0 -> "1", 0.31682708 -> "0.31682708"."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))
