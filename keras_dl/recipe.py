"""What a recipe script needs, behind one import: ``from keras_dl import recipe``.

A recipe reads like this::

    BOOK = recipe.BookFigure("test accuracy", 0.978, "MNIST", "ch. 2.1", band=(0.975, 1))

    @recipe.command
    def main(argv=None):
        args = recipe.parser(__doc__, epochs=5, batch_size=128).parse_args(argv)
        data = load_images("mnist", quick=args.quick, seed=args.seed)
        with recipe.start("mnist", args, dataset=data.name) as run:
            ...build, fit, evaluate...
            run.finish(history=history, metrics={"test": test},
                       result=run.result("test accuracy", test["accuracy"], BOOK))

`start` seeds everything from ``--seed`` and opens the run record; `RecipeRun.finish` writes
history.csv, curves.png and metrics.json and prints the closing line beside the book's.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from keras_dl import runtime
from keras_dl.book import ANY_DATASET, BookFigure, Result, around
from keras_dl.curves import compare
from keras_dl.datasets import DatasetUnavailableError
from keras_dl.flags import QUICK_EPOCHS, QUICK_NOTE, parser, positive_float, positive_int
from keras_dl.plots import history_figure
from keras_dl.runs import Run, start_run

__all__ = [
    "ANY_DATASET",
    "QUICK_EPOCHS",
    "BookFigure",
    "RecipeRun",
    "Result",
    "around",
    "command",
    "overlay",
    "parser",
    "positive_float",
    "positive_int",
    "print_table",
    "start",
]


class RecipeRun(Run):
    """A run of a recipe: the run record plus the parsed flags and the dataset's name."""

    def __init__(self, path: Path, recipe: str, *, args: argparse.Namespace, dataset: str):
        super().__init__(path, recipe)
        self.args = args
        self.dataset = dataset

    def result(self, metric: str, value: float | str, book: BookFigure | None = None, **kw):
        """A `Result` measured on this run's dataset (keywords: digits, holds, detail)."""
        return Result(metric, value, self.dataset, book, **kw)

    def _figure(self, result: Result) -> dict:
        """A result's metrics.json form. A quick run's number is a smoke test: it says so,
        and is never judged against the book's (an identity, true on any data, still is)."""
        record = {**result.as_dict(), "quick": bool(self.args.quick)}
        if self.args.quick and not (result.book and result.book.dataset == ANY_DATASET):
            record["inside"] = None
        return record

    def finish(
        self,
        *,
        history=None,
        metrics: Mapping | None = None,
        result: Result | None = None,
        figures: Sequence[Result] = (),
        title: str = "",
    ) -> None:
        """Write history.csv, curves.png (unless --no-plots) and metrics.json; print the result.

        Args:
            history: a Keras ``History`` (what ``fit`` returns) or its ``.history`` dict;
                None when nothing was trained epoch by epoch.
            metrics: anything else worth keeping (test metrics, sizes, ...).
            result: the headline number beside the book's, printed last.
            figures: the recipe's other numbers beside the book's (best epoch, baseline, ...).
            title: the curves' title (default: the run's name).

        The best epoch (lowest val_loss) is added to the metrics when the history has one.
        """
        history = getattr(history, "history", history)
        metrics = dict(metrics or {})
        if history:
            self.save_history(history)
            if not self.args.no_plots:
                self.save_figure(history_figure(history, title=title or self.name))
            val_loss = history.get("val_loss")
            if val_loss is not None and len(val_loss):
                best = min(range(len(val_loss)), key=val_loss.__getitem__)
                metrics.setdefault("best_epoch", best + 1)
                metrics.setdefault("best_val_loss", float(val_loss[best]))
        if result is not None:
            metrics["result"] = self._figure(result)
        if figures:
            metrics["figures"] = [self._figure(figure) for figure in figures]
        self.save_metrics(metrics)
        if self.args.quick and result is not None and result.book is not None:
            print(f"--quick: {QUICK_NOTE}; not comparable with the book's figure")
        print(f"run directory: {self.path}")
        if result is not None:
            print(result.line())


def start(name: str, args: argparse.Namespace, *, dataset: str, variant: str = "") -> RecipeRun:
    """Configure the runtime, seed everything, print backend and device, open the run.

    `variant` names one of several runs of a recipe (it is added to the run's tag), so
    that each variant is a run of its own that `overlay` can compare. The run is a context
    manager: if its body raises, the run directory is removed.
    """
    runtime.configure(mixed_precision=args.mixed_precision, xla=args.xla)
    runtime.seed_everything(args.seed)
    environment = runtime.describe()
    print(
        f"[{name}{' ' + variant if variant else ''}] backend {environment['backend']}, "
        f"{environment['device']}, dataset {dataset}"
    )
    tag = "-".join(part for part in (args.tag, variant) if part) or None
    config = {
        "arguments": vars(args),
        "seed": args.seed,
        "dataset": dataset,
        "variant": variant or None,
        **environment,
        "command": sys.argv,
    }
    record = start_run(name, config, out=args.out, tag=tag)
    return RecipeRun(record.path, name, args=args, dataset=dataset)


def overlay(runs: Sequence[RecipeRun], *, metric: str = "val_loss", label: str = "") -> list[dict]:
    """Overlay `metric` across a recipe's variant runs with `keras_dl.curves.compare`.

    Writes ``<out>/<recipe>/compare-<YYYYmmdd-HHMMSS>[-tag][-label]-<metric>.png`` and its
    CSV table (only the table is printed with --no-plots) and returns the table's rows.
    """
    args, recipe = runs[0].args, runs[0].recipe
    out = None
    if not args.no_plots:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        suffix = "".join(f"-{part}" for part in (args.tag, label) if part)
        out = Path(args.out) / recipe / f"compare-{stamp}{suffix}-{metric}.png"
        attempt = 2
        while out.exists() or out.with_suffix(".csv").exists():
            out = out.with_name(f"compare-{stamp}{suffix}-{metric}-{attempt}.png")
            attempt += 1
    return compare([run.path for run in runs], metric, 0.0, out)


def print_table(rows: Sequence[Mapping[str, object]], *, title: str = "") -> None:
    """Print rows (dicts with the same keys) as an aligned table, e.g. one line per variant.

    Floats print with 4 decimals, or in scientific notation below 0.001.

    Example:
        >>> print_table([{"variant": "l2", "best epoch": 5, "val_loss": 0.3612}])
        variant  best epoch  val_loss
        l2                5    0.3612
    """
    if not rows:
        return
    cells = [[_cell(value) for value in row.values()] for row in rows]
    header = [str(key) for key in rows[0]]
    widths = [max(len(text) for text in column) for column in zip(header, *cells, strict=True)]
    numeric = [not isinstance(value, str) for value in rows[0].values()]

    def line(texts: Sequence[str]) -> str:
        parts = zip(texts, widths, numeric, strict=True)
        return "  ".join(t.rjust(w) if n else t.ljust(w) for t, w, n in parts).rstrip()

    if title:
        print(f"\n{title}")
    print(line(header))
    for texts in cells:
        print(line(texts))


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2e}" if value and abs(value) < 1e-3 else f"{value:.4f}"
    return "-" if value is None else str(value)


def command(main: Callable[[list[str] | None], int | None]) -> Callable[..., int]:
    """Wrap a recipe's ``main(argv)``: a missing dataset prints what to do and returns 2."""

    @functools.wraps(main)
    def wrapper(argv: list[str] | None = None) -> int:
        try:
            return main(argv) or 0
        except DatasetUnavailableError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2

    return wrapper
