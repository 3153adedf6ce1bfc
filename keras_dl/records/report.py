"""``report [RUNS_DIR]``: one static page, RUNS_DIR/index.html, for every run.

First the results: every recipe's figures beside the book's (or the notes'), with the
verdict and its reason, from its newest seed group (``reproduce``) or else its newest run.
Then each recipe: its seed groups and sweeps with every figure they judged and their
overlays, its runs (newest first) with their status and files, their plots; then the
overlays ``compare`` wrote, each with its table. Plain HTML and CSS with relative links:
no server, no JavaScript, it opens from disk (and from a copy of the folder).
"""

from __future__ import annotations

import html
import os
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from keras_dl.records.files import atomic_replace, atomic_write
from keras_dl.records.read import (
    GroupRecord,
    groups_in,
    read_config,
    read_metrics,
    run_status,
    runs_in,
)

MARKER = "<!-- written by keras-dl report -->"
STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 78em; color: #222; }
h1 { font-size: 1.5em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
nav a { margin-right: 0.8em; } table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.25em 0.6em; border-bottom: 1px solid #eee;
  vertical-align: top; }
th { background: #f4f4f4; } .complete { color: #1a7f37; } .interrupted { color: #9a6700; }
.failed { color: #cf222e; } .verdict { font-weight: 600; } .files a { margin-right: 0.5em; }
.curves { display: flex; flex-wrap: wrap; gap: 0.8em; margin-top: 0.8em; }
figure { margin: 0; width: 38em; max-width: 100%; }
figure img { width: 100%; border: 1px solid #ddd; } .reason { color: #555; }
.inside, .exact { color: #1a7f37; } .outside { color: #cf222e; }
figcaption { font-size: 0.85em; color: #555; overflow-wrap: anywhere; }
"""


def report(runs_dir: str | os.PathLike = "runs", out: str | os.PathLike | None = None) -> Path:
    """Write the page for every run under `runs_dir` (default ``runs_dir/index.html``) and
    return its path. A page that `report` did not write is never replaced."""
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        raise ValueError(f"runs_dir={str(runs_dir)!r}: expected a folder of runs (e.g. runs)")
    out = Path(out) if out is not None else runs_dir / "index.html"
    if out.suffix.lower() != ".html":
        raise ValueError(f"out={str(out)!r}: expected an .html file name")
    if out.exists() and not _written_by_report(out):
        raise ValueError(f"{out} exists and keras-dl report did not write it: choose another --out")
    folders = [folder for folder in sorted(runs_dir.iterdir()) if folder.is_dir()]
    recipes = [folder for folder in folders if runs_in(folder) or groups_in(folder)]
    overlays = [f for f in folders if f not in recipes and any(f.glob("compare-*.png"))]
    page = _page(runs_dir, out.parent, recipes, overlays)
    data = page.encode()
    (atomic_replace if out.exists() else atomic_write)(out, lambda f: f.write(data))
    count = sum(len(runs_in(r)) for r in recipes)
    print(f"report: {out} ({len(recipes)} recipes, {count} runs)")
    return out


def _written_by_report(path: Path) -> bool:
    """Whether `path` is a page this command wrote: its marker near the top (only the head
    is read, whatever the file's size)."""
    try:
        with path.open("rb") as f:
            return MARKER.encode() in f.read(4096)
    except OSError:
        return False


def _page(runs_dir: Path, base: Path, recipes: list[Path], overlays: list[Path]) -> str:
    written = datetime.now().isoformat(timespec="seconds")
    folders = [*recipes, *overlays]
    nav = " ".join(f'<a href="#{_e(r.name)}">{_e(r.name)}</a>' for r in folders)
    sections = "\n".join(
        [_summary(recipes), *(_recipe_section(r, base) for r in recipes)]
        + [_overlay_section(folder, base) for folder in overlays]
    )
    if not folders:
        sections = "<p>No runs yet: <code>python -m keras_dl run digits</code> makes one.</p>"
    return f"""<!doctype html>
{MARKER}
<html lang="en"><head><meta charset="utf-8">
<title>keras-dl runs: {_e(str(runs_dir))}</title><style>{STYLE}</style></head>
<body>
<h1>keras-dl runs in {_e(str(runs_dir))}</h1>
<p>Written {written} by <code>python -m keras_dl report</code>. First every recipe's figures
beside the published ones, with the verdict; then each recipe's seed groups, sweeps and
runs (newest first) with their curves and files.</p>
<nav>{nav}</nav>
{sections}
</body></html>
"""


def _summary(recipes: list[Path]) -> str:
    """The results table: per recipe, the figures of its newest seed group, else of its
    newest run."""
    rows = []
    for recipe_dir in recipes:
        try:
            headline = _headline(recipe_dir)
        except (AttributeError, KeyError, TypeError, ValueError) as err:
            print(
                f"note: no results row for {recipe_dir}: a record keras-dl did not write ({err})",
                file=sys.stderr,
            )
            continue
        for row in headline:
            cells = "".join(f"<td>{cell}</td>" for cell in row[:-1])
            rows.append(
                f'<tr><td><a href="#{_e(recipe_dir.name)}">{_e(recipe_dir.name)}</a>'
                f"</td>{cells}{row[-1]}</tr>"
            )
    if not rows:
        return ""
    return (
        '<section id="results"><h2>Results</h2><table><tr><th>recipe</th><th>figure</th>'
        "<th>ours</th><th>published</th><th>from</th><th>verdict</th></tr>\n"
        + "\n".join(rows)
        + "</table></section>"
    )


def _headline(recipe_dir: Path) -> list[list[str]]:
    """The rows of a recipe's results: [figure, ours, published, from, verdict cell], from
    its newest seed group, else from the newest run of each of its variants."""
    for group in reversed(groups_in(recipe_dir)):
        figures = group.data.get("figures")
        if group.kind == "reproduce" and isinstance(figures, list) and figures:
            return [_judgement_row(f, group) for f in figures if isinstance(f, dict)]
    rows, variants = [], set()
    for run in runs_in(recipe_dir):  # newest first: the newest run of each variant
        metrics = read_metrics(run, default={})
        results = [metrics.get("result"), *(metrics.get("figures") or [])]
        results = [r for r in results if isinstance(r, dict)]
        variant = read_config(run, default={}).get("variant")
        if results and variant not in variants:
            variants.add(variant)
            rows += [_result_row(r, run.name) for r in results]
    return rows


def _judgement_row(figure: dict, group: GroupRecord) -> list[str]:
    """A seed group's judged figure: our mean ± std over its seeds and the range."""
    spread, digits = figure.get("spread"), int(figure.get("digits", 4))
    ours = "-"
    if isinstance(spread, dict):
        ours = (
            f"{spread['mean']:.{digits}f} ± {spread['std']:.{digits}f} over {spread['n']} seeds "
            f"[{spread['min']:.{digits}f}, {spread['max']:.{digits}f}]"
        )
    name = " / ".join(filter(None, (str(figure.get("variant") or ""), figure.get("metric", ""))))
    ours += f" {figure['stand_in']}" if figure.get("stand_in") else ""
    where = f"{group.path.name}"
    return [
        _e(name),
        f'{_e(ours)}<br><span class="reason">{_e(where)}</span>',
        _e(figure.get("book", "-")),
        _e(figure.get("source", "book")),
        _verdict_cell(figure.get("verdict") or "-", figure.get("reason", "")),
    ]


def _result_row(result: dict, run: str) -> list[str]:
    """One run's figure: its number beside the published one."""
    book = result.get("book") if isinstance(result.get("book"), dict) else {}
    ours = f"{result.get('text', '')} on {result.get('dataset', '')}"
    published = f"{book.get('text', '-')} on {book.get('dataset', '')}" if book else "-"
    verdict = result.get("verdict") or ("not judged" if book else "no published figure")
    reason = book.get("differs", "") if verdict == "differs" else result.get("not_judged", "")
    return [
        _e(result.get("metric", "")),
        f'{_e(ours)}<br><span class="reason">one run: {_e(run)}</span>',
        _e(published),
        _e(book.get("label", "book") if book else "-"),
        _verdict_cell(verdict, reason),
    ]


def _verdict_cell(verdict: str, reason: str) -> str:
    why = f' <span class="reason">({_e(reason)})</span>' if reason else ""
    return f'<td class="verdict {_e(verdict)}">{_e(verdict)}{why}</td>'


def _recipe_section(recipe_dir: Path, base: Path) -> str:
    runs, groups = runs_in(recipe_dir), groups_in(recipe_dir)
    rows = "\n".join(row for run in runs if (row := _run_row_or_note(run, base)))
    figures = "".join(
        _figure(png, base, f"{run.name}: {png.name}")
        for run in runs
        for png in sorted(run.glob("*.png"))
    )
    figures += "".join(
        _figure(png, base, png.name) for png in sorted(recipe_dir.glob("compare-*.png"))
    )
    parts = [f'<section id="{_e(recipe_dir.name)}"><h2>{_e(recipe_dir.name)}</h2>']
    if groups:
        parts.append(_groups_table(groups, base))
    if runs:
        parts.append(
            "<h3>Runs</h3><table><tr><th>run</th><th>status</th><th>ours</th><th>book</th>"
            f"<th>verdict</th><th>files</th></tr>\n{rows}</table>"
        )
    if figures:
        parts.append(f'<div class="curves">{figures}</div>')
    parts.append("</section>")
    return "\n".join(parts)


def _overlay_section(folder: Path, base: Path) -> str:
    """A folder of ``compare`` overlays (``make compare`` writes runs/compare/)."""
    figures = "".join(_figure(png, base, png.name) for png in sorted(folder.glob("compare-*.png")))
    return (
        f'<section id="{_e(folder.name)}"><h2>{_e(folder.name)}: overlays</h2>'
        f'<div class="curves">{figures}</div></section>'
    )


def _run_row_or_note(run: Path, base: Path) -> str:
    """The run's row; a run whose record holds what no run writes is said in one line on
    stderr and left out ("")."""
    try:
        return _run_row(run, base)
    except (AttributeError, TypeError, ValueError) as err:
        print(f"note: skipped {run}: its record is not one keras-dl wrote ({err})", file=sys.stderr)
        return ""


def _run_row(run: Path, base: Path) -> str:
    status = run_status(run)
    metrics = read_metrics(run, default={})
    result = metrics.get("result") or {}
    book = result.get("book") or {}
    ours = result.get("text", "")
    if result:
        ours = f"{_e(result.get('metric', ''))}: {_e(ours)}"
        if result.get("dataset"):
            ours += f" on {_e(result['dataset'])}"
    book_text = _e(book.get("text", "-")) if book else "-"
    if book and book.get("dataset"):
        book_text += f" on {_e(book['dataset'])}"
    if book.get("band_text"):
        book_text += f" ({_e(book['band_text'])})"
    verdict = result.get("verdict") or ("not judged" if result else "-")
    reason = book.get("differs", "") if verdict == "differs" else result.get("not_judged", "")
    files = " ".join(
        f'<a href="{_href(path, base)}">{_e(path.name)}{"/" if path.is_dir() else ""}</a>'
        for path in sorted(run.iterdir())
        if not path.name.endswith(".tmp")
    )
    return (
        f'<tr><td><a href="{_href(run, base)}">{_e(run.name)}</a></td>'
        f'<td class="{_e(status)}">{_e(status)}</td><td>{ours or "-"}</td><td>{book_text}</td>'
        f'{_verdict_cell(str(verdict), reason)}<td class="files">{files}</td></tr>'
    )


def _groups_table(groups: list[GroupRecord], base: Path) -> str:
    rows = []
    for group in groups:
        record = group.data
        links = " ".join(
            f'<a href="{_href(path, base)}">{_e(path.name)}</a>'
            for path in sorted(group.path.iterdir())
            if path.is_file()
        )
        judged = record.get("figures") if isinstance(record.get("figures"), list) else []
        lines = "".join(f"<li>{_e(f.get('line', ''))}</li>" for f in judged if isinstance(f, dict))
        rows.append(
            f'<tr><td><a href="{_href(group.path, base)}">{_e(group.path.name)}</a></td>'
            f'<td>{group.kind}</td><td class="{_e(record.get("status", ""))}">'
            f"{_e(record.get('status', '-'))}</td><td>{len(group.members)}</td>"
            f"<td><code>{_e(record.get('command', ''))}</code>"
            f"{f'<ul>{lines}</ul>' if lines else ''}</td>"
            f'<td class="files">{links}</td></tr>'
        )
    figures = "".join(
        _figure(png, base, f"{group.path.name}: {png.name}")
        for group in groups
        for png in sorted(group.path.glob("*.png"))
    )
    return (
        "<h3>Seed groups and sweeps</h3><table><tr><th>folder</th><th>kind</th><th>status</th>"
        "<th>seeds / points</th><th>command and figures</th><th>files</th></tr>\n"
        + "\n".join(rows)
        + f'</table><div class="curves">{figures}</div>'
    )


def _figure(png: Path, base: Path, caption: str) -> str:
    """A plot, and a link to its table where one stands beside it (compare's CSV)."""
    href = _href(png, base)
    table = png.with_suffix(".csv")
    link = f' · <a href="{_href(table, base)}">{_e(table.name)}</a>' if table.is_file() else ""
    return (
        f'<figure><a href="{href}"><img src="{href}" alt="{_e(caption)}" loading="lazy"></a>'
        f"<figcaption>{_e(caption)}{link}</figcaption></figure>"
    )


def _href(path: Path, base: Path) -> str:
    """`path` relative to the page's folder, URL-quoted (a link that works from disk)."""
    return quote(Path(os.path.relpath(path, base)).as_posix())


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)
