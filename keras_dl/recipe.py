"""What every recipe shares: its command-line flags, its run record, and the closing line
that puts our number beside the book's.

A recipe script uses it like this::

    BOOK = BookFigure("test accuracy", 0.978, "MNIST", "ch. 2.1")

    @recipe_main
    def main(argv=None):
        args = parse_recipe_args(recipe_parser(__doc__, epochs=5, batch_size=128), argv)
        run = start_recipe("digits", args, dataset="digits")
        with run:
            ...train, evaluate...
            finish_recipe(run, args, history=history.history, metrics={"test": test},
                          result=Result("test accuracy", test["accuracy"], "digits", BOOK))
"""

from __future__ import annotations

import argparse
import functools
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from keras_dl import runtime
from keras_dl.curves import compare
from keras_dl.datasets import DatasetUnavailableError
from keras_dl.plots import history_figure
from keras_dl.runs import TAG_PATTERN, Run, start_run

QUICK_EPOCHS = 2
QUICK_NOTE = f"a small slice and at most {QUICK_EPOCHS} epochs"


@dataclass(frozen=True)
class BookFigure:
    """A published number: its metric, value (or (low, high) band), dataset and source."""

    metric: str
    value: float | tuple[float, float]
    dataset: str
    source: str = ""

    def text(self) -> str:
        """The value as printed, every published digit kept: "0.978" or "0.884-0.885"."""
        if isinstance(self.value, tuple):
            return "-".join(_number_text(v) for v in self.value)
        return _number_text(self.value)

    def as_dict(self) -> dict:
        """JSON form for metrics.json."""
        return {
            "metric": self.metric,
            "value": self.value,
            "text": self.text(),
            "dataset": self.dataset,
            "source": self.source,
        }


@dataclass(frozen=True)
class Result:
    """Our headline number, on the dataset it was measured on, beside the book's."""

    metric: str
    value: float
    dataset: str
    book: BookFigure | None = None
    digits: int = 4

    @property
    def same_dataset(self) -> bool:
        """Whether the book's figure was measured on the dataset we used."""
        return self.book is not None and self.book.dataset.lower() == self.dataset.lower()

    def line(self) -> str:
        """E.g. "test accuracy 0.9801 (book: 0.978)" or, on another dataset,
        "test accuracy 0.9556 on digits (book: 0.978 on MNIST)"."""
        ours = f"{self.metric} {self.value:.{self.digits}f}"
        if self.book is None:
            return f"{ours} on {self.dataset}"
        if self.same_dataset:
            return f"{ours} (book: {self.book.text()})"
        return f"{ours} on {self.dataset} (book: {self.book.text()} on {self.book.dataset})"

    def as_dict(self) -> dict:
        """JSON form for metrics.json."""
        return {
            "metric": self.metric,
            "value": float(self.value),
            "dataset": self.dataset,
            "book": self.book.as_dict() if self.book else None,
            "same_dataset": self.same_dataset,
        }


def recipe_parser(
    doc: str | None, *, epochs: int | None = None, batch_size: int | None = None
) -> argparse.ArgumentParser:
    """The flags every recipe shares; add the recipe's own to the returned parser.

    ``--epochs`` and ``--batch-size`` exist when the recipe trains (give their defaults).
    """
    summary, _, details = (doc or "").strip().partition("\n")
    parser = argparse.ArgumentParser(
        description=summary,
        epilog=details.strip() or None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    if epochs is not None:
        parser.add_argument(
            "--epochs",
            type=positive_int,
            default=epochs,
            help="training epochs (default: %(default)s)",
        )
    if batch_size is not None:
        parser.add_argument(
            "--batch-size",
            type=positive_int,
            default=batch_size,
            help="samples per gradient step (default: %(default)s)",
        )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="fixes splits, initial weights and shuffling (default: 0)",
    )
    parser.add_argument("--out", default="runs", help="folder for run records (default: runs)")
    parser.add_argument(
        "--tag", type=_tag, default=None, help="suffix for the run directory name, e.g. lr-0.01"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke test: {QUICK_NOTE}",
    )
    parser.add_argument("--no-plots", action="store_true", help="do not write PNG plots")
    parser.add_argument(
        "--mixed-precision",
        action="store_true",
        help="compute in float16 (GPU) / bfloat16 (CPU); heads stay float32",
    )
    parser.add_argument("--xla", action="store_true", help="compile with XLA")
    return parser


def parse_recipe_args(parser: argparse.ArgumentParser, argv=None) -> argparse.Namespace:
    """Parse `argv`; ``--quick`` caps the epochs and tags the run "quick" (unless tagged)."""
    args = parser.parse_args(argv)
    if args.quick:
        if getattr(args, "epochs", None):
            args.epochs = min(args.epochs, QUICK_EPOCHS)
        args.tag = args.tag or "quick"
    return args


def start_recipe(name: str, args: argparse.Namespace, *, dataset: str, variant: str = "") -> Run:
    """Configure the runtime, seed everything, print backend and device, open the run.

    `variant` names one of several runs of a recipe (it is added to the run's tag), so
    that each variant is a run of its own that `compare` can overlay.
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
    return start_run(name, config, out=args.out, tag=tag)


def finish_recipe(
    run: Run,
    args: argparse.Namespace,
    *,
    history: Mapping | None,
    metrics: Mapping,
    result: Result | None = None,
    title: str = "",
) -> None:
    """Write history.csv, curves.png (unless --no-plots) and metrics.json; print the result.

    The best epoch (lowest val_loss) is added to the metrics when the history has one.
    """
    metrics = dict(metrics)
    if history:
        run.save_history(history)
        if not args.no_plots:
            run.save_figure(history_figure(history, title=title or run.name))
        val_loss = history.get("val_loss")
        if val_loss is not None and len(val_loss):
            best = min(range(len(val_loss)), key=val_loss.__getitem__)
            metrics.setdefault("best_epoch", best + 1)
            metrics.setdefault("best_val_loss", float(val_loss[best]))
    if result is not None:
        # A quick run's number is a smoke test: say so wherever it is put beside the book's.
        metrics["result"] = {**result.as_dict(), "quick": bool(args.quick)}
    run.save_metrics(metrics)
    if args.quick and result is not None and result.book is not None:
        print(f"--quick: {QUICK_NOTE}; not comparable with the book's figure")
    print(f"run directory: {run.path}")
    if result is not None:
        print(result.line())


def overlay_runs(
    name: str,
    runs: Sequence[Run],
    args: argparse.Namespace,
    *,
    metric: str = "val_loss",
    smooth: float = 0.0,
) -> list[dict]:
    """Overlay `metric` across a recipe's variant runs with `keras_dl.curves.compare`.

    Writes ``<out>/<name>/compare-<YYYYmmdd-HHMMSS>[-tag]-<metric>.png`` and its CSV table
    (only the table is printed with --no-plots) and returns the table's rows.
    """
    out = None
    if not args.no_plots:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        tag = f"-{args.tag}" if args.tag else ""
        out = Path(args.out) / name / f"compare-{stamp}{tag}-{metric}.png"
        suffix = 2
        while out.exists() or out.with_suffix(".csv").exists():
            out = out.with_name(f"compare-{stamp}{tag}-{metric}-{suffix}.png")
            suffix += 1
    return compare([run.path for run in runs], metric, smooth, out)


def recipe_main(main: Callable[[list[str] | None], int | None]) -> Callable[..., int]:
    """Wrap a recipe's ``main(argv)``: a missing dataset prints what to do and returns 2."""

    @functools.wraps(main)
    def wrapper(argv: list[str] | None = None) -> int:
        try:
            return main(argv) or 0
        except DatasetUnavailableError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2

    return wrapper


def _number_text(value: float) -> str:
    """Shortest exact text of a number: 1.0 -> "1", 0.31682708 -> "0.31682708"."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def positive_int(text: str) -> int:
    """argparse type for flags such as ``--epochs``: a whole number of at least 1.

    Example:
        >>> parser.add_argument("--retrain-epochs", type=positive_int, default=9)
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a positive integer")
    return value


def positive_float(text: str) -> float:
    """argparse type for flags such as ``--learning-rate``: a finite number above 0.

    Example:
        >>> parser.add_argument("--learning-rate", type=positive_float, default=1e-3)
    """
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number above 0, e.g. 0.01")
    return value


def _tag(text: str) -> str:
    if not TAG_PATTERN.match(text):
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected letters, digits, '.', '_' or '-', e.g. lr-0.01"
        )
    return text
