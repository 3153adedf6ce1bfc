"""keras_dl.records.report: one static page for every run; every image and link on it exists."""

import html
import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from keras_dl.lab import cli
from keras_dl.records.book import BookFigure, Result
from keras_dl.records.report import MARKER, report
from keras_dl.records.run import start_run


class Page(HTMLParser):
    """The page's images, links, sections and table rows."""

    def __init__(self):
        super().__init__()
        self.images, self.links, self.sections, self.cells, self.scripts = [], [], [], [], 0
        self._in_cell = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs["src"])
        elif tag == "a" and not attrs["href"].startswith("#"):
            self.links.append(attrs["href"])
        elif tag == "section":
            self.sections.append(attrs["id"])
        elif tag == "script":
            self.scripts += 1
        self._in_cell = tag == "td"

    def handle_data(self, data):
        if self._in_cell:
            self.cells.append(data.strip())
            self._in_cell = False


def read_page(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Runs of two recipes and a seed group, made as a user makes them (once: the tests
    only read them, and write pages elsewhere or the report's own)."""
    out = tmp_path_factory.mktemp("report") / "runs"
    for argv in (
        ["run", "digits", "--quick"],
        ["run", "gates", "--quick"],
        ["reproduce", "gates", "--seeds", "2", "--quick"],
    ):
        cli.main([*argv, "--out", str(out)])
    return out


def test_the_page_shows_every_recipe_and_run_and_every_image_and_link_exists(runs, capsys):

    assert cli.main(["report", str(runs)]) == 0
    page_path = runs / "index.html"
    assert f"report: {page_path} (2 recipes, 4 runs)" in capsys.readouterr().out
    page = read_page(page_path)
    assert page.sections == ["results", "digits", "gates"] and page.scripts == 0
    assert page.images and page.links
    for target in page.images + page.links:
        assert not target.startswith(("/", "http")), target  # relative: opens from disk
        assert (runs / unquote(target)).exists(), target
    for run_dir in [*runs.glob("digits/2*"), *runs.glob("gates/2*")]:
        assert f"{run_dir.parent.name}/{run_dir.name}" in page.links
        assert f"{run_dir.parent.name}/{run_dir.name}/curves.png" in page.images
    assert page.cells.count("complete") >= 4
    # The headline beside the book's: digits' quick run is a smoke test, never judged.
    text = page_path.read_text()
    assert "test accuracy" in text and "0.978 on MNIST" in text and "not judged" in text
    (group,) = runs.glob("gates/reproduce-*")
    assert f"gates/{group.name}/group.json" in page.links


def test_a_second_report_replaces_its_own_page_but_never_someone_elses(runs, tmp_path):

    first = report(runs)
    assert MARKER in first.read_text()
    assert report(runs) == first  # its own page: replaced
    mine = tmp_path / "mine.html"
    mine.write_text("<p>my notes</p>")
    assert cli.main(["report", str(runs), "--out", str(mine)]) == 2
    assert mine.read_text() == "<p>my notes</p>"


@pytest.mark.parametrize(
    "argv, words",
    [
        (["report", "{missing}"], "expected a folder of runs"),
        (["report", "{runs}", "--out", "{runs}/page.txt"], "expected an .html file name"),
    ],
)
def test_bad_report_arguments_get_one_error_line(tmp_path, capsys, argv, words):

    (tmp_path / "runs").mkdir()
    argv = [a.format(missing=tmp_path / "nowhere", runs=tmp_path / "runs") for a in argv]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and words in err[0]


def test_the_results_come_first_with_each_seed_groups_figures_and_verdicts(runs, tmp_path):
    out = tmp_path / "page.html"
    assert cli.main(["report", str(runs), "--out", str(out)]) == 0
    text = out.read_text()
    results = text[text.index('<section id="results">') : text.index('<section id="digits">')]
    (group,) = runs.glob("gates/reproduce-*")
    figures = json.loads((group / "group.json").read_text())["figures"]
    assert figures
    for figure in figures:
        spread, digits = figure["spread"], figure["digits"]
        assert f"{spread['mean']:.{digits}f} ± {spread['std']:.{digits}f}" in results
        assert html.escape(figure["metric"]) in results and figure["verdict"] in results
        assert html.escape(figure["line"]) in text  # and every judged line, in the group's row
    # digits has no seed group: its newest run's figure, a smoke run's, not judged.
    assert "one run: " in results and "not judged" in results


def test_compare_overlays_are_not_a_recipe_and_their_tables_are_linked(tmp_path, capsys):
    out = tmp_path / "runs"
    demo = [start_run("demo", {"arguments": {"seed": s}}, out=out, tag=f"s{s}") for s in (0, 1)]
    for run in demo:
        run.save_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]})
    overlay = out / "compare" / "compare-a.png"
    overlay.parent.mkdir()
    assert cli.main(["compare", *(str(r.path) for r in demo), "--out", str(overlay)]) == 0
    assert cli.main(["report", str(out)]) == 0
    assert "(1 recipes, 2 runs)" in capsys.readouterr().out
    page = read_page(out / "index.html")
    assert "compare/compare-a.csv" in page.links and "compare" in page.sections


def test_a_differs_verdict_shows_its_reason(tmp_path):
    known = BookFigure("epoch", 80, "Demo", "ch. 4.3", differs="read off one plot")
    run = start_run("demo", {"arguments": {"seed": 0}}, out=tmp_path)
    run.save_metrics(
        {"status": "complete", "result": Result("epoch", 120, "Demo", known).as_dict()}
    )
    text = report(tmp_path).read_text()
    assert "differs" in text and "(read off one plot)" in text
