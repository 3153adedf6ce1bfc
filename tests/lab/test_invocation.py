"""keras_dl.lab.invocation: a recipe run in this process reports the runs it opened, shows
the command a user would type, and ends in an exit status (Ctrl-C stays an exception)."""

import json

import pytest

from keras_dl.lab.invocation import Interrupted, invoke


def test_the_runs_a_recipe_opens_are_reported_in_order_with_their_command(tmp_path):
    outcome = invoke("heads", ["--quick", "--no-plots", "--out", str(tmp_path)])
    assert outcome.exit == 0 and outcome.error == ""
    assert [run.name.split("-quick-")[1] for run in outcome.runs] == [
        "linear-diabetes",
        "sigmoid-breast_cancer",
        "softmax-wine",
        "softmax2-breast_cancer",
    ]
    config = json.loads((outcome.runs[0] / "config.json").read_text())
    assert config["command"] == [
        "python -m keras_dl run heads",
        "--quick",
        "--no-plots",
        "--out",
        str(tmp_path),
    ]


def test_an_alias_runs_its_script_with_its_flags(tmp_path, capsys):
    outcome = invoke("mnist", ["--quick", "--no-plots", "--out", str(tmp_path)])
    (run,) = outcome.runs
    config = json.loads((run / "config.json").read_text())
    assert run.parent.name == "digits" and config["arguments"]["dataset"] == "mnist"
    assert config["command"][0] == "python -m keras_dl run mnist"  # what the user typed
    assert "dataset synthetic-mnist" in capsys.readouterr().out


def test_an_error_the_recipe_ends_on_is_one_line_and_exit_status_2(tmp_path, capsys):
    outcome = invoke("mnist", ["--out", str(tmp_path)])  # no mnist.npz here
    assert outcome.exit == 2 and outcome.runs == ()
    assert outcome.error.startswith("mnist.npz is not in the Keras cache")
    assert capsys.readouterr().err.startswith("error: mnist.npz")


def test_a_bad_flag_is_argparses_exit_status(tmp_path, capsys):
    outcome = invoke("digits", ["--epochs", "0", "--out", str(tmp_path)])
    assert outcome.exit == 2 and outcome.runs == ()
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m keras_dl run digits") and "--epochs" in err


def test_ctrl_c_is_raised_with_the_runs_opened_so_far(tmp_path, monkeypatch):
    from keras_dl.lab import lifecycle

    def pressed(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(lifecycle.RecipeRun, "fit", pressed)
    with pytest.raises(Interrupted) as raised:
        invoke("digits", ["--quick", "--no-plots", "--out", str(tmp_path)])
    outcome = raised.value.outcome
    (run,) = outcome.runs
    assert outcome.exit == 130
    assert json.loads((run / "metrics.json").read_text())["status"] == "interrupted"
