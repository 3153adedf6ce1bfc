"""Book figures, their bands, and our results beside them."""

import pytest

from keras_dl.records.book import ANY_DATASET, BookFigure, Comparison, Result, around

BAND = (0.0, 1.0)


def test_book_figures_keep_every_published_digit():
    assert BookFigure("output", 0.12345678, "notes", band=BAND).text() == "0.12345678"
    assert BookFigure("epoch", (6, 7), "Demo", band=BAND).text() == "6-7"
    assert BookFigure("accuracy", 1.0, "XOR", band=BAND).text() == "1"
    assert BookFigure("shape", "noise lower", "MNIST", band="lower").text() == "noise lower"


def test_band_text():
    assert BookFigure("a", 0.5, "R", band=(0.45, 1.0)).band_text() == "band 0.45-1"
    assert BookFigure("a", 0.4, "R", band="at least 0.03 below").band_text() == (
        "at least 0.03 below"
    )
    assert BookFigure("a", 12, "B", differs="read off a plot").band_text() == ""


def test_result_line_names_the_source_and_the_dataset_unless_it_is_the_books():
    book = BookFigure("test accuracy", 0.912, "Demo", "ch. 1", band=BAND)
    assert (
        Result("test accuracy", 0.98012, "Demo", book).line()
        == "test accuracy 0.9801 (book, 2nd ed. ch. 1: 0.912)"
    )
    assert (
        Result("test accuracy", 0.9556, "digits", book).line()
        == "test accuracy 0.9556 on digits (a stand-in, not judged; book, 2nd ed. ch. 1: 0.912 on "
        "Demo)"
    )
    band = BookFigure("test accuracy", (0.601, 0.602), "Demo", band=BAND)
    assert (
        Result("test accuracy", 0.5, "synthetic-demo", band)
        .line()
        .endswith("(a stand-in, not judged; book, 2nd ed.: 0.601-0.602 on Demo)")
    )
    assert Result("MAE", 2.5, "Demo").line() == "MAE 2.5000 on Demo"
    detailed = Result("peak", 0.623, "Other", band, detail="(reference: 0.8170)", digits=3)
    assert detailed.line() == (
        "peak 0.623 (reference: 0.8170) on Other (a stand-in, not judged; book, 2nd ed.: "
        "0.601-0.602 on Demo)"
    )


@pytest.mark.parametrize(
    ("band", "value", "dataset", "holds", "inside"),
    [
        ((0.6, 1.0), 0.65, "Demo", None, True),
        ((0.6, 1.0), 0.5, "Demo", None, False),
        ((0.6, 1.0), 0.65, "synthetic-demo", None, None),  # a stand-in: never judged
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
    assert result.inside is True and result.line() == "gap 0.000030 (book, 2nd ed.: 0)"


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


@pytest.mark.parametrize(
    ("figure", "value", "dataset", "verdict"),
    [
        (BookFigure("a", 0.5, "Demo", band=(0.4, 0.6)), 0.45, "Demo", "inside"),
        (BookFigure("a", 0.5, "Demo", band=(0.4, 0.6)), 0.7, "Demo", "outside"),
        (BookFigure("a", 0.5, "Demo", band=(0.4, 0.6)), 0.45, "digits", "stand-in"),
        (BookFigure("a", 0.5, "Demo", band=(0.4, 0.6), exact=True), 0.5, "Demo", "exact"),
        (BookFigure("a", 0.5, "Demo", differs="a slip in the notes"), 0.3, "Demo", "differs"),
        (None, 0.5, "Demo", "no published figure"),
    ],
)
def test_one_verdict_per_result(figure, value, dataset, verdict):
    assert Result("a", value, dataset, figure).verdict == verdict


def test_a_claims_comparisons_decide_whether_it_holds_at_this_seed():
    book = BookFigure("a vs b", "a lower", "Demo", band="a lower by more than 0.1")
    lower = Comparison("a", 0.5, "b", 0.7, "lower", margin=0.1)
    assert lower.holds and lower.label == "a - b"
    assert not Comparison("a", 0.65, "b", 0.7, "lower", margin=0.1).holds
    assert Comparison("a", 0.9, "b", 0.7, "higher").holds
    result = Result("a vs b", "a 0.5, b 0.7", "Demo", book, comparisons=(lower,))
    assert result.holds is True and result.verdict == "inside"
    again = Result.from_dict(result.as_dict())
    assert again.comparisons == (lower,) and again.holds is True


@pytest.mark.parametrize(
    ("origin", "source", "label"),
    [
        ("book", "ch. 4.2", "book, 2nd ed. ch. 4.2"),
        ("notes", '"퍼셉트론"', 'notes, "퍼셉트론"'),
        ("text", "DLFS ch. 3.5", "DLFS ch. 3.5"),
        ("identity", "the chain rule", "identity"),
    ],
)
def test_a_line_says_where_its_figure_comes_from(origin, source, label):
    figure = BookFigure("XOR accuracy", 1.0, "XOR", source, band=(1.0, 1.0), origin=origin)
    assert Result("XOR accuracy", 1.0, "XOR", figure, digits=2).line() == (
        f"XOR accuracy 1.00 ({label}: 1)"
    )
    assert BookFigure.from_dict(figure.as_dict()) == figure


def test_the_book_figure_of_another_edition_says_so():
    third = BookFigure("test accuracy", 0.8833, "IMDB", "ch. 4", band=(0.87, 0.9), edition=3)
    assert third.label() == "book, 3rd ed. ch. 4"


def test_a_smoke_run_shows_no_published_figure():
    book = BookFigure("test accuracy", 0.978, "MNIST", "ch. 2.1", band=BAND)
    line = Result("test accuracy", 1.0, "synthetic-mnist", book, smoke=True).line()
    assert line == (
        "test accuracy 1.0000 on synthetic-mnist (--quick smoke run: not comparable with any "
        "published figure)"
    )
    assert "0.978" not in line and "MNIST" not in line


def test_an_unknown_origin_is_refused():
    with pytest.raises(ValueError, match="expected origin one of book, notes, text, identity"):
        BookFigure("a", 1.0, "B", band=(0, 1), origin="blog")
