"""Book figures, their bands, and our results beside them."""

import pytest

from keras_dl.book import ANY_DATASET, BookFigure, Result, around


def test_book_figures_keep_every_published_digit():
    assert BookFigure("output", 0.31682708, "notes").text() == "0.31682708"
    assert BookFigure("epoch", (8, 9), "Reuters").text() == "8-9"
    assert BookFigure("accuracy", 1.0, "XOR").text() == "1"
    assert BookFigure("shape", "noise lower", "MNIST").text() == "noise lower"


def test_band_text():
    assert BookFigure("a", 0.78, "R", band=(0.77, 1.0)).band_text() == "band 0.77-1"
    assert BookFigure("a", 0.71, "R", band="at least 0.03 below").band_text() == (
        "at least 0.03 below"
    )
    assert BookFigure("a", 80, "B").band_text() == ""


def test_result_line_names_the_dataset_unless_it_is_the_books():
    book = BookFigure("test accuracy", 0.978, "MNIST", "ch. 2.1")
    assert (
        Result("test accuracy", 0.98012, "MNIST", book).line()
        == "test accuracy 0.9801 (book: 0.978)"
    )
    assert (
        Result("test accuracy", 0.9556, "digits", book).line()
        == "test accuracy 0.9556 on digits (book: 0.978 on MNIST)"
    )
    band = BookFigure("test accuracy", (0.884, 0.885), "IMDB")
    assert (
        Result("test accuracy", 0.5, "synthetic-imdb", band)
        .line()
        .endswith("(book: 0.884-0.885 on IMDB)")
    )
    assert Result("MAE", 2.5, "Boston housing").line() == "MAE 2.5000 on Boston housing"
    detailed = Result("peak", 0.623, "Reuters", band, detail="(64-64: 0.8170)", digits=3)
    assert detailed.line() == "peak 0.623 (64-64: 0.8170) on Reuters (book: 0.884-0.885 on IMDB)"


@pytest.mark.parametrize(
    ("band", "value", "dataset", "holds", "inside"),
    [
        ((0.77, 1.0), 0.7947, "Reuters", None, True),
        ((0.77, 1.0), 0.7, "Reuters", None, False),
        ((0.77, 1.0), 0.7947, "synthetic-reuters", None, None),  # a stand-in: never judged
        (None, 0.7947, "Reuters", None, None),  # no band: reported only
        ("at least 0.03 below", 0.62, "Reuters", True, True),
        ("at least 0.03 below", 0.80, "Reuters", False, False),
        ("at least 0.03 below", 0.62, "synthetic-reuters", True, None),
    ],
)
def test_inside_judges_bands_and_shapes_on_the_books_dataset_only(
    band, value, dataset, holds, inside
):
    book = BookFigure("test accuracy", (0.777, 0.782), "Reuters", band=band)
    assert Result("test accuracy", value, dataset, book, holds=holds).inside is inside


def test_a_figure_on_any_dataset_is_judged_everywhere():
    book = BookFigure("gap", 0.0, ANY_DATASET, band=(0.0, 1e-4))
    result = Result("gap", 3e-5, "digits", book, digits=6)
    assert result.inside is True and result.line() == "gap 0.000030 (book: 0)"


def test_results_survive_their_json_form():
    book = BookFigure("test accuracy", (0.777, 0.782), "Reuters", "ch. 4.2", band=(0.77, 1.0))
    result = Result("test accuracy", 0.7947, "Reuters", book)
    assert BookFigure.from_dict(book.as_dict()) == book
    again = Result.from_dict(result.as_dict())
    assert again.line() == result.line() and again.book == book
    assert result.as_dict()["inside"] is True


def test_around_gives_a_clean_band_for_printed_digits():
    assert around(0.31682708, 1e-4) == (0.31672708, 0.31692708)
    assert BookFigure("y", 0.7366, "DLFS", band=around(0.7366, 1e-4)).band_text() == (
        "band 0.7365-0.7367"
    )
