"""Every fit of every recipe logs its epochs as they end (the run's safety net is not
opt-in): each recipe's ``--quick`` run, with every Keras fit and epoch log recorded."""

import keras
import pytest

from keras_dl.lab.registry import list_recipes, load_recipe
from keras_dl.records.read import FITS, HISTORY, epochs_logged


@pytest.mark.parametrize("name", [info.name for info in list_recipes()])
def test_every_fit_and_every_training_loop_logs_its_epochs(name, quick_run):
    run = quick_run(name)
    if getattr(load_recipe(name), "TENSORFLOW_ONLY", "") and keras.backend.backend() != (
        "tensorflow"
    ):
        assert run.code == 2 and not run.fits  # refused before training (test_smoke)
        return
    assert run.code == 0
    for fit in run.fits:
        # Through the run: one epoch log among its callbacks, holding every epoch it ran.
        assert len(fit.logs) == 1, f"a {fit.model} fit without the run's epoch log"
        (log,) = fit.logs
        assert run.appended.get(log, 0) >= fit.epochs > 0
        assert epochs_logged(log) >= fit.epochs
    for run_dir in run.run_dirs:
        history = run_dir / HISTORY
        if not history.is_file():
            continue
        # A run's history.csv came in epoch by epoch as it trained, or it is made from
        # fits (a mean over folds, two models side by side) whose own epochs were logged.
        live = run.appended.get(history, 0) == epochs_logged(history)
        logged_fits = [p for p in (run_dir / FITS).glob("*.csv") if epochs_logged(p)]
        assert live or logged_fits, f"{history} was not written as its epochs ended"
