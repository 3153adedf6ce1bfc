"""Groups of runs: one recipe run as several members (a seed each, a grid point each), with
one record of them all.

`drive` runs the members in order through a runner (`InProcess` runs each in this
process; the seam where members can be run somewhere else), keeps the group's record
(``<out>/<recipe>/<kind>-<stamp>/``, see `keras_dl.records.read.GROUP_RECORDS`) up to date
after every member, stops early when the first member fails without a run (every other
one would fail the same), and on Ctrl-C marks the group interrupted, keeps what finished
and lets the interrupt go on up.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from keras_dl.lab.flags import out_folder
from keras_dl.lab.invocation import Interrupted, Outcome, invoke
from keras_dl.records.compare import compare
from keras_dl.records.files import new_directory, stamp, write_json
from keras_dl.records.read import (
    GROUP_RECORDS,
    GroupRecord,
    read_config,
    read_history,
    read_metrics,
)


@dataclass(frozen=True)
class Member:
    """One invocation of the group's recipe: its flags, what its record says of it (e.g.
    ``{"seed": 3}``) and its progress line ("seed 3 (4 of 5)")."""

    argv: tuple[str, ...]
    record: dict = field(default_factory=dict)
    title: str = ""


class Runner(Protocol):
    """Runs a member somewhere and reports its `Outcome`."""

    def run(self, recipe: str, argv: Sequence[str]) -> Outcome:
        """Run `recipe` with `argv`; Ctrl-C raises `Interrupted` (or a plain interrupt)."""
        ...


class InProcess:
    """Members one after another, in this process (``keras-dl run`` for each)."""

    def run(self, recipe: str, argv: Sequence[str]) -> Outcome:
        """Run `recipe` with `argv` here (`keras_dl.lab.invocation.invoke`)."""
        return invoke(recipe, argv)


class Group:
    """A group's directory and record, written anew (atomically) after every change."""

    def __init__(self, kind: str, recipe: str, out: str | os.PathLike, record: dict):
        self.out = Path(out)
        self.path = new_directory(self.out / recipe, f"{kind}-{stamp()}")
        self.kind = kind
        name, self.members_key = GROUP_RECORDS[kind]
        self.record_file = self.path / name
        started = datetime.now().isoformat(timespec="seconds")
        self.record = {**record, "started": started, "status": "running", self.members_key: []}
        self.save()

    @classmethod
    def reopen(cls, found: GroupRecord) -> Group:
        """A group read back (`keras_dl.records.read.read_group`), to run its missing
        members into: its record goes on where it stopped."""
        group = cls.__new__(cls)
        group.path, group.kind = found.path, found.kind
        group.out = found.path.parent.parent
        name, group.members_key = GROUP_RECORDS[found.kind]
        group.record_file = found.path / name
        group.record = {**found.data, "status": "running", group.members_key: found.members}
        group.save()
        return group

    def save(self) -> None:
        """Write the record as it stands."""
        write_json(self.record_file, self.record, replace=True)

    def add(
        self, member: Member, outcome: Outcome, *, log: Path | None = None, peak_mb=None
    ) -> None:
        """Record a member that ran: its exit status, its runs, its wall time (and, when a
        worker ran it, the log of its output and the worker's peak memory in MiB). A member
        recorded before (a group resumed) is replaced."""
        entry = {
            **member.record,
            "exit": outcome.exit,
            "runs": [os.path.relpath(run, self.out) for run in outcome.runs],
            "wall_s": round(outcome.wall_s, 1),
        }
        if outcome.error:
            entry["error"] = outcome.error
        if log is not None:
            entry["log"] = os.path.relpath(log, self.path)
        if peak_mb is not None:
            entry["worker_peak_mb"] = peak_mb
        entries = self.record[self.members_key]
        entries[:] = [e for e in entries if not _same_member(e, member.record)] + [entry]
        self.save()

    def update(self, **fields) -> None:
        """Set fields of the record (its status, its figures...) and write it."""
        self.record.update(fields)
        self.save()

    def runs(self) -> list[Path]:
        """The member runs, in the order they were made."""
        return GroupRecord(self.path, self.kind, self.record).runs()

    def environment(self) -> dict:
        """Backend, device and versions, as the first member run's config.json has them."""
        for run in self.runs():
            config = read_config(run, default={})
            return {k: config[k] for k in ("backend", "device", "versions") if k in config}
        return {}

    def overlay(self, metric: str, *, seed_groups: bool) -> None:
        """Draw the member runs' `metric` into the group's folder (``<metric>.png`` and its
        table), runs that differ only in the seed as one band with ``seed_groups``."""
        runs = [run for run in self.runs() if metric in _columns(run)]
        if not runs:
            print(f"no run of the {self.kind} recorded {metric!r}: no overlay")
            return
        out = self.path / f"{metric}.png"  # a resumed group's overlay is drawn anew
        compare(runs, metric, out=out, group=seed_groups, overwrite=out.exists())


def _same_member(entry: dict, record: dict) -> bool:
    """Whether a recorded entry is the member `record` names (the same seed or point)."""
    return bool(record) and all(entry.get(key) == value for key, value in record.items())


def _columns(run: Path) -> dict:
    try:
        return read_history(run)
    except (OSError, ValueError):
        return {}


def drive(
    group: Group,
    recipe: str,
    members: Sequence[Member],
    *,
    runner: Runner | None = None,
    jobs: int = 1,
    ray: str | None = None,
    overlay: str = "",
    seed_groups: bool = True,
) -> int:
    """Run each member, recording it in the group, then overlay the member runs' `overlay`
    metric ("": none); returns the exit status (0 when every member ran, else the first
    failing one's) and leaves the group "complete" or "failed" (or "interrupted", raising
    the interrupt on). With ``jobs > 1`` the members run on that many worker processes
    (`keras_dl.lab.workers.Workers`); with `ray` ("" for a local instance, or a cluster's
    address) as Ray tasks (`keras_dl.lab.on_ray.RayTasks`); either way one line is printed
    per finished member."""
    if (jobs > 1 or ray is not None) and runner is not None:
        raise ValueError(f"jobs={jobs}, ray={ray!r}: expected neither with a runner of one's own")
    if jobs > 1 and ray is not None:
        raise ValueError(f"--jobs {jobs} --ray: expected one of them (Ray runs a task per core)")
    if ray is not None:
        from keras_dl.lab.on_ray import RayTasks

        pool = RayTasks(ray, group.out, group.path / "logs")
        where = f"as Ray tasks ({ray or 'a local instance'})"
        status, stopped = _on_pool(group, recipe, members, pool, where)
    elif jobs > 1:
        from keras_dl.lab.workers import Workers

        pool = Workers(jobs, group.path / "logs")
        where = f"on {jobs} workers, {pool.threads} thread(s) each"
        status, stopped = _on_pool(group, recipe, members, pool, where)
    else:
        status, stopped = _one_by_one(group, recipe, members, runner or InProcess())
    if stopped:  # the first member failed without a run: every other one would fail too
        group.update(status="failed")
        return status
    group.update(status="complete" if status == 0 else "failed")
    if overlay and group.runs():
        group.overlay(overlay, seed_groups=seed_groups)
    return status


def _one_by_one(group: Group, recipe: str, members: Sequence[Member], runner: Runner):
    """The members in order, in `runner`: the exit status, and whether it stopped at the
    first member (which failed without a run, e.g. a dataset missing)."""
    status = 0
    try:
        for index, member in enumerate(members):
            print(f"\n=== {member.title}", flush=True)
            outcome = runner.run(recipe, member.argv)
            group.add(member, outcome)
            if outcome.exit != 0:
                status = status or outcome.exit
                if not outcome.runs and index == 0:
                    return status, True
    except KeyboardInterrupt as stop:
        if isinstance(stop, Interrupted):  # the member it stopped, with what it kept
            group.add(member, stop.outcome)
        _interrupted(group, stop)
    return status, False


def _on_pool(group: Group, recipe: str, members: Sequence[Member], workers, where: str):
    """The members on `workers` (a `Workers` or a `RayTasks`), recorded in the order they
    end: the exit status, and whether it stopped starting members (those that ended failed
    without a run)."""
    print(
        f"{len(members)} members {where}; each member's output: {group.path / 'logs'}/<n>.log",
        flush=True,
    )
    status, done, made_runs = 0, 0, False
    try:
        workers.start(recipe, [member.argv for member in members])
        while (ended := workers.next()) is not None:
            index, outcome = ended
            member = members[index]
            peak = getattr(workers, "peak_mb", {}).get(index)
            group.add(member, outcome, log=workers.log(index), peak_mb=peak)
            done += 1
            made_runs = made_runs or bool(outcome.runs)
            print(
                f"[{done}/{len(members)}] {_progress(member, outcome)} "
                f"({workers.running} running, {workers.left} left)",
                flush=True,
            )
            if outcome.exit != 0:
                status = status or outcome.exit
                if not made_runs:  # e.g. a dataset missing: every member would fail
                    workers.stop_starting()
    except KeyboardInterrupt as stop:
        for index, outcome in workers.interrupt():
            peak = getattr(workers, "peak_mb", {}).get(index)
            group.add(members[index], outcome, log=workers.log(index), peak_mb=peak)
        _interrupted(group, stop)
    finally:
        workers.close()
    return status, bool(status) and not made_runs


def _progress(member: Member, outcome: Outcome) -> str:
    """A finished member's line: what it was, its headline number (or why it failed), its
    time, e.g. "seed 3: test accuracy 0.7947 (12 s)"."""
    what = member.title.split(" (")[0]
    if outcome.exit != 0:
        return f"{what}: FAILED, exit {outcome.exit}: {outcome.error or 'see its log'}"
    headline = ""
    for run in outcome.runs[:1]:
        result = read_metrics(run, default={}).get("result")
        if isinstance(result, dict) and isinstance(result.get("value"), int | float):
            headline = f" {result.get('metric', '')} {result['value']:.4g}"
    return f"{what}:{headline or ' done'} ({outcome.wall_s:.0f} s)"


def _interrupted(group: Group, stop: KeyboardInterrupt) -> None:
    """Mark the group interrupted, say what it kept and how to finish it; raise on."""
    group.update(status="interrupted")
    finish = group.record.get("resume_command", "")
    print(
        f"\ninterrupted: {group.path} keeps the members it finished"
        + (f"; finish it with:\n  {finish}" if finish else ""),
        file=sys.stderr,
    )
    stop.said = True
    raise stop


def group_flags(recipe_args: Sequence[str], command: str, member: str) -> argparse.Namespace:
    """The recipe flags a group reads itself (--out, --tag, --no-plots; --seed, for its
    command to refuse), refusing --resume: `member` ("a seed") is resumed with ``run``."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--out", default="runs")  # checked as the recipe checks it, below
    parser.add_argument("--tag", default="")
    parser.add_argument("--no-plots", action="store_true")
    parser.add_argument("--seed")
    parser.add_argument("--resume")
    own, _ = parser.parse_known_args(list(recipe_args))
    if own.resume is not None:
        raise ValueError(f"--resume {own.resume}: resume {member}'s run with `run`, not {command}")
    try:
        out_folder(own.out)
    except argparse.ArgumentTypeError as err:
        raise ValueError(f"--out {err}") from None
    return own


def without_flag(args: Sequence[str], flag: str) -> list[str]:
    """`args` without `flag` and its value (``--tag x`` or ``--tag=x``).

    Example:
        >>> without_flag(["--epochs", "3", "--tag", "a", "--tag=b"], "--tag")
        ['--epochs', '3']
    """
    kept, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg == flag:
            skip = True
        elif not arg.startswith(flag + "="):
            kept.append(arg)
    return kept
