"""Every recipe, as a user smoke-tests it: ``--quick`` runs, records and ends on its result
(a run's result, or the claim about several runs that the recipe ends on)."""

import json

import keras
import pytest

from keras_dl.lab.registry import list_recipes, load_recipe
from keras_dl.records.book import Result


@pytest.mark.parametrize("name", [info.name for info in list_recipes()])
def test_every_recipe_runs_quick_and_ends_on_its_result_line(name, quick_run):
    """On another backend a TensorFlow-only recipe refuses with one line saying why."""
    reason = getattr(load_recipe(name), "TENSORFLOW_ONLY", "")
    run = quick_run(name)
    code, run_dirs = run.code, run.run_dirs
    if reason and keras.backend.backend() != "tensorflow":
        error = run.err.strip().splitlines()[-1]
        assert code == 2 and not run_dirs
        assert error == (
            f"error: {name} needs the tensorflow backend ({reason}); this is "
            f"{keras.backend.backend()}: run it with KERAS_BACKEND=tensorflow"
        )
        return
    assert code == 0
    assert run_dirs, f"{name} wrote no run directory"
    lines = []
    for run_dir in run_dirs:
        files = {path.name for path in run_dir.iterdir()}
        assert {"config.json", "metrics.json"} <= files, f"{run_dir} lacks its record"
        assert not [f for f in files if f.endswith(".tmp")], f"{run_dir}: temporary files left"
        if "history.csv" in files:
            assert "curves.png" in files, f"{run_dir} has a history but no curves.png"
        metrics = json.loads((run_dir / "metrics.json").read_text())
        assert metrics["result"]["quick"] is True
        lines.append(Result.from_dict(metrics["result"]).line())
        # A claim about several runs is kept with the last of them, naming them all.
        for claim in metrics.get("claims", []):
            assert claim["quick"] is True and claim["runs"][-1].endswith(run_dir.name)
            lines.append(Result.from_dict(claim).line())
    last = run.out.strip().splitlines()[-1]
    assert last in lines
