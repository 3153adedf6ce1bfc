"""``report [RUNS_DIR]``: one static page, RUNS_DIR/index.html, for every run.

Every recipe, its runs (newest first) with their status, the headline number beside the
book's with the verdict, the curves, and links to each run's files; then its seed groups
and sweeps with their overlays. Plain HTML and CSS with relative links: no server, no
JavaScript, it opens from disk (and from a copy of the folder).
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
figure { margin: 0; width: 24em; } figure img { width: 100%; border: 1px solid #ddd; }
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
    recipes = [
        folder
        for folder in sorted(runs_dir.iterdir())
        if folder.is_dir()
        and (runs_in(folder) or groups_in(folder) or any(folder.glob("compare-*.png")))
    ]
    page = _page(runs_dir, out.parent, recipes)
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


def _page(runs_dir: Path, base: Path, recipes: list[Path]) -> str:
    written = datetime.now().isoformat(timespec="seconds")
    nav = " ".join(f'<a href="#{_e(r.name)}">{_e(r.name)}</a>' for r in recipes)
    sections = "\n".join(_recipe_section(r, base) for r in recipes)
    if not recipes:
        sections = "<p>No runs yet: <code>python -m keras_dl run digits</code> makes one.</p>"
    return f"""<!doctype html>
{MARKER}
<html lang="en"><head><meta charset="utf-8">
<title>keras-dl runs: {_e(str(runs_dir))}</title><style>{STYLE}</style></head>
<body>
<h1>keras-dl runs in {_e(str(runs_dir))}</h1>
<p>Written {written} by <code>python -m keras_dl report</code>. Every recipe's runs, newest
first: status, our headline number beside the book's, the curves, the files.</p>
<nav>{nav}</nav>
{sections}
</body></html>
"""


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
    if runs:
        parts.append(
            "<table><tr><th>run</th><th>status</th><th>ours</th><th>book</th>"
            f"<th>verdict</th><th>files</th></tr>\n{rows}</table>"
        )
    if figures:
        parts.append(f'<div class="curves">{figures}</div>')
    if groups:
        parts.append(_groups_table(groups, base))
    parts.append("</section>")
    return "\n".join(parts)


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
    files = " ".join(
        f'<a href="{_href(path, base)}">{_e(path.name)}{"/" if path.is_dir() else ""}</a>'
        for path in sorted(run.iterdir())
        if not path.name.endswith(".tmp")
    )
    return (
        f'<tr><td><a href="{_href(run, base)}">{_e(run.name)}</a></td>'
        f'<td class="{_e(status)}">{_e(status)}</td><td>{ours or "-"}</td><td>{book_text}</td>'
        f'<td class="verdict">{_e(str(verdict))}</td><td class="files">{files}</td></tr>'
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
        rows.append(
            f'<tr><td><a href="{_href(group.path, base)}">{_e(group.path.name)}</a></td>'
            f'<td>{group.kind}</td><td class="{_e(record.get("status", ""))}">'
            f"{_e(record.get('status', '-'))}</td><td>{len(group.members)}</td>"
            f"<td><code>{_e(record.get('command', ''))}</code></td>"
            f'<td class="files">{links}</td></tr>'
        )
    figures = "".join(
        _figure(png, base, f"{group.path.name}: {png.name}")
        for group in groups
        for png in sorted(group.path.glob("*.png"))
    )
    return (
        "<h3>Seed groups and sweeps</h3><table><tr><th>folder</th><th>kind</th><th>status</th>"
        "<th>seeds / points</th><th>command</th><th>files</th></tr>\n"
        + "\n".join(rows)
        + f'</table><div class="curves">{figures}</div>'
    )


def _figure(png: Path, base: Path, caption: str) -> str:
    href = _href(png, base)
    return (
        f'<figure><a href="{href}"><img src="{href}" alt="{_e(caption)}" loading="lazy"></a>'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _href(path: Path, base: Path) -> str:
    """`path` relative to the page's folder, URL-quoted (a link that works from disk)."""
    return quote(Path(os.path.relpath(path, base)).as_posix())


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)
