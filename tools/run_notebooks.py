"""Execute notebooks top to bottom, each in a fresh kernel and an empty folder of its own.

    python tools/run_notebooks.py notebooks [--argv=--quick] [--jobs 2] [--keep DIR]

`--argv` adds flags after the notebook's own (a cell after the one tagged "parameters",
as papermill injects them). Every error in any cell fails the notebook; the exit status is
1 when any failed, and each failure is named with the cell's error line. `--keep DIR`
keeps each executed notebook (outputs and all) as DIR/NAME.ipynb, and its runs/ as
DIR/NAME/.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ANSI = re.compile(r"\x1b\[[0-9;]*m")  # the colours of a traceback's last line


def execute(path: Path, extra: list[str], keep: Path | None) -> tuple[str, float, str]:
    """Run one notebook; returns its name, its wall time and its error line ("" if none)."""
    notebook = nbformat.read(path, as_version=4)
    if extra:
        where = next(
            i
            for i, cell in enumerate(notebook.cells)
            if "parameters" in cell.metadata.get("tags", [])
        )
        injected = nbformat.v4.new_code_cell(f"argv = [*argv, *{extra!r}]  # injected")
        injected.metadata["tags"] = ["injected-parameters"]
        notebook.cells.insert(where + 1, injected)
    folder = Path(tempfile.mkdtemp(prefix=f"{path.stem}-")) if keep is None else keep / path.stem
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    error = ""
    try:
        NotebookClient(
            notebook,
            timeout=900,
            kernel_name="python3",
            resources={"metadata": {"path": folder}},
            extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no start-up chatter
        ).execute()
    except CellExecutionError as err:
        lines = [line for line in str(err).splitlines() if line.strip()]
        error = ANSI.sub("", lines[-1]) if lines else "cell failed"
    if keep is not None:
        nbformat.write(notebook, keep / path.name)
    return path.stem, time.perf_counter() - started, error


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--argv", default="", help='flags to add, e.g. "--quick"')
    parser.add_argument("--jobs", type=int, default=2, help="notebooks at once (default: 2)")
    parser.add_argument("--keep", type=Path, default=None, help="keep executed notebooks here")
    parser.add_argument("names", nargs="*", help="only these notebooks (default: all)")
    args = parser.parse_intermixed_args()
    paths = sorted(args.folder.glob("*.ipynb"))
    if args.names:
        paths = [p for p in paths if p.stem in args.names]
    if not paths:
        print(f"error: no notebooks in {args.folder}", file=sys.stderr)
        return 2
    extra = shlex.split(args.argv)
    failed = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(execute, path, extra, args.keep) for path in paths]
        for done, future in enumerate(futures, 1):
            name, wall, error = future.result()
            verdict = f"FAILED {error}" if error else "ok"
            print(f"[{done}/{len(paths)}] {name}: {verdict} ({wall:.0f} s)")
            if error:
                failed.append(name)
    if failed:
        print(f"error: {len(failed)} notebook(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"{len(paths)} notebook(s) ran top to bottom")
    return 0


if __name__ == "__main__":
    sys.exit(main())
