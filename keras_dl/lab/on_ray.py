"""A group's members as Ray tasks (``--ray [ADDRESS]``): on a local Ray instance, or spread
over a cluster.

Without an address `ray.init` starts a local instance (so the same code runs on one
machine); ``auto`` or ``ray://host:10001`` joins a running cluster. A cluster shares no
disk: each task runs its member (``keras-dl run`` in the Ray worker) into a temporary
folder there and returns its run directories as one tar archive, with its output; the
driver writes them under ``--out`` exactly as a local run would (config, history, metrics,
plots, TensorBoard logs) and keeps each member's output in the group's ``logs/<n>.log``.
Each task asks Ray for one CPU, so a machine runs as many members at once as it has cores.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keras_dl.lab.invocation import Outcome

RAY_MISSING = "--ray needs Ray: pip install 'keras-dl[ray]' (or pip install ray)"


def connect(address: str | None) -> None:
    """Start a local Ray instance (`address` None or "") or join the cluster at `address`."""
    try:
        import ray
    except ImportError:
        raise ValueError(RAY_MISSING) from None
    if not ray.is_initialized():
        ray.init(
            address=address or None,
            log_to_driver=False,  # each member's output goes to its log file
            include_dashboard=False,
            logging_level=logging.WARNING,  # no "Started a local Ray instance" chatter
        )


class RayTasks:
    """Members as Ray tasks: `start` them, take each as it ends with `next` (its runs
    already written under `out`), `interrupt` on Ctrl-C."""

    def __init__(self, address: str | None, out: Path, logs: Path):
        connect(address)
        self.out, self.logs = Path(out), Path(logs)
        self._pending: dict = {}  # Ray object ref -> member index
        self.left = 0  # Ray queues what it cannot run yet: "running" counts those too

    @property
    def running(self) -> int:
        """How many members are submitted and not yet ended."""
        return len(self._pending)

    def log(self, index: int) -> Path:
        """Member `index`'s log file (its whole output)."""
        return self.logs / f"{index + 1}.log"

    def start(self, recipe: str, argvs: Sequence[Sequence[str]]) -> None:
        """Submit a task per member (Ray queues what the cluster cannot run yet)."""
        import ray

        self.logs.mkdir(parents=True, exist_ok=True)
        task = ray.remote(num_cpus=1, max_retries=0)(_run_member)
        for index, argv in enumerate(argvs):
            self._pending[task.remote(recipe, list(argv))] = index

    def stop_starting(self) -> None:
        """Start no further member: cancel every task still pending (the members that have
        not ended are left unrecorded, as members never started)."""
        import ray

        for ref in self._pending:
            with contextlib.suppress(Exception):
                ray.cancel(ref)
        self._pending.clear()

    def next(self) -> tuple[int, Outcome] | None:
        """Wait until a member ends, write its runs and log; None when all ended."""
        import ray

        from keras_dl.lab.invocation import Outcome

        if not self._pending:
            return None
        (ready,), _ = ray.wait(list(self._pending), num_returns=1)
        index = self._pending.pop(ready)
        try:
            code, wall, error, archive, output = ray.get(ready)
        except ray.exceptions.RayError as err:
            reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            return index, Outcome(2, (), 0.0, f"its Ray task failed: {reason}")
        self.log(index).write_text(output, encoding="utf-8")
        runs = self._unpack(archive)
        return index, Outcome(code, tuple(runs), wall, error)

    def _unpack(self, archive: bytes) -> list[Path]:
        """Write the runs of a task's archive under `out` (``<recipe>/<run>``), each under
        a name no run here takes yet; return their paths."""
        from keras_dl.records.files import unused_name

        runs = []
        with tempfile.TemporaryDirectory() as scratch:
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(scratch, filter="data")
            for made in sorted(Path(scratch).glob("*/*")):
                target = unused_name(self.out / made.parent.name, made.name, ("",))
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(made, target) if _same_disk(made, target) else _move(made, target)
                runs.append(target)
        return runs

    def interrupt(self) -> list[tuple[int, Outcome]]:
        """Ctrl-C: cancel every unfinished task; those members are interrupted (a task
        cancelled while it trains returns nothing: its run is lost with its worker)."""
        import ray

        from keras_dl.lab.invocation import Outcome

        stopped = []
        for ref, index in self._pending.items():
            with contextlib.suppress(Exception):
                ray.cancel(ref, force=True)
            stopped.append((index, Outcome(130, (), 0.0, "interrupted; its Ray task cancelled")))
        self._pending.clear()
        return stopped

    def close(self) -> None:
        """Nothing to stop: the Ray instance stays for the process's other groups."""


def _same_disk(source: Path, target: Path) -> bool:
    return source.stat().st_dev == target.parent.stat().st_dev


def _move(source: Path, target: Path) -> None:
    import shutil

    shutil.move(str(source), str(target))


def _run_member(recipe: str, argv: list[str]) -> tuple[int, float, str, bytes, str]:
    """In a Ray worker: run the member into a temporary folder; return its exit status,
    wall time, error line, its runs as a tar archive and its output."""
    from keras_dl.lab.startup import start_backend

    start_backend()
    from keras_dl.lab.invocation import Interrupted, invoke
    from keras_dl.lab.workers import output_to

    with tempfile.TemporaryDirectory() as out:
        log = Path(out) / "member.log"
        with output_to(str(log)):
            try:
                outcome = invoke(recipe, [*argv, "--out", str(Path(out) / "runs")])
            except Interrupted as stop:
                outcome = stop.outcome
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            for run in outcome.runs:
                run = Path(run)
                tar.add(run, arcname=f"{run.parent.name}/{run.name}")
        output = log.read_text(encoding="utf-8", errors="replace")
        return outcome.exit, outcome.wall_s, outcome.error, buffer.getvalue(), output
