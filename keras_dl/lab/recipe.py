"""What a recipe script needs, behind one import: ``from keras_dl import recipe``.

A recipe reads like this::

    BOOK = recipe.BookFigure("test accuracy", 0.978, "MNIST", "ch. 2.1", band=(0.975, 1))

    @recipe.command
    def main(argv=None):
        args = recipe.parser(__doc__, epochs=5, batch_size=128).parse_args(argv)
        data = load_images("mnist", quick=args.quick, seed=args.seed)
        with recipe.start("mnist", args, dataset=data.name) as run:
            model = build_dense_model(784, "multiclass", num_classes=10)
            history = run.fit(model, *data.train, epochs=args.epochs)
            test = model.evaluate(*data.test, return_dict=True, verbose=0)
            run.finish(history=history, metrics={"test": test},
                       result=run.result("test accuracy", test["accuracy"], BOOK))

`start` seeds everything from ``--seed`` and opens the run record; `RecipeRun.fit` trains
with the run's safety net (every epoch on disk at once, resumable, stopped by Ctrl-C or a
NaN loss); `RecipeRun.finish` writes history.csv, curves.png and metrics.json and prints
the closing line beside the book's; `overlay` compares a recipe's runs and records what
they show together (a claim).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from keras_dl.lab.flags import QUICK_EPOCHS, parser, positive_float, positive_int
from keras_dl.lab.folds import cross_validate, fold_mean, kfold_parser, smoothed_bottom
from keras_dl.lab.invocation import RunRefusedError, run_main
from keras_dl.lab.lifecycle import RecipeRun, start
from keras_dl.lab.overlay import overlay
from keras_dl.lab.registry import packaged_dir
from keras_dl.records.book import ANY_DATASET, BookFigure, Comparison, Result, around, ordinal
from keras_dl.records.run import EpochWriter

__all__ = [
    "ANY_DATASET",
    "QUICK_EPOCHS",
    "BookFigure",
    "Comparison",
    "EpochWriter",
    "RecipeRun",
    "Result",
    "RunRefusedError",
    "around",
    "command",
    "cross_validate",
    "fold_mean",
    "kfold_parser",
    "ordinal",
    "overlay",
    "packaged_file",
    "parser",
    "positive_float",
    "positive_int",
    "print_table",
    "smoothed_bottom",
    "start",
]


def command(main: Callable[[list[str] | None], int | None]) -> Callable[..., int]:
    """Wrap a recipe's ``main(argv)`` for running it as a script: a missing dataset, a
    failed run or a refused resume prints one ``error:`` line and returns 2; Ctrl-C
    returns 130 without a traceback (the run said what it kept and how to resume it).

    `keras_dl.lab.invocation.invoke` calls the recipe's own ``main`` (``__wrapped__``),
    where Ctrl-C stays an exception up to the command line.
    """

    @functools.wraps(main)
    def wrapper(argv: list[str] | None = None) -> int:
        try:
            return run_main(main, argv)
        except KeyboardInterrupt:
            return 130

    return wrapper


def packaged_file(relative: str) -> Path:
    """A data file that comes with the recipes, e.g. ``"notes/oysters.csv"``: beside its
    script in a checkout (``recipes/notes/``) and in an installed package alike."""
    return packaged_dir() / relative


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
