"""make check-book: a figure that held before and falls outside fails the command."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "check_book.py"


@pytest.fixture
def check_book(tmp_path, monkeypatch):
    """bench/check_book.py as a module, writing its results into a temporary folder."""
    spec = importlib.util.spec_from_file_location("check_book", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "check_book", module)  # dataclasses look it up there
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "RESULTS", tmp_path / "book.md")
    monkeypatch.setattr(module, "VERDICTS", tmp_path / "book.json")
    monkeypatch.setattr(module, "SHARED_DATASETS", tmp_path / "no-shared")
    return module


def row(recipe, figure, verdict, ours="0.5 ± 0.1 (3)"):
    return {"recipe": recipe, "figure": figure, "verdict": verdict, "ours": ours}


def test_inside_to_outside_is_a_regression_and_known_misses_are_not(check_book):
    previous = {"a | x": "inside", "a | y": "outside", "a | z": "exact", "b | w": "inside"}
    rows = [
        row("a", "x", "outside"),  # fell: a regression
        row("a", "y", "outside"),  # was outside already: a known miss
        row("a", "z", "exact"),
        row("b", "-", "-", ours="not run: mnist.npz unavailable"),  # no data here: not judged
    ]
    assert check_book.regressions(rows, previous) == ["a | x: inside -> outside"]
    gone = check_book.regressions([row("a", "y", "outside")], {"a | x": "inside"})
    assert gone == ["a | x: inside -> gone"]
    failed = check_book.regressions([row("c", "-", "failed", ours="FAILED (exit 1)")], {})
    assert failed == ["c: FAILED (exit 1)"]


def test_the_table_lists_known_misses_with_their_reasons(check_book):
    rows = [
        {**row("a", "x", "differs"), "reason": "read off one plot"},
        {**row("a", "y", "inside"), "reason": ""},
    ]
    for r in rows:
        r.update(book="0.5, band 0.4-0.6", range="0.4-0.6", backend="tensorflow", device="CPU")
        r.update(wall="3 s (1 s/seed)")
    text = check_book.write_table(rows, "python bench/check_book.py", 60)
    assert (
        "| a | x | 0.5, band 0.4-0.6 | 0.5 ± 0.1 (3) | 0.4-0.6 | differs (read off one plot) |"
        in text
    )
    assert text.endswith("## Known misses\n\n- **a**, x: differs (read off one plot)\n")


def test_a_figure_falling_outside_fails_the_check(check_book, monkeypatch, tmp_path, capsys):
    # Ten steps at a tenth of the rate leave linear_classifier's loss far above the book's.
    entry = check_book.Entry("linear_classifier", 2, ["--steps", "10", "--learning-rate", "0.01"])
    monkeypatch.setattr(check_book, "ENTRIES", [entry])
    figure = "loss at step 1 -> step 10"
    check_book.VERDICTS.write_text(json.dumps({f"linear_classifier | {figure}": "inside"}))
    monkeypatch.setattr(sys, "argv", ["check_book.py", "--runs", str(tmp_path / "runs")])
    assert check_book.main() == 1
    out = capsys.readouterr().out
    assert f"REGRESSION linear_classifier | {figure}: inside -> outside" in out
    assert not check_book.RESULTS.exists()  # the last good results stay
