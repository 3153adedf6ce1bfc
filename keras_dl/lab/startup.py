"""Start the Keras backend quietly: the command line shows what a learner needs, not the
backend's start-up log.

TensorFlow 2.21 writes its C++ start-up lines ("oneDNN custom operations are on", "Could not
find cuda drivers on your machine", each after "All log messages before
absl::InitializeLog() is called are written to STDERR") to the process's standard error
before its log level is read, so ``TF_CPP_MIN_LOG_LEVEL`` cannot hide them. `start_backend`
imports Keras with that stream caught, drops those lines and passes on everything else; it
sets ``TF_CPP_MIN_LOG_LEVEL=3`` for what comes later ("failed call to cuInit"). A user's own
``TF_CPP_MIN_LOG_LEVEL`` is theirs: with it set, or with ``verbose``, nothing is hidden.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import sys
import tempfile
from collections.abc import Iterator

LOG_LEVEL = "TF_CPP_MIN_LOG_LEVEL"
OURS = "KERAS_DL_QUIET_START"  # says that LOG_LEVEL is ours, not the user's
START_UP_NOISE = re.compile(
    r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IW]\d{4} [\d:.]+ +\d+ [\w.]+:\d+\] "  # an absl INFO or WARNING line of the C++ code
)


def start_backend(*, verbose: bool = False) -> None:
    """Import Keras (and its backend) once, quietly unless `verbose` or the user set
    ``TF_CPP_MIN_LOG_LEVEL``."""
    if "keras" in sys.modules:
        return
    ours = os.environ.get(OURS) == "1"  # set by a start_backend before (a worker's parent)
    if verbose or (LOG_LEVEL in os.environ and not ours):
        _import_backend()
        return
    os.environ[LOG_LEVEL] = "3"
    os.environ[OURS] = "1"
    with start_up_noise_dropped():
        _import_backend()


def _import_backend() -> None:
    """Keras, and TensorFlow wherever it is installed: on JAX and torch too, Keras imports it
    when a run is seeded (``keras.utils.set_random_seed`` seeds ``tf.random`` as well)."""
    import keras  # noqa: F401

    if importlib.util.find_spec("tensorflow") is not None:
        import tensorflow  # noqa: F401


@contextlib.contextmanager
def start_up_noise_dropped() -> Iterator[None]:
    """Catch what the body writes to file descriptor 2 and pass it on without the backend's
    start-up lines (`START_UP_NOISE`)."""
    sys.stderr.flush()
    kept = os.dup(2)
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(kept, 2)
            os.close(kept)
            caught.seek(0)
            text = caught.read().decode(errors="replace")
            lines = text.splitlines(keepends=True)
            sys.stderr.write("".join(line for line in lines if not START_UP_NOISE.match(line)))
            sys.stderr.flush()
