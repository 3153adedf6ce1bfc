"""A group's members on several worker processes of this machine (``--jobs N``).

Each worker is a fresh Python process (``spawn``: no backend state is inherited) that
limits its threads to its share of the cores before Keras starts (``OMP_NUM_THREADS``,
TensorFlow's intra-op pool), so that two workers on two cores do not fight over them. The
driver hands each idle worker the next member over a pipe of its own, so it always knows
which member a worker holds: a worker that dies (SIGKILL, out of memory) costs that member
alone, recorded as failed with the signal, and a fresh worker takes its place. A member's
output goes to its own log file (``logs/<n>.log`` in the group's folder); the driver prints
one line per finished member.

Ctrl-C reaches the driver alone (each worker has a session of its own), which passes it on
to every running member once: each keeps its finished epochs, as a run always does, and
reports back; a worker that has not answered within `GRACE_S` is killed.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import signal
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a worker imports Keras only once its threads are limited (see _serve)
    from keras_dl.lab.invocation import Outcome

GRACE_S = 20.0  # how long interrupted workers get to write what their runs finished
# What --jobs auto allows each worker: a reuters worker peaked at 2.0 GiB on TensorFlow
# (bench/results/workers.md), plus room.
WORKER_MEMORY_GB = 2.5
MAX_JOBS = 256


def parse_jobs(text: str, *, cores: int | None = None, memory_gb: float | None = None) -> int:
    """``--jobs``: a number of workers, or "auto": one per core, as many as memory allows
    at `WORKER_MEMORY_GB` each.

    Example:
        >>> parse_jobs("2"), parse_jobs("auto", cores=16, memory_gb=12.0)
        (2, 4)
    """
    if str(text) == "auto":
        cores = cores or os.cpu_count() or 1
        memory_gb = _memory_gb() if memory_gb is None else memory_gb
        return max(1, min(cores, int(memory_gb // WORKER_MEMORY_GB)))
    try:
        jobs = int(text)
        if not 1 <= jobs <= MAX_JOBS:
            raise ValueError
    except ValueError:
        raise ValueError(
            f"--jobs {text}: expected a number of workers in 1..{MAX_JOBS} or auto. "
            f"Received: {text!r}"
        ) from None
    return jobs


def _memory_gb() -> float:
    """The memory available now (Linux: MemAvailable), else the machine's total."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 2**20
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def threads_per_worker(jobs: int, cores: int | None = None) -> int:
    """Each worker's share of the cores (at least one thread).

    Example:
        >>> threads_per_worker(2, cores=2), threads_per_worker(3, cores=16)
        (1, 5)
    """
    return max(1, (cores or os.cpu_count() or 1) // jobs)


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    connection: Connection
    member: int | None = None  # the index of the member it holds


class Workers:
    """A group's members on `jobs` worker processes: `start` them, take each as it ends
    with `next`, `interrupt` on Ctrl-C, and `close` at the end."""

    def __init__(self, jobs: int, logs: Path):
        self.jobs = jobs
        self.logs = Path(logs)
        self.threads = threads_per_worker(jobs)
        self._context = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []
        self._recipe = ""
        self._argvs: list[list[str]] = []
        self._waiting: list[int] = []
        self.peak_mb: dict[int, float] = {}  # member -> its worker's peak memory by its end

    def start(self, recipe: str, argvs: Sequence[Sequence[str]]) -> None:
        """Queue a member per entry of `argvs` and start the first `jobs` of them."""
        self.logs.mkdir(parents=True, exist_ok=True)
        self._recipe, self._argvs = recipe, [list(argv) for argv in argvs]
        self._waiting = list(range(len(argvs)))
        self._dispatch()

    @property
    def running(self) -> int:
        """How many members run now."""
        return sum(worker.member is not None for worker in self._workers)

    @property
    def left(self) -> int:
        """How many members have not started yet."""
        return len(self._waiting)

    def log(self, index: int) -> Path:
        """Member `index`'s log file (its whole output)."""
        return self.logs / f"{index + 1}.log"

    def stop_starting(self) -> None:
        """Start no further member (the running ones go on)."""
        self._waiting.clear()

    def next(self) -> tuple[int, Outcome] | None:
        """Wait until a member ends; return ``(index, outcome)``, or None when all ended.
        A member whose worker died ends as failed, saying how it died."""
        while self.running:
            busy = [w for w in self._workers if w.member is not None]
            ready = wait([w.connection for w in busy] + [w.process.sentinel for w in busy])
            for worker in busy:
                ended = self._ended(worker, ready)
                if ended is not None:
                    self._dispatch()
                    return ended
        return None

    def _ended(self, worker: _Worker, ready: list) -> tuple[int, Outcome] | None:
        from keras_dl.lab.invocation import Outcome

        index = worker.member
        if worker.connection in ready:
            with contextlib.suppress(EOFError, OSError):
                outcome, self.peak_mb[index] = worker.connection.recv()
                worker.member = None
                return index, outcome
        if worker.process.sentinel in ready or not worker.process.is_alive():
            worker.process.join()
            self._workers.remove(worker)
            return index, Outcome(2, (), 0.0, _death(worker.process.exitcode))
        return None

    def _dispatch(self) -> None:
        """Give each idle worker (or a new one, up to `jobs`) the next waiting member."""
        while self._waiting:
            worker = next((w for w in self._workers if w.member is None), None)
            if worker is None and len(self._workers) < self.jobs:
                worker = self._new_worker()
            if worker is None:
                return
            worker.member = self._waiting.pop(0)
            argv = self._argvs[worker.member]
            worker.connection.send((self._recipe, argv, str(self.log(worker.member))))

    def _new_worker(self) -> _Worker:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=_serve, args=(theirs, self.threads), name="keras-dl worker", daemon=True
        )
        process.start()
        theirs.close()
        self._workers.append(_Worker(process, ours))
        return self._workers[-1]

    def interrupt(self) -> list[tuple[int, Outcome]]:
        """Ctrl-C: start nothing more, pass the interrupt on to every running member (the
        workers are in sessions of their own: a terminal's Ctrl-C reaches the driver only),
        and return what each reports within `GRACE_S` (a worker that does not answer is
        killed; its member: interrupted, unanswered)."""
        from keras_dl.lab.invocation import Outcome

        self.stop_starting()
        busy = [w for w in self._workers if w.member is not None]
        for worker in busy:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.process.pid, signal.SIGINT)
        stopped = []
        for worker in busy:
            outcome = Outcome(130, (), 0.0, "interrupted; its worker did not answer in time")
            with contextlib.suppress(EOFError, OSError):
                if worker.connection.poll(GRACE_S):
                    outcome, self.peak_mb[worker.member] = worker.connection.recv()
            stopped.append((worker.member, outcome))
            worker.member = None
        return stopped

    def close(self) -> None:
        """Stop every worker: an idle one is told to, a busy one (after an interrupt that it
        did not answer) killed."""
        for worker in self._workers:
            with contextlib.suppress(OSError):
                worker.connection.send(None)
        for worker in self._workers:
            worker.process.join(timeout=5.0)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
        self._workers.clear()


def _death(exitcode: int | None) -> str:
    """Why a worker ended without answering, e.g. "its worker was killed (SIGKILL)"."""
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name
        hint = " (out of memory?)" if name == "SIGKILL" else ""
        return f"its worker was killed ({name}){hint}"
    return f"its worker exited with status {exitcode} before it answered"


def _serve(connection: Connection, threads: int) -> None:
    """A worker: leave the terminal's process group (Ctrl-C comes from the driver, once),
    limit the threads, start Keras quietly, then run each member it is sent (``keras-dl
    run`` in this process), its output in the member's log file."""
    os.setsid()
    for name in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)
    os.environ["TF_NUM_INTEROP_THREADS"] = "1"
    from keras_dl.lab.startup import start_backend

    start_backend()
    with contextlib.suppress(ImportError, RuntimeError):  # TensorFlow, where installed
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    from keras_dl.lab.invocation import Interrupted, Outcome, invoke

    while True:
        try:
            task = connection.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if task is None:
            return
        recipe, argv, log = task
        with output_to(log):
            try:
                outcome = invoke(recipe, argv)
            except Interrupted as stop:
                outcome = stop.outcome
            except KeyboardInterrupt:
                outcome = Outcome(130, (), 0.0, "interrupted")
            except Exception as err:  # a member's crash is its own record
                outcome = Outcome(2, (), 0.0, f"{type(err).__name__}: {err}".split("\n")[0])
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
        connection.send((outcome, round(peak_mb, 1)))


@contextlib.contextmanager
def output_to(log: str) -> Iterator[None]:
    """Send this process's standard output and error (Python's and the C libraries') to
    `log` for the body."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log, "ab") as f:
        os.dup2(f.fileno(), 1)
        os.dup2(f.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for descriptor in saved:
                os.close(descriptor)
