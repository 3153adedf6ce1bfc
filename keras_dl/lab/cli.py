"""Command line: ``python -m keras_dl list | run NAME [args] | reproduce NAME --seeds N [args]
| sweep NAME --grid FLAG=V1,V2 [args] | compare RUN_DIR... | report [RUNS_DIR]
| notebook NAME... [--out DIR]``."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading

from keras_dl.lab.context import program_name
from keras_dl.lab.startup import start_backend


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m keras_dl`` (and ``keras-dl``); returns the exit status."""
    parser = argparse.ArgumentParser(
        prog=program_name(),
        description="Deep Learning with Python recipes on Keras 3.",
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="show the backend's start-up log (TensorFlow's oneDNN and CUDA lines), hidden by "
        "default; may also follow a recipe's flags",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list the recipes with one-line descriptions")
    run = commands.add_parser("run", help="run a recipe: run NAME [recipe flags, see --help]")
    run.add_argument("name")
    run.add_argument("recipe_args", nargs=argparse.REMAINDER)
    reproduce = commands.add_parser(
        "reproduce",
        help="run a recipe over seeds and judge its figures: reproduce NAME --seeds 5 [flags]",
    )
    reproduce.add_argument("name", nargs="?")
    reproduce.add_argument("recipe_args", nargs=argparse.REMAINDER)
    reproduce.add_argument(
        "--resume", metavar="GROUP_DIR", help="finish an interrupted reproduction (its seeds)"
    )
    reproduce.add_argument("--jobs", metavar="N", help="worker processes (see NAME --help)")
    sweep = commands.add_parser(
        "sweep",
        help='run a recipe once per point of a grid: sweep NAME --grid "epochs=5,10" [flags]',
    )
    sweep.add_argument("name")
    sweep.add_argument("recipe_args", nargs=argparse.REMAINDER)
    compare = commands.add_parser("compare", help="overlay runs' curves and mark best epochs")
    compare.add_argument("run_dirs", nargs="+", metavar="RUN_DIR")
    compare.add_argument("--metric", default="val_loss", help="history column (default: val_loss)")
    compare.add_argument(
        "--smooth",
        type=float,
        default=0.0,
        help="exponential smoothing factor in [0, 1), e.g. 0.9 (default: 0)",
    )
    compare.add_argument("--out", default="compare.png", help="PNG to write (default: compare.png)")
    compare.add_argument(
        "--band",
        choices=("range", "std"),
        default="range",
        help="a seed group's band: min-max over its runs, or mean +- std (default: range)",
    )
    compare.add_argument(
        "--no-group",
        action="store_true",
        help="draw every run on its own, also runs that differ only in their seed",
    )
    scale = compare.add_mutually_exclusive_group()
    scale.add_argument(
        "--log",
        action="store_const",
        const=True,
        default=None,
        help="log-scale y axis (default: when the values span more than two decades)",
    )
    scale.add_argument(
        "--linear", dest="log", action="store_const", const=False, help="linear y axis, always"
    )
    compare.add_argument(
        "--mode",
        choices=("min", "max"),
        default=None,
        help="which way is better, for a metric whose name does not say (default: from the "
        "name: min for losses and errors, max for accuracy, AUC...)",
    )
    compare.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an --out PNG and CSV that an earlier compare wrote (never other files)",
    )
    notebook = commands.add_parser(
        "notebook",
        help="write a recipe's Jupyter notebook, its steps as cells: notebook NAME [--out DIR]",
    )
    notebook.add_argument("names", nargs="*", metavar="NAME")
    notebook.add_argument("--all", action="store_true", help="every recipe (and alias)")
    notebook.add_argument(
        "--out", default=".", help="the folder of the NAME.ipynb files (default: .)"
    )
    notebook.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when a notebook in --out is not what its recipe makes",
    )
    report = commands.add_parser("report", help="write one static HTML page of every run")
    report.add_argument("runs_dir", nargs="?", default="runs", metavar="RUNS_DIR")
    report.add_argument("--out", default=None, help="the page (default: RUNS_DIR/index.html)")
    args = parser.parse_args(argv)

    try:
        if args.command == "list":
            return _list()
        if args.command == "compare":
            from keras_dl.records.compare import compare as compare_runs

            compare_runs(
                args.run_dirs,
                args.metric,
                args.smooth,
                args.out,
                overwrite=args.overwrite,
                group=not args.no_group,
                band=args.band,
                log=args.log,
                mode=args.mode,
            )
            return 0
        if args.command == "notebook":
            return _notebooks(args.names, every=args.all, out=args.out, check=args.check)
        if args.command == "report":
            from keras_dl.records.report import report as write_report

            write_report(args.runs_dir, args.out)
            return 0
        verbose = args.verbose or "--verbose" in args.recipe_args
        recipe_args = [arg for arg in args.recipe_args if arg != "--verbose"]
        with _ctrl_c_remembered() as pressed:
            start_backend(verbose=verbose)
            if args.command == "reproduce":
                if args.resume is not None or args.name is None:
                    return _resume(args.resume, args.name, args.jobs, recipe_args)
                return _reproduce(args.name, recipe_args, pressed)
            if args.command == "sweep":
                return _sweep(args.name, recipe_args, pressed)
            from keras_dl.lab.invocation import invoke

            pressed.stop_if_pressed()
            return invoke(args.name, recipe_args).exit
    except BrokenPipeError:
        # The reader of our output left (keras-dl list | head): nothing is wrong. Python
        # would complain again when it flushes stdout at exit; point stdout at nothing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (ValueError, OSError) as err:
        print(f"error: {_one_line(err)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as stop:
        # What was interrupted is recorded: a Ctrl-C pressed again while the process ends
        # (TensorFlow's threads stopping) changes nothing, and is ignored.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if not getattr(stop, "said", False):  # no run or group said what it kept
            print("\ninterrupted", file=sys.stderr)
        return 130


class _Pressed:
    """Whether Ctrl-C was pressed while the command started (importing TensorFlow or JAX,
    whose code can swallow the interrupt, as JAX's garbage-collection callback does)."""

    def __init__(self) -> None:
        self.pressed = False

    def __call__(self, signum: int, frame) -> None:
        self.pressed = True
        raise KeyboardInterrupt

    def stop_if_pressed(self) -> None:
        """Raise the interrupt now, if a press was swallowed on the way here."""
        if self.pressed:
            raise KeyboardInterrupt


@contextlib.contextmanager
def _ctrl_c_remembered():
    """Remember Ctrl-C while the body works (where Python's default handler is in place, in
    the main thread; a run takes it over while it trains), also a press that library code
    swallowed; the previous handler is back afterwards."""
    pressed = _Pressed()
    previous = signal.getsignal(signal.SIGINT)
    mine = previous is signal.default_int_handler
    mine = mine and threading.current_thread() is threading.main_thread()
    if mine:
        signal.signal(signal.SIGINT, pressed)
    report = sys.unraisablehook

    def swallowed(unraisable) -> None:
        """An interrupt that library code swallowed (a garbage-collection callback) is a
        press to honour, not an error to print."""
        if issubclass(unraisable.exc_type, KeyboardInterrupt):
            pressed.pressed = True
        else:
            report(unraisable)

    sys.unraisablehook = swallowed
    try:
        yield pressed
    finally:
        sys.unraisablehook = report
        if mine and signal.getsignal(signal.SIGINT) is pressed:
            signal.signal(signal.SIGINT, previous)


def _one_line(err: Exception) -> str:
    """The error as one line: an OSError names the path and the reason, not a traceback."""
    if isinstance(err, OSError) and err.strerror and not isinstance(err, FileExistsError):
        where = f"{err.filename}: " if err.filename else ""
        return f"{where}{err.strerror}"
    return str(err).split("\n", 1)[0] if isinstance(err, ValueError) else str(err)


def _notebooks(names: list[str], *, every: bool, out: str, check: bool) -> int:
    """``notebook NAME... | --all [--out DIR] [--check]``."""
    from pathlib import Path

    from keras_dl.lab.notebook import notebook_json, write_notebook
    from keras_dl.lab.registry import find_recipe, list_recipes

    if every == bool(names):
        raise ValueError(
            f"notebook {' '.join(names) or '(no name)'}{' --all' if every else ''}: expected "
            "recipe names or --all, not both"
        )
    infos = [r for r in list_recipes() if r.source != "yours"] if every else []
    infos += [find_recipe(name) for name in names]
    folder = Path(out)
    if not check:
        for info in infos:
            print(f"wrote {write_notebook(info, folder)}")
        return 0
    stale = [
        f"{info.name}.ipynb"
        for info in infos
        if not (folder / f"{info.name}.ipynb").is_file()
        or (folder / f"{info.name}.ipynb").read_text(encoding="utf-8") != notebook_json(info)
    ]
    if every:
        known = {f"{info.name}.ipynb" for info in infos}
        stale += sorted(p.name for p in folder.glob("*.ipynb") if p.name not in known)
    if stale:
        print(
            f"error: {len(stale)} notebook(s) in {folder} are not what their recipes make "
            f"({', '.join(stale)}): run make notebooks",
            file=sys.stderr,
        )
        return 1
    print(f"{len(infos)} notebook(s) in {folder} are what their recipes make")
    return 0


def _reproduce(name: str, recipe_args: list[str], pressed: _Pressed) -> int:
    """``reproduce NAME --seeds N|a,b,c [recipe flags]``: --seeds may come anywhere."""
    from keras_dl.lab.reproduce import parse_seeds, reproduce, resume

    pressed.stop_if_pressed()
    seeds_parser = _group_parser(
        "reproduce", name, "Run the recipe once per seed and judge every figure over the seeds."
    )
    seeds_parser.add_argument("--seeds", default=None, help="N (seeds 0..N-1) or 3,7,11")
    seeds_parser.add_argument(
        "--resume",
        metavar="GROUP_DIR",
        help="finish an interrupted reproduction: only its missing or unfinished seeds run",
    )
    own, rest = seeds_parser.parse_known_args(recipe_args)
    jobs = _workers(own)
    if own.resume is not None:
        if rest or own.seeds is not None:
            given = " ".join([*(["--seeds", own.seeds] if own.seeds else []), *rest])
            raise ValueError(
                f"--resume {own.resume}: the group keeps its own seeds and flags; expected "
                f"no other flag than --jobs. Received: {given}"
            )
        return resume(own.resume, jobs=jobs)
    seeds = parse_seeds("3" if own.seeds is None else own.seeds)
    return reproduce(name, seeds, rest, jobs=jobs, ray=own.ray)


def _resume(group: str | None, name: str | None, jobs: str | None, rest: list[str]) -> int:
    """``reproduce --resume GROUP_DIR [--jobs N]``."""
    from keras_dl.lab.reproduce import resume
    from keras_dl.lab.workers import parse_jobs

    if group is None:
        raise ValueError(
            "reproduce: expected a recipe name (reproduce NAME --seeds 5) or --resume GROUP_DIR"
        )
    if name is not None or rest:
        given = " ".join(filter(None, [name, *rest]))
        raise ValueError(
            f"--resume {group}: the group keeps its own recipe, seeds and flags; expected no "
            f"other argument than --jobs. Received: {given}"
        )
    return resume(group, jobs=parse_jobs(jobs or "1"))


def _sweep(name: str, recipe_args: list[str], pressed: _Pressed) -> int:
    """``sweep NAME --grid FLAG=V1,V2 [--grid ...] [--metric M] [recipe flags]``."""
    from keras_dl.lab.sweep import parse_grid, sweep
    from keras_dl.records.curves import metric_mode

    pressed.stop_if_pressed()
    grid_parser = _group_parser(
        "sweep", name, "Run the recipe once per point of the grid, then overlay the runs."
    )
    grid_parser.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="FLAG=V1,V2",
        help='a recipe flag and its values, e.g. "epochs=5,10"; repeat for more flags',
    )
    grid_parser.add_argument("--metric", default="val_loss", help="curve to overlay (val_loss)")
    own, rest = grid_parser.parse_known_args(recipe_args)
    jobs = _workers(own)
    grid = parse_grid(own.grid)
    metric_mode(own.metric)  # a metric whose direction is unknown: said before any training
    return sweep(name, grid, rest, metric=own.metric, jobs=jobs, ray=own.ray)


def _workers(own: argparse.Namespace) -> int:
    """The group's --jobs, refused up front beside --ray (before any group is made)."""
    from keras_dl.lab.workers import parse_jobs

    jobs = parse_jobs(own.jobs)
    if jobs > 1 and own.ray is not None:
        raise ValueError(
            f"--jobs {own.jobs} --ray: expected one of them (Ray runs a task per core)"
        )
    return jobs


def _group_parser(command: str, name: str, description: str) -> argparse.ArgumentParser:
    """The parser of a group command's own flags (and --jobs); the recipe's flags pass
    through it."""
    parser = argparse.ArgumentParser(
        prog=f"{program_name()} {command} {name}",
        description=description,
        epilog=f"The recipe's own flags pass through: {program_name()} run {name} --help",
        allow_abbrev=False,
    )
    parser.add_argument(
        "--jobs",
        default="1",
        metavar="N",
        help="run the members on N worker processes of this machine, each with its share of "
        "the cores; auto: one per core, as memory allows (default: 1, in this process)",
    )
    parser.add_argument(
        "--ray",
        nargs="?",
        const="",
        default=None,
        metavar="ADDRESS",
        help="run the members as Ray tasks: on a local Ray instance, or on the cluster at "
        "ADDRESS (auto, ray://host:10001); their runs come back under --out",
    )
    return parser


def _list() -> int:
    from keras_dl.lab.registry import SOURCES, list_recipes

    recipes = list_recipes()
    width = max(len(r.name) for r in recipes)
    for source, heading in SOURCES.items():
        listed = [r for r in recipes if r.source == source]
        if listed:
            print(heading)
        for recipe in listed:
            summary = f"BROKEN: {recipe.broken}" if recipe.broken else recipe.summary
            print(f"  {recipe.name:<{width}}  {summary}")
    sys.stdout.flush()  # here, where a reader that left (| head) is no error
    return 0


if __name__ == "__main__":
    sys.exit(main())
