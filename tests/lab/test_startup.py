"""keras_dl.lab.startup: the backend's start-up lines are dropped, everything else is kept."""

import os
import subprocess
import sys

import keras
import pytest

from keras_dl.lab.startup import start_up_noise_dropped


def test_the_backends_start_up_lines_are_dropped_and_the_rest_passed_on(capfd):
    with start_up_noise_dropped():
        os.write(
            2,
            b"WARNING: All log messages before absl::InitializeLog() is called are "
            b"written to STDERR\n",
        )
        os.write(
            2,
            b"I0000 00:00:1796375878.731049   10286 port.cc:153] oneDNN custom "
            b"operations are on.\n",
        )
        os.write(
            2,
            b"W0000 00:00:1796375878.731436   10286 cudart_stub.cc:31] Could not find "
            b"cuda drivers on your machine, GPU will not be used.\n",
        )
        os.write(2, b"a warning of the user's own\n")
        os.write(2, b"E0000 a real error line stays\n")
    err = capfd.readouterr().err
    assert err == "a warning of the user's own\nE0000 a real error line stays\n"


def start(*flags: str, level: str | None = None) -> str:
    """A fresh process's standard error after ``keras-dl [flags] list``-like start-up."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    if level is not None:
        env["TF_CPP_MIN_LOG_LEVEL"] = level
    code = (
        "import sys; from keras_dl.lab.startup import start_backend; "
        f"start_backend(verbose={'--verbose' in flags}); import keras; keras.ops.ones(2)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return done.stderr


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="TensorFlow alone prints start-up lines"
)
def test_the_start_is_quiet_unless_verbose_or_the_users_own_log_level():
    assert "oneDNN" not in start() and "absl" not in start()
    assert "oneDNN" in start("--verbose")  # what TensorFlow says, brought back
    assert "oneDNN" in start(level="0")  # the user's own setting is theirs
