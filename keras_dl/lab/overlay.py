"""A recipe's runs side by side: one overlay of their curves, and a claim about them
together recorded with them (`keras_dl.records.compare.compare`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from keras_dl.lab import inline
from keras_dl.lab.lifecycle import RecipeRun
from keras_dl.records.book import Result
from keras_dl.records.compare import compare
from keras_dl.records.files import stamp, unused_name


def overlay(
    runs: Sequence[RecipeRun],
    *,
    metric: str = "val_loss",
    label: str = "",
    claim: Result | None = None,
) -> list[dict]:
    """Overlay `metric` across a recipe's runs (`keras_dl.records.compare.compare`), and
    record `claim`, a finding about these runs together, with them.

    Writes ``<out>/<recipe>/compare-<YYYYmmdd-HHMMSS>[-tag][-label]-<metric>.png`` and its
    CSV table (only the table is printed with --no-plots) and returns the table's rows. The
    claim goes into the last run's metrics.json (``claims``, naming every run it is about),
    where ``reproduce`` judges it over seeds.
    """
    args, recipe = runs[0].args, runs[0].recipe
    out = None
    if not args.no_plots:
        suffix = "".join(f"-{part}" for part in (args.tag, label, metric) if part)
        out = unused_name(Path(args.out) / recipe, f"compare-{stamp()}{suffix}", (".png", ".csv"))
    rows = compare([run.path for run in runs], metric, 0.0, out)
    if out is not None:
        inline.show(out)
    if claim is not None:
        record = {**runs[-1].figure_record(claim), "runs": [run.name for run in runs]}
        runs[-1].add_claims([record])
    return rows
