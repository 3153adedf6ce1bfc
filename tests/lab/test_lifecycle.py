"""The run a recipe opens and finishes: its record, its closing line, its overlays."""

import json
import os
import signal
import time

import keras
import numpy as np
import pytest

from keras_dl import build_dense_model, recipe
from keras_dl.datasets import DatasetUnavailableError


def parse(*argv, **defaults):
    return recipe.parser("Title\n\nDetails.", **defaults).parse_args(list(argv))


def test_a_training_run_records_all_four_files(tmp_path, capsys, assert_complete_run):
    args = parse("--out", str(tmp_path), "--seed", "1", epochs=2, batch_size=16)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 4)).astype("float32"), rng.integers(0, 2, 64)
    book = recipe.BookFigure("val accuracy", 0.9, "generated", band=(0.0, 1.0))
    with recipe.start("demo", args, dataset="generated") as run:
        model = build_dense_model(4, "binary", hidden_units=(8,))
        history = model.fit(X, y, validation_split=0.25, epochs=args.epochs, verbose=0)
        result = run.result("val accuracy", history.history["val_accuracy"][-1], book)
        other = run.result("epochs", 2, None, digits=0)
        run.finish(history=history, metrics={"n": 64}, result=result, figures=[other])
    assert_complete_run(run.path)
    config = json.loads((run.path / "config.json").read_text())
    assert config["seed"] == 1 and config["arguments"]["epochs"] == 2 and config["backend"]
    assert config["device"].startswith(("CPU", "GPU")) and config["versions"]["keras"]
    metrics = json.loads((run.path / "metrics.json").read_text())
    assert metrics["best_epoch"] in (1, 2) and metrics["wall_time_s"] > 0
    assert metrics["result"]["dataset"] == "generated" and metrics["result"]["inside"] is True
    assert metrics["result"]["book"]["band"] == [0.0, 1.0]
    assert metrics["result"]["quick"] is False
    assert [f["metric"] for f in metrics["figures"]] == ["epochs"]
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == result.line() and out[-2] == f"run directory: {run.path}"


class SwallowsCtrlC(keras.callbacks.Callback):
    """Ctrl-C comes while library code that swallows the KeyboardInterrupt runs (as NumPy's
    np.array of a JAX array, in Keras' batch logs, sometimes does)."""

    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            try:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(5)  # the handler raises in here
            except KeyboardInterrupt:
                pass


def test_ctrl_c_stops_the_fit_even_when_the_interrupt_is_swallowed(tmp_path):
    # As in a terminal (a runner started in the background ignores SIGINT).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    args = parse("--out", str(tmp_path), "--no-tensorboard", epochs=10, batch_size=16)
    X, y = np.random.default_rng(0).normal(size=(64, 4)).astype("float32"), np.arange(64) % 2
    try:
        with pytest.raises(KeyboardInterrupt), recipe.start("demo", args, dataset="none") as run:
            model = build_dense_model(4, "binary", hidden_units=(8,))
            model.fit(X, y, epochs=10, verbose=0, callbacks=[*run.callbacks(), SwallowsCtrlC()])
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)
    metrics = json.loads((run.path / "metrics.json").read_text())
    assert metrics["status"] == "interrupted" and metrics["epochs_finished"] == 2


def test_a_quick_run_is_marked_beside_the_books_figure(tmp_path, capsys):
    args = parse("--out", str(tmp_path), "--quick", epochs=5)
    book = recipe.BookFigure("test accuracy", 0.9, "Demo", band=(0.85, 1.0))
    with recipe.start("demo", args, dataset="Demo") as run:
        result = run.result("test accuracy", 0.5, book)
        run.finish(result=result, figures=[result])
    assert result.inside is False  # a full run with this number would miss the band...
    metrics = json.loads((run.path / "metrics.json").read_text())
    assert metrics["result"]["quick"] is True and run.path.name.endswith("-quick")
    # ...but a quick run's number is never judged against the book's
    assert metrics["result"]["inside"] is None and metrics["figures"][0]["inside"] is None
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == (
        "test accuracy 0.5000 on Demo (--quick smoke run: not comparable with any published figure)"
    )


def test_no_plots_skips_the_png(tmp_path):
    args = parse("--out", str(tmp_path), "--no-plots", epochs=1)
    with recipe.start("demo", args, dataset="none") as run:
        run.finish(history={"loss": [1.0], "val_loss": [1.2]})
    assert not (run.path / "curves.png").exists()
    assert (run.path / "history.csv").exists()


def test_a_failing_run_leaves_no_directory(tmp_path):
    args = parse("--out", str(tmp_path))
    try:
        with recipe.start("demo", args, dataset="none"):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert list((tmp_path / "demo").iterdir()) == []


def test_variants_are_runs_of_their_own_and_get_overlaid(tmp_path):
    args = parse("--out", str(tmp_path), "--tag", "t", epochs=1)
    runs = []
    for variant, values in (("small", [0.9, 0.5, 0.7]), ("big", [0.6, 0.8, 0.9])):
        with recipe.start("demo", args, dataset="none", variant=variant) as run:
            run.finish(history={"loss": values, "val_loss": values})
        runs.append(run)
    assert [r.path.name.split("-", 2)[2] for r in runs] == ["t-small", "t-big"]
    rows = recipe.overlay(runs, label="size")
    assert [row["best_epoch"] for row in rows] == [2, 1]
    (png,) = (tmp_path / "demo").glob("compare-*-t-size-val_loss.png")
    assert png.with_suffix(".csv").is_file()


def test_command_turns_a_missing_dataset_into_exit_status_2(capsys):
    @recipe.command
    def main(argv=None):
        raise DatasetUnavailableError("imdb", "no network")

    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: imdb.npz") and "run with --quick" in err


def test_print_table_aligns_columns(capsys):
    recipe.print_table(
        [{"variant": "l2", "best": 5, "loss": 0.36123}, {"variant": "x", "best": 12, "loss": 2e-5}],
        title="demo",
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "",
        "demo",
        "variant  best      loss",
        "l2          5    0.3612",
        "x          12  2.00e-05",
    ]


def test_every_fit_of_a_run_logs_its_epochs_where_its_name_says(tmp_path):
    args = parse("--out", str(tmp_path), epochs=2, batch_size=16)
    X, y = np.random.default_rng(0).normal(size=(64, 4)).astype("float32"), np.arange(64) % 2
    with recipe.start("demo", args, dataset="none") as run:
        fits = {}
        for log in (None, "final", None):
            model = build_dense_model(4, "binary", hidden_units=(8,))
            fits[log or f"unnamed-{len(fits)}"] = run.fit(
                model, X, y, validation_split=0.25, epochs=2, verbose=0, log=log
            )
        run.finish(history=fits["unnamed-0"])
    # The first unnamed fit is the run's history; the others go to fits/, by name or number.
    logs = {path.relative_to(run.path).as_posix() for path in run.path.rglob("*.csv")}
    assert logs == {"history.csv", "fits/final.csv", "fits/fit-3.csv"}
    for name in logs:
        header, *rows = (run.path / name).read_text().splitlines()
        assert header == "epoch,accuracy,loss,val_accuracy,val_loss" and len(rows) == 2
    # TensorBoard shows the run's curves (live) and each other fit's (from its log).
    tensorboard = {
        p.relative_to(run.path / "tensorboard").parts[0]
        for p in (run.path / "tensorboard").rglob("events.out.tfevents.*")
    }
    assert tensorboard == {"train", "validation", "final", "fit-3"}


def test_a_training_loop_of_its_own_logs_each_epoch_and_stops_on_ctrl_c(tmp_path):
    args = parse("--out", str(tmp_path), epochs=10)
    with pytest.raises(KeyboardInterrupt), recipe.start("demo", args, dataset="none") as run:
        log = run.epoch_log()
        for epoch in range(10):
            if epoch == 3:
                run.ctrl_c_pressed = True  # as the run's SIGINT handler remembers a press
            log.append({"loss": 1.0 / (epoch + 1)})
    rows = (run.path / "history.csv").read_text().splitlines()
    assert rows == ["epoch,loss", "1,1", "2,0.5", "3,0.33333333", "4,0.25"]  # epoch 4 kept
    metrics = json.loads((run.path / "metrics.json").read_text())
    assert metrics["status"] == "interrupted" and metrics["epochs_finished"] == 4


def test_callbacks_for_each_fit_give_every_fit_and_every_copy_a_log(tmp_path):
    import copy

    args = parse("--out", str(tmp_path), epochs=2)
    X, y = np.random.default_rng(0).normal(size=(32, 4)).astype("float32"), np.arange(32) % 2
    with recipe.start("demo", args, dataset="none") as run:
        callbacks = run.callbacks("cv", each_fit=True)
        for given in (callbacks, copy.deepcopy(callbacks), callbacks):  # as GridSearchCV's clones
            model = build_dense_model(4, "binary", hidden_units=(4,))
            model.fit(X, y, epochs=2, verbose=0, callbacks=given)
        run.finish()
    logs = sorted(p.name for p in (run.path / "fits").glob("cv-*.csv"))
    assert logs == ["cv-1.csv", "cv-2.csv", "cv-3.csv"]
    assert all(len((run.path / "fits" / n).read_text().splitlines()) == 3 for n in logs)


def test_the_overlay_records_a_claim_with_the_runs_it_is_about(tmp_path):
    args = parse("--out", str(tmp_path), "--no-plots", epochs=1)
    runs = []
    for variant, value in (("a", 0.5), ("b", 0.7)):
        with recipe.start("demo", args, dataset="demo", variant=variant) as run:
            run.finish(
                history={"loss": [value], "val_loss": [value]}, result=run.result("x", value)
            )
        runs.append(run)
    book = recipe.BookFigure("a below b", "a lower", "demo", band="a lower")
    comparison = recipe.Comparison("a", 0.5, "b", 0.7, "lower")
    claim = run.result("a vs b", "a 0.5, b 0.7", book, comparisons=(comparison,))
    recipe.overlay(runs, claim=claim)
    first, last = (json.loads((r.path / "metrics.json").read_text()) for r in runs)
    assert "claims" not in first
    (recorded,) = last["claims"]
    assert recorded["runs"] == [r.name for r in runs] and recorded["holds"] is True
    assert last["result"]["metric"] == "x"  # the run's own result stays its own


@pytest.mark.parametrize("quick", [False, True])
def test_every_saved_figure_names_its_run_and_a_quick_one_says_so(tmp_path, quick):
    from matplotlib.figure import Figure

    args = parse("--out", str(tmp_path), *(["--quick"] if quick else []), epochs=1)
    with recipe.start("demo", args, dataset="none") as run:
        figure = Figure()
        figure.add_subplot().plot([1, 2], [3, 4])
        run.save_figure(figure, "picture.png")
        run.finish(history={"loss": [1.0, 0.5], "val_loss": [1.2, 0.9]})
    sign = figure.get_supxlabel()
    assert sign.startswith(f"demo/{run.path.name}")
    assert ("--quick smoke run" in sign) is quick
    assert (run.path / "picture.png").is_file() and (run.path / "curves.png").is_file()
