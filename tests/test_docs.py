"""The documentation pages in docs/: what they include exists, their links lead somewhere,
results are included from bench/results/ (never copied), and their examples run.

`make docs` (mkdocs build --strict) checks the same links and includes again, with the API
pages; it runs in CI, not here.
"""

import ast
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
RESULTS = ROOT / "bench" / "results"
PAGES = sorted(DOCS.rglob("*.md"))
INCLUDE = re.compile(r'^[ \t]*--8<--[ \t]+"([^"]+)"[ \t]*$', re.M)
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)


def _includes(page: Path) -> list[tuple[str, str]]:
    """(path, what follows its colon: a README section, a line range, or '') of each include."""
    targets = []
    for target in INCLUDE.findall(page.read_text(encoding="utf-8")):
        path, _, spec = target.partition(":")
        targets.append((path, spec))
    return targets


def _prose(page: Path) -> str:
    """The page's markdown outside its fenced code blocks."""
    return FENCE.sub("", page.read_text(encoding="utf-8"))


def _section(text: str, name: str) -> str:
    start, end = f"--8<-- [start:{name}]", f"--8<-- [end:{name}]"
    assert text.count(start) == 1 and text.count(end) == 1, name
    return text.split(start, 1)[1].split(end, 1)[0]


def _table_rows(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("| ") and "---" not in line]


def test_every_include_exists():
    assert PAGES
    for page in PAGES:
        for path, spec in _includes(page):
            assert (ROOT / path).is_file(), f"{page.name}: {path}"
            text = (ROOT / path).read_text(encoding="utf-8")
            if re.fullmatch(r"[a-z][-_0-9a-z]*", spec):  # a README section
                assert _section(text, spec).strip(), f"{page.name}: {path}:{spec}"
            elif spec:  # a line range: it must start inside the file
                assert int(spec.split(":")[0]) <= len(text.splitlines()), f"{page.name}: {spec}"


def test_the_readme_sections_the_home_page_includes_have_no_relative_links():
    """A link relative to the README would point elsewhere on docs/index.md."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path, spec in _includes(DOCS / "index.md"):
        if path == "README.md":
            for link in LINK.findall(_section(readme, spec)):
                assert urlsplit(link).scheme, f"README section {spec}: {link}"


def test_results_are_included_from_bench_results_never_copied():
    included = {path for page in PAGES for path, _ in _includes(page)}
    assert "bench/results/book.md" in {path for path, _ in _includes(DOCS / "reproduce.md")}
    assert "bench/results/speed-cpu.md" in {path for path, _ in _includes(DOCS / "speed.md")}
    for result in RESULTS.glob("*.md"):
        rows = _table_rows(result.read_text(encoding="utf-8"))
        assert rows and f"bench/results/{result.name}" in included, result.name
        for page in [*PAGES, ROOT / "README.md", ROOT / "CONTRIBUTING.md"]:
            copied = set(rows) & set(_table_rows(page.read_text(encoding="utf-8")))
            assert not copied, f"{page.name} copies rows of {result.name}: {sorted(copied)[:2]}"


def _public_names(module: str) -> set[str]:
    """The names in a module's ``__all__``, read without importing it."""
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            return set(ast.literal_eval(node.value))
    raise AssertionError(f"{module} has no __all__")


@pytest.mark.parametrize(
    ("page", "module"),
    [("api/index.md", "keras_dl/__init__.py"), ("api/recipe.md", "keras_dl/lab/recipe.py")],
)
def test_the_api_pages_name_every_public_name(page, module):
    """The table on the page says where each name of the module's ``__all__`` is documented."""
    text = (DOCS / page).read_text(encoding="utf-8")
    listed = {
        name for row in _table_rows(text) for name in re.findall(r"`(\w+)`", row.split("|")[1])
    }
    assert listed == _public_names(module)


def test_every_relative_link_in_the_docs_exists():
    for page in PAGES:
        for link in LINK.findall(_prose(page)):
            parts = urlsplit(link)
            if parts.scheme or not parts.path:  # a web address, or an anchor on the page
                continue
            assert (page.parent / parts.path).exists(), f"{page.relative_to(ROOT)}: {link}"


def test_every_image_the_docs_show_is_in_bench_results():
    images = [
        (page, image)
        for page in PAGES
        for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", _prose(page))
    ]
    assert images
    for page, image in images:
        target = (page.parent / image).resolve()
        assert target.is_relative_to(RESULTS) and target.is_file(), f"{page.name}: {image}"


def _example(page: str, after: str) -> str:
    """The first python block of docs/<page> after the text `after`."""
    text = (DOCS / page).read_text(encoding="utf-8").split(after, 1)[1]
    return re.search(r"```python\n(.*?)```", text, re.S).group(1)


@pytest.mark.slow  # a 5-fold grid search of 4 settings: about a minute
def test_the_scikit_learn_example_runs():
    code = _example("sklearn-tensorboard.md", "## In scikit-learn pipelines")
    namespace = {}
    exec(compile(code, "docs/sklearn-tensorboard.md", "exec"), namespace)
    search = namespace["search"]
    assert len(search.cv_results_["params"]) == 4 and search.best_score_ > 0.9
    assert (
        len(search.best_estimator_[-1].history_["loss"])
        == search.best_params_["denseclassifier__epochs"]
    )


@pytest.mark.slow  # ten trials of 20 epochs: about a minute
def test_the_tuner_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # its trials go to ./tuner
    code = _example("sklearn-tensorboard.md", "## keras-tuner")
    namespace = {}
    exec(compile(code, "docs/sklearn-tensorboard.md", "exec"), namespace)
    split, best = namespace["split"], namespace["best"]
    assert best.evaluate(*split.test, verbose=0, return_dict=True)["accuracy"] > 0.9
