"""The command line, run as a user would: python -m keras_dl list | run | compare."""

import subprocess
import sys
from pathlib import Path

from keras_dl.records.run import start_run


def cli(*args: str, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "keras_dl", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_list_groups_every_recipe_under_its_source_with_its_title():
    done = cli("list")
    assert done.returncode == 0, done.stderr
    book, notes = done.stdout.split("Course notes on deep-learning fundamentals\n")
    assert book.startswith("Deep Learning with Python (Chollet)\n")
    assert "Your recipes" not in done.stdout  # none without $KERAS_DL_RECIPES
    titles = dict(line.split(None, 1) for line in book.strip().splitlines()[1:])
    assert titles["digits"].startswith("Your first neural network") and "mnist" in titles
    assert "gates" in notes and "gates" not in titles


def test_a_reader_that_stops_early_is_no_error():
    """keras-dl list | head -1: the pipe closes under `list`; it ends quietly, status 0."""
    listing = subprocess.Popen(
        [sys.executable, "-m", "keras_dl", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    listing.stdout.close()  # as head does after its line, here before the first
    assert listing.wait(timeout=60) == 0
    assert listing.stderr.read() == ""


def test_compare_writes_the_overlay_and_table(tmp_path):
    runs = []
    for tag, values in (("a", [0.9, 0.4, 0.6]), ("b", [0.8, 0.7, 0.5])):
        run = start_run("demo", {}, out=tmp_path, tag=tag)
        run.save_history({"loss": values, "val_loss": values})
        runs.append(str(run.path))
    out = tmp_path / "cmp.png"
    done = cli("compare", *runs, "--metric", "val_loss", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.is_file() and out.with_suffix(".csv").is_file()
    assert done.stdout.splitlines()[1].endswith("-a,2,0.4,0.6,0,partial")


def test_errors_are_one_clear_line_and_exit_status_2(tmp_path):
    unknown = cli("run", "digts")
    assert unknown.returncode == 2
    assert "unknown recipe 'digts'; did you mean 'digits'?" in unknown.stderr
    missing = cli("compare", str(tmp_path / "nope"))
    assert missing.returncode == 2
    assert "history.csv not found" in missing.stderr and "Traceback" not in missing.stderr


def test_recipe_flags_are_validated_by_argparse():
    done = cli("run", "digits", "--tag", "a b")
    assert done.returncode == 2
    assert "--tag" in done.stderr and "expected up to 100 letters" in done.stderr


def test_the_console_script_names_itself_in_its_usage_lines():
    script = Path(sys.executable).with_name("keras-dl")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("usage: keras-dl ")
    recipe = subprocess.run(
        [str(script), "run", "digits", "--help"], capture_output=True, text=True, timeout=120
    )
    assert recipe.stdout.startswith("usage: keras-dl run digits ")
    assert "described below" in recipe.stdout and "described above" not in recipe.stdout
    assert cli("--help").stdout.startswith("usage: python -m keras_dl ")
