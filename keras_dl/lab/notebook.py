"""A Jupyter notebook made from a recipe script, whose cells are the lesson's steps.

The script stays the one source (as keras-io's examples, whose notebooks are generated
from their ``.py``): the notebook is written from it, never edited. Its cells:

1. the docstring, as markdown, and a note on where the notebook comes from;
2. a cell that installs keras-dl where it is missing (Colab), and one with the flags
   (``argv = []``, tagged ``parameters`` for papermill; an alias's flags, e.g. ``mnist``'s
   ``["--dataset", "mnist"]``);
3. the imports and the book's figures;
4. ``main``'s steps, one cell each, the comment above a step as its markdown: parsing the
   flags, loading the data, opening the run (``run = recipe.start(...).open()``, for the
   ``with`` block a notebook cannot span), building, training, evaluating, ``finish`` and
   ``run.close()``. The script's helper functions come each in a cell just before the step
   that first needs them.

Run top to bottom it does what ``keras-dl run NAME`` does: the same run directory under
``runs/``, the same figures at the same seed, and every plot shown inline as it is saved.
The cells are written as a jupytext "percent" script, which jupytext turns into the
``.ipynb``.
"""

from __future__ import annotations

import ast
import json
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from keras_dl.lab.registry import RecipeInfo

REPOSITORY = "https://github.com/keras-dl/keras-dl"  # setup.cfg's url (a test keeps them equal)
INSTALL = f"keras-dl @ git+{REPOSITORY}"


class NotebookError(ValueError):
    """A recipe whose script cannot be laid out as notebook cells (said in one line)."""


@dataclass
class _Cell:
    kind: str  # "code" or "markdown"
    lines: list[str]
    tags: tuple[str, ...] = ()


@dataclass
class _Layout:
    """The cells being laid out, and which of the script's definitions are in them."""

    source: list[str]
    definitions: dict[str, ast.stmt]
    cells: list[_Cell] = field(default_factory=list)
    placed: set[str] = field(default_factory=set)

    def markdown(self, text: str) -> None:
        if text.strip():
            self.cells.append(_Cell("markdown", text.strip("\n").split("\n")))

    def code(self, lines: list[str], *, new_cell: bool = True) -> None:
        if not new_cell and self.cells and self.cells[-1].kind == "code":
            self.cells[-1].lines += lines
        else:
            self.cells.append(_Cell("code", lines))

    def define_what(self, node: ast.AST) -> None:
        """Give each definition `node` uses (and what they use) a cell, before it."""
        for name in sorted(_names(node), key=self._order):
            self._define(name)

    def _define(self, name: str) -> None:
        if name in self.placed or name not in self.definitions:
            return
        self.placed.add(name)
        node = self.definitions[name]
        self.define_what(node)
        self.code(_segment(self.source, node, with_comments=True))

    def _order(self, name: str) -> int:
        node = self.definitions.get(name)
        return node.lineno if node is not None else 0


def notebook_text(info: RecipeInfo) -> str:
    """The notebook of recipe `info` as a jupytext percent script (see the module's doc)."""
    text = info.path.read_text(encoding="utf-8")
    module = ast.parse(text)
    source = text.split("\n")
    main = _main(module, info)
    definitions = {
        node.name: node
        for node in module.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node is not main
    }
    layout = _Layout(source, definitions)
    _header(layout, info, ast.get_docstring(module) or info.name)
    head = [
        node
        for node in module.body[_docstring_count(module) :]
        if node is not main and not _is_definition(node) and not _is_script_entry(node)
    ]
    previous = None
    for node in head:
        layout.define_what(node)
        imports = isinstance(node, ast.Import | ast.ImportFrom)
        commented = bool(_comment_above(source, node))
        same_kind = previous is not None and imports == previous and not commented
        layout.code(_segment(source, node, with_comments=True), new_cell=not same_kind)
        previous = imports
    _steps(layout, main.body[_docstring_count(main) :], source, indent=main.col_offset + 4)
    rest = [name for name in definitions if name not in layout.placed]
    if rest:
        layout.markdown("## The rest of the script\n\nDefinitions no step above used.")
        for name in rest:
            layout._define(name)
    return _percent(layout.cells)


def _header(layout: _Layout, info: RecipeInfo, docstring: str) -> None:
    title, _, rest = docstring.partition("\n")
    # The docstring's indented lines (flag tables, commands) stay as they are: code blocks.
    rest = "\n".join(f"    {line}" if line.startswith(" ") else line for line in rest.split("\n"))
    where = f"recipes/{info.source}/{info.path.name}"
    layout.markdown(
        f"# {title}\n\n{rest.strip()}\n\n"
        f"*This notebook is generated from the recipe script `{where}` (`keras-dl notebook "
        f"{info.name}`): edit the script, not the notebook. Run top to bottom, it does what "
        f"`keras-dl run {info.name}` does: a run directory under `runs/{info.script}/`, the "
        "same figures at the same seed, and every plot shown below the cell that saves it.*"
    )
    layout.code(
        [
            "# Colab and other fresh kernels: install keras-dl where it is missing.",
            "import importlib.util",
            "import subprocess",
            "import sys",
            "",
            'if importlib.util.find_spec("keras_dl") is None:',
            "    subprocess.run(",
            f'        [sys.executable, "-m", "pip", "install", "-q", "{INSTALL}"], check=True',
            "    )",
            "",
            "# Start Keras quietly: TensorFlow's start-up log stays out of the cells below.",
            "from keras_dl.lab.startup import start_backend",
            "",
            "start_backend()",
        ]
    )
    flags = json.dumps(list(info.flags))
    layout.cells.append(
        _Cell(
            "code",
            [
                f"# The flags, as on the command line (keras-dl run {info.name} ...): e.g.",
                '# ["--quick"] for a smoke run in seconds, ["--epochs", "10", "--seed", "1"].',
                *(
                    ['# ["--edition", "3"]: the 3rd edition\'s settings and figures.']
                    if 3 in info.editions
                    else []
                ),
                f"argv = {flags}",
            ],
            tags=("parameters",),
        )
    )


def _steps(layout: _Layout, body: list[ast.stmt], source: list[str], *, indent: int) -> None:
    """Lay out `main`'s statements (or a run's ``with`` body) as step cells."""
    main_indent = 4
    fresh = True  # the next step starts a cell of its own
    for i, node in enumerate(body):
        if isinstance(node, ast.Return):
            if i != len(body) - 1 or indent > main_indent:
                raise NotebookError(_where(node, "a return before main's end"))
            continue
        comment = _comment_above(source, node)
        layout.define_what(node)
        run = _run_opened(node)
        if run is not None:
            layout.markdown(comment)
            call = ast.get_source_segment("\n".join(source), run[1], padded=False)
            layout.code([f"{run[0]} = {_dedented(call)}.open()"])
            _steps(layout, node.body, source, indent=indent + 4)
            layout.code([f"{run[0]}.close()  # the end of the script's `with` block"])
            fresh = True
            continue
        _no_return_inside(node)
        lines = _quiet(_dedent(_segment(source, node), indent), node)
        if comment:
            layout.markdown(comment)
        new_cell = bool(comment) or fresh
        if not new_cell and layout.cells[-1].lines[-1].endswith(";"):
            layout.cells[-1].lines[-1] = layout.cells[-1].lines[-1][:-1]  # not its last step
        layout.code(lines, new_cell=new_cell)
        fresh = False


def _run_opened(node: ast.stmt) -> tuple[str, ast.expr] | None:
    """``(name, call)`` for ``with recipe.start(...) as name:``, else None."""
    if not isinstance(node, ast.With) or len(node.items) != 1:
        return None
    item = node.items[0]
    call = item.context_expr
    if (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "start"
        and isinstance(item.optional_vars, ast.Name)
    ):
        return item.optional_vars.id, call
    return None


def _no_return_inside(node: ast.stmt) -> None:
    """A ``return`` in a step (outside a function of its own) has no meaning in a cell."""
    stack: list[ast.AST] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Return):
            raise NotebookError(_where(current, "a return inside one of main's steps"))
        if not isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            stack.extend(ast.iter_child_nodes(current))


def _where(node: ast.AST, what: str) -> str:
    return (
        f"line {node.lineno}: {what}; expected main's steps to run top to bottom "
        "(an if/else instead of an early return)"
    )


def _quiet(lines: list[str], node: ast.stmt) -> list[str]:
    """End a step whose value Jupyter would print (``run.fit(...)``'s History) with ``;``."""
    if isinstance(node, ast.Expr) and not (
        isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id == "print"
    ):
        return [*lines[:-1], lines[-1] + ";"]
    return lines


def _comment_above(source: list[str], node: ast.stmt) -> str:
    """The comment block right above `node` (its lines without ``#``), as markdown."""
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) - 1
    lines: list[str] = []
    row = first - 1
    while row >= 0 and source[row].strip().startswith("#"):
        lines.insert(0, source[row].strip()[1:])
        row -= 1
    return textwrap.dedent("\n".join(lines)).strip()


def _segment(source: list[str], node: ast.stmt, *, with_comments: bool = False) -> list[str]:
    """The lines of `node` (with its decorators, and the comments right above it)."""
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) - 1
    if with_comments:
        while first > 0 and source[first - 1].strip().startswith("#"):
            first -= 1
    return source[first : node.end_lineno]


def _dedent(lines: list[str], indent: int) -> list[str]:
    return [line[indent:] if line[:indent].strip() == "" else line for line in lines]


def _dedented(text: str) -> str:
    """A multi-line expression taken from inside a block, its later lines moved left."""
    first, *rest = text.split("\n")
    return "\n".join([first, *textwrap.dedent("\n".join(rest)).split("\n")]) if rest else text


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _main(module: ast.Module, info: RecipeInfo) -> ast.FunctionDef:
    for node in module.body:
        if isinstance(node, ast.FunctionDef) and node.name == "main":
            return node
    raise NotebookError(f"recipe {info.name!r}: {info.path} has no main(argv) function")


def _docstring_count(node: ast.Module | ast.FunctionDef) -> int:
    return 1 if ast.get_docstring(node) is not None else 0


def _is_definition(node: ast.stmt) -> bool:
    return isinstance(node, ast.FunctionDef | ast.ClassDef)


def _is_script_entry(node: ast.stmt) -> bool:
    """``if __name__ == "__main__":``"""
    return isinstance(node, ast.If) and "__name__" in _names(node.test)


def _percent(cells: Iterable[_Cell]) -> str:
    """The cells as a jupytext percent script."""
    out: list[str] = []
    for cell in cells:
        tags = f" tags={json.dumps(list(cell.tags))}" if cell.tags else ""
        if cell.kind == "markdown":
            out.append(f"# %% [markdown]{tags}")
            out += [f"# {line}".rstrip() for line in cell.lines]
        else:
            out.append(f"# %%{tags}")
            out += _trimmed(cell.lines)
        out.append("")
    return "\n".join(out)


def _trimmed(lines: list[str]) -> list[str]:
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def write_notebook(info: RecipeInfo, folder: Path) -> Path:
    """Write recipe `info`'s notebook to ``folder/<name>.ipynb`` (replacing a notebook
    written before: it is generated, never edited) and return its path."""
    path = Path(folder) / f"{info.name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(notebook_json(info), encoding="utf-8")
    return path


def notebook_json(info: RecipeInfo) -> str:
    """The ``.ipynb`` text of recipe `info`'s notebook (jupytext's conversion)."""
    try:
        import jupytext
    except ImportError:
        raise NotebookError("notebooks need jupytext: pip install 'keras-dl[notebooks]'") from None
    notebook = jupytext.reads(notebook_text(info), fmt="py:percent")
    for number, cell in enumerate(notebook.cells, 1):
        cell["id"] = f"{info.name}-{number}"  # the same notebook from the same script
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "colab": {"provenance": []},
    }
    return jupytext.writes(notebook, fmt="ipynb")
