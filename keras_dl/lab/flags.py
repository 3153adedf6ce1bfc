"""The command-line flags every recipe shares, and the ``--quick`` caps each recipe declares."""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

from keras_dl.lab import context
from keras_dl.records.files import TAG_PATTERN
from keras_dl.records.read import RecordError, read_config

QUICK_EPOCHS = 2
DEFAULT_EDITION = 2  # the book's 2nd edition: its Korean translation is what the course notes cite
QUICK_NOTE = f"a small slice and at most {QUICK_EPOCHS} epochs"
MAX_SEED = 2**32 - 1  # what NumPy's and the backends' generators accept
MAX_CPU_DEVICES = 64  # XLA's CPU compiler aborts on 1000 logical devices; 64 gain nothing more
MAX_OUT_DEPTH, MAX_OUT_LENGTH = 64, 1024  # folders deep, characters: far below the OS limits


class RecipeParser(argparse.ArgumentParser):
    """An `argparse.ArgumentParser` whose ``parse_args`` applies the recipe's ``--quick`` caps.

    Under ``--quick`` every capped flag left at its default becomes ``min(default, cap)``
    (the cap itself where the default is None, i.e. "the recipe's own choice"), one given
    above its cap is refused (a run is labelled by what it ran with), ``--epochs`` is capped
    at `QUICK_EPOCHS`, and the run is tagged "quick" unless it has a tag.
    """

    def __init__(self, *args, quick_caps: Mapping[str, int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.quick_caps = dict(quick_caps or {})

    def parse_args(self, args=None, namespace=None) -> argparse.Namespace:  # type: ignore[override]
        """Parse as argparse does, then apply the ``--quick`` caps."""
        # argparse leaves attributes already in the namespace alone: a marker in each tells
        # the flags the user gave from those left at their defaults.
        unset = object()
        marked = argparse.Namespace(**{a.dest: unset for a in self._actions if a.dest != "help"})
        parsed = super().parse_args(args, namespace or marked)
        given = {dest for dest, value in vars(parsed).items() if value is not unset}
        for dest in set(vars(parsed)) - given:
            setattr(parsed, dest, self.get_default(dest))
        resumed = bool(getattr(parsed, "resume", None))
        if resumed:
            self._restore(parsed, given)
        if parsed.quick and not resumed:  # a resumed run's arguments are capped already
            for dest, cap in self.quick_caps.items():
                if hasattr(parsed, dest):
                    value = getattr(parsed, dest)
                    if dest in given and value is not None and value > cap:
                        self._refuse_above_cap(dest, value, cap)
                    setattr(parsed, dest, cap if value is None else min(value, cap))
            parsed.tag = parsed.tag or "quick"
        return parsed

    def _refuse_above_cap(self, dest: str, value: int, cap: int) -> None:
        """A flag given above its ``--quick`` cap would run with the cap under a label that
        says otherwise (a sweep's ``epochs-6`` point training 2 epochs): refused."""
        flag = next(a.option_strings[-1] for a in self._actions if a.dest == dest)
        self.error(
            f"{flag} {value}: --quick runs with {flag} {cap} at most; expected {flag} <= {cap}, "
            "or drop --quick"
        )

    def _restore(self, parsed: argparse.Namespace, given: set[str]) -> None:
        """Take a resumed run's arguments from its config.json, refusing different ones and
        checking each as the command line would; the run's sibling runs (another variant
        of the recipe) go beside it, wherever the command runs."""
        try:
            saved = read_config(parsed.resume)["arguments"]
            saved = dict(saved)
        except (RecordError, KeyError, TypeError, ValueError):
            self.error(f"--resume {parsed.resume}: not a run directory (no readable config.json)")
        actions = {action.dest: action for action in self._actions}
        for dest, value in saved.items():
            if dest in ("resume", "out") or dest not in actions or not hasattr(parsed, dest):
                continue
            flag = "--" + dest.replace("_", "-")
            if dest in given and getattr(parsed, dest) != value:
                self.error(
                    f"--resume {parsed.resume}: the run was made with {flag} {value}, not "
                    f"{getattr(parsed, dest)}; a resumed run keeps its own arguments"
                )
            problem = _recorded_problem(actions[dest], value)
            if problem:
                self.error(f"--resume {parsed.resume}: its config.json records {flag} {problem}")
            setattr(parsed, dest, value)
        parsed.out = str(Path(parsed.resume).parent.parent)


def _recorded_problem(action: argparse.Action, value) -> str:
    """What is wrong with a recorded value of `action`'s flag ("" if nothing): the checks
    the command line makes (its type and choices), on the value as it was recorded."""
    if value is None or isinstance(value, bool) or action.nargs == 0:
        return "" if isinstance(value, bool | None) else f"{value!r}: expected true or false"
    try:
        checked = action.type(str(value)) if action.type else value
    except (argparse.ArgumentTypeError, ValueError, TypeError) as err:
        return f"{str(value)[:40]!r}: {str(err).split(': ', 1)[-1]}"
    if checked != value:
        return f"{value!r}: expected {checked!r} as the command line reads it"
    if action.choices is not None and value not in action.choices:
        return f"{value!r}: expected one of {', '.join(map(str, action.choices))}"
    return ""


def parser(
    doc: str | None,
    *,
    epochs: int | None = None,
    batch_size: int | None = None,
    datasets: Sequence[str] = (),
    quick: Mapping[str, int] | None = None,
    editions: Mapping[int, str] | None = None,
) -> RecipeParser:
    """The flags every recipe shares; add the recipe's own to the returned parser.

    Args:
        doc: the recipe's docstring: its first line is the description, the rest the epilog.
        epochs: default of ``--epochs``; omit it for a recipe that does not train
            (``--epochs`` is capped under ``--quick`` wherever a recipe defines it).
        batch_size: default of ``--batch-size``; omit it for a recipe that does not train.
        datasets: the choices of ``--dataset``, the default first; empty: no such flag.
        quick: caps that ``--quick`` puts on the recipe's own flags, by destination,
            e.g. ``{"retrain_epochs": 2, "val_samples": 400}``.
        editions: the book's editions the recipe follows, each with what changes in it,
            e.g. ``{2: "rmsprop", 3: "adam"}``; `DEFAULT_EDITION` among them is the default.
            Empty: no ``--edition`` flag.

    Example:
        >>> p = parser(__doc__, epochs=20, batch_size=512, quick={"val_samples": 400})
        >>> _ = p.add_argument("--val-samples", type=positive_int, default=10000)
        >>> args = p.parse_args(["--quick"])
        >>> args.epochs, args.val_samples, args.tag
        (2, 400, 'quick')
    """
    summary, _, details = (doc or "").strip().partition("\n")
    caps = {"epochs": QUICK_EPOCHS, **(quick or {})}
    result = RecipeParser(
        prog=context.program(),
        description=summary,
        epilog=details.strip() or None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        quick_caps=caps,
    )
    if epochs is not None:
        result.add_argument(
            "--epochs",
            type=positive_int,
            default=epochs,
            help="training epochs (default: %(default)s)",
        )
    if batch_size is not None:
        result.add_argument(
            "--batch-size",
            type=positive_int,
            default=batch_size,
            help="samples per gradient step (default: %(default)s)",
        )
    if datasets:
        result.add_argument(
            "--dataset",
            choices=tuple(datasets),
            default=datasets[0],
            help="the data to train on, described below (default: %(default)s)",
        )
    if editions:
        if DEFAULT_EDITION not in editions:
            raise ValueError(
                f"editions={dict(editions)!r}: expected the default edition "
                f"{DEFAULT_EDITION} among them"
            )
        default = DEFAULT_EDITION
        changes = "; ".join(f"{number}: {what}" for number, what in editions.items())
        result.add_argument(
            "--edition",
            type=int,
            choices=tuple(editions),
            default=default,
            help=f"the book's edition whose settings and figures to follow ({changes}; "
            f"default: {default})",
        )
    result.add_argument(
        "--seed",
        type=seed,
        default=0,
        help="fixes splits, initial weights and shuffling (default: 0)",
    )
    result.add_argument(
        "--out", type=out_folder, default="runs", help="folder for run records (default: runs)"
    )
    result.add_argument(
        "--tag", type=tag, default=None, help="suffix for the run directory name, e.g. lr-0.01"
    )
    result.add_argument("--quick", action="store_true", help=f"smoke test: {QUICK_NOTE}")
    result.add_argument(
        "--resume",
        metavar="RUN_DIR",
        default=None,
        help="continue an interrupted run from its last finished epoch, with its own arguments",
    )
    result.add_argument("--no-plots", action="store_true", help="do not write PNG plots")
    result.add_argument(
        "--no-tensorboard",
        action="store_true",
        help="do not write TensorBoard event logs (RUN_DIR/tensorboard)",
    )
    result.add_argument(
        "--mixed-precision",
        action="store_true",
        help="compute in float16 (GPU) / bfloat16 (CPU); heads stay float32",
    )
    result.add_argument("--xla", action="store_true", help="compile with XLA")
    result.add_argument(
        "--distribute",
        action="store_true",
        help="train data-parallel on all local devices (TensorFlow's MirroredStrategy, "
        "JAX's keras.distribution.DataParallel); --batch-size stays the global batch",
    )
    result.add_argument(
        "--cpu-devices",
        type=cpu_devices,
        default=None,
        metavar="N",
        help=f"split the CPU into N logical devices (1..{MAX_CPU_DEVICES}), e.g. to try "
        "--distribute on a laptop",
    )
    return result


def positive_int(text: str) -> int:
    """argparse type for flags such as ``--epochs``: a whole number of at least 1.

    Example:
        >>> positive_int("9")
        9
        >>> positive_int("0")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: '0': expected a positive integer
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
        >>> positive_float("1e-3")
        0.001
    """
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number above 0, e.g. 0.01")
    return value


def seed(text: str) -> int:
    """argparse type for ``--seed``: a whole number in 0..2**32-1."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number in 0..{MAX_SEED}")
    return value


def cpu_devices(text: str) -> int:
    """argparse type for ``--cpu-devices``: 1..`MAX_CPU_DEVICES` logical CPU devices."""
    value = positive_int(text)
    if value > MAX_CPU_DEVICES:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected 1..{MAX_CPU_DEVICES} (more logical devices than that gain "
            "nothing on a CPU, and XLA's compiler aborts on a thousand)"
        )
    return value


def out_folder(text: str) -> str:
    """argparse type for ``--out``: a folder path of at most `MAX_OUT_DEPTH` folders and
    `MAX_OUT_LENGTH` characters (the run's own folders go below it)."""
    depth = len([part for part in text.replace("\\", "/").split("/") if part])
    if not text or depth > MAX_OUT_DEPTH or len(text) > MAX_OUT_LENGTH:
        raise argparse.ArgumentTypeError(
            f"{text[:40]!r}{'...' if len(text) > 40 else ''}: expected a folder path of 1 to "
            f"{MAX_OUT_LENGTH} characters and at most {MAX_OUT_DEPTH} folders deep, e.g. runs"
        )
    return text


def tag(text: str) -> str:
    """argparse type for ``--tag``: letters, digits, '.', '_' or '-'."""
    if not TAG_PATTERN.match(text):
        raise argparse.ArgumentTypeError(
            f"{text[:40]!r}{'...' if len(text) > 40 else ''}: expected up to 100 letters, "
            "digits, '.', '_' or '-', e.g. lr-0.01"
        )
    return text
