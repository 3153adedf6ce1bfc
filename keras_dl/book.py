"""The book's figures and ours beside them.

A recipe declares each published number once, as a `BookFigure` with the band we count as
reproducing it, and reports each of its own numbers as a `Result` against that figure. The
run record keeps both (metrics.json ``result`` and ``figures``), and the book benchmark and
the tests read them from there: no published number is typed a second time.

This module does not import Keras.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ANY_DATASET = "any"  # a figure that holds on every dataset (an identity, a gradient check)


@dataclass(frozen=True)
class BookFigure:
    """A published number (or shape) and what counts as reproducing it.

    Attributes:
        metric: what is measured, e.g. "test accuracy".
        value: the number, a (low, high) range as printed, or a shape in words
            ("noise lower").
        dataset: the dataset it was measured on ("MNIST"), or `ANY_DATASET`.
        source: where it is published, e.g. "ch. 2.1".
        band: the (low, high) range our number must fall in to count as a reproduction,
            or the test in words when the recipe judges a shape itself (`Result.holds`);
            None: reported beside ours, never judged.

    Example:
        >>> BookFigure("test accuracy", (0.777, 0.782), "Reuters", "ch. 4.2", band=(0.77, 1))
    """

    metric: str
    value: float | tuple[float, float] | str
    dataset: str
    source: str = ""
    band: tuple[float, float] | str | None = None

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
        )

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
        holds: for a figure whose band is a test in words, whether our run passes it.
        detail: context printed after our number, e.g. "(64-64: 0.8170)".
    """

    metric: str
    value: float | str
    dataset: str
    book: BookFigure | None = None
    digits: int = 4
    holds: bool | None = None
    detail: str = ""

    @classmethod
    def from_dict(cls, data: dict) -> Result:
        """The result back from its metrics.json form (`as_dict`); the value as printed."""
        book = BookFigure.from_dict(data["book"]) if data.get("book") else None
        return cls(data["metric"], data["text"], data["dataset"], book)

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

    def value_text(self) -> str:
        """Our value as printed, with its detail."""
        text = self.value if isinstance(self.value, str) else f"{self.value:.{self.digits}f}"
        return f"{text} {self.detail}" if self.detail else text

    def line(self) -> str:
        """E.g. "test accuracy 0.9801 (book: 0.978)" or, on another dataset,
        "test accuracy 0.9556 on digits (book: 0.978 on MNIST)"."""
        ours = f"{self.metric} {self.value_text()}"
        if self.book is None:
            return f"{ours} on {self.dataset}"
        if self.same_dataset:
            return f"{ours} (book: {self.book.text()})"
        return f"{ours} on {self.dataset} (book: {self.book.text()} on {self.book.dataset})"

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
        }


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
