"""Book figures, their bands, and our results beside them."""

import pytest

from keras_dl.book import ANY_DATASET, BookFigure, Result, around


def test_book_figures_keep_every_published_digit():
    assert BookFigure("output", 0.12345678, "notes").text() == "0.12345678"
    assert BookFigure("epoch", (6, 7), "Demo").text() == "6-7"
    assert BookFigure("accuracy", 1.0, "XOR").text() == "1"
    assert BookFigure("shape", "noise lower", "MNIST").text() == "noise lower"


def test_band_text():
    assert BookFigure("a", 0.5, "R", band=(0.45, 1.0)).band_text() == "band 0.45-1"
    assert BookFigure("a", 0.4, "R", band="at least 0.03 below").band_text() == (
        "at least 0.03 below"
    )
    assert BookFigure("a", 12, "B").band_text() == ""


def test_result_line_names_the_dataset_unless_it_is_the_books():
    book = BookFigure("test accuracy", 0.912, "Demo", "ch. 1")
    assert (
        Result("test accuracy", 0.98012, "Demo", book).line()
        == "test accuracy 0.9801 (book: 0.912)"
    )
    assert (
        Result("test accuracy", 0.9556, "digits", book).line()
        == "test accuracy 0.9556 on digits (book: 0.912 on Demo)"
    )
    band = BookFigure("test accuracy", (0.601, 0.602), "Demo")
    assert (
        Result("test accuracy", 0.5, "synthetic-demo", band)
        .line()
        .endswith("(book: 0.601-0.602 on Demo)")
    )
    assert Result("MAE", 2.5, "Demo").line() == "MAE 2.5000 on Demo"
    detailed = Result("peak", 0.623, "Other", band, detail="(reference: 0.8170)", digits=3)
    assert detailed.line() == "peak 0.623 (reference: 0.8170) on Other (book: 0.601-0.602 on Demo)"


@pytest.mark.parametrize(
    ("band", "value", "dataset", "holds", "inside"),
    [
        ((0.6, 1.0), 0.65, "Demo", None, True),
        ((0.6, 1.0), 0.5, "Demo", None, False),
        ((0.6, 1.0), 0.65, "synthetic-demo", None, None),  # a stand-in: never judged
        (None, 0.65, "Demo", None, None),  # no band: reported only
        ("at least 0.03 below", 0.62, "Demo", True, True),
        ("at least 0.03 below", 0.80, "Demo", False, False),
        ("at least 0.03 below", 0.62, "synthetic-demo", True, None),
    ],
)
def test_inside_judges_bands_and_shapes_on_the_books_dataset_only(
    band, value, dataset, holds, inside
):
    book = BookFigure("test accuracy", (0.601, 0.602), "Demo", band=band)
    assert Result("test accuracy", value, dataset, book, holds=holds).inside is inside


def test_a_figure_on_any_dataset_is_judged_everywhere():
    book = BookFigure("gap", 0.0, ANY_DATASET, band=(0.0, 1e-4))
    result = Result("gap", 3e-5, "digits", book, digits=6)
    assert result.inside is True and result.line() == "gap 0.000030 (book: 0)"


def test_results_survive_their_json_form():
    book = BookFigure("test accuracy", (0.601, 0.602), "Demo", "ch. 1", band=(0.6, 1.0))
    result = Result("test accuracy", 0.65, "Demo", book)
    assert BookFigure.from_dict(book.as_dict()) == book
    again = Result.from_dict(result.as_dict())
    assert again.line() == result.line() and again.book == book
    assert result.as_dict()["inside"] is True


def test_around_gives_a_clean_band_for_printed_digits():
    assert around(0.12345678, 1e-4) == (0.12335678, 0.12355678)
    assert BookFigure("y", 0.4321, "Demo", band=around(0.4321, 1e-4)).band_text() == (
        "band 0.432-0.4322"
    )
