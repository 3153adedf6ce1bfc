"""keras_dl.records never imports Keras or a backend: reading, comparing, judging and
reporting runs start in a second, and work where no backend is installed."""

import pkgutil
import subprocess
import sys

import keras_dl.records

MODULES = sorted(
    f"keras_dl.records.{info.name}" for info in pkgutil.iter_modules(keras_dl.records.__path__)
)

# Every module imported, and a run written, compared, reported and logged for TensorBoard.
SCRIPT = """
import importlib, sys, tempfile
from pathlib import Path
for name in {modules!r}:
    importlib.import_module(name)
from keras_dl.records.compare import compare
from keras_dl.records.report import report
from keras_dl.records.run import start_run
from keras_dl.records.tensorboard import write_history
out = Path(tempfile.mkdtemp())
with start_run("demo", {{"arguments": {{"seed": 0}}}}, out=out) as run:
    run.save_history({{"loss": [0.9, 0.5], "val_loss": [1.0, 0.7]}})
    run.save_metrics({{"status": "complete"}})
compare([run.path], out=out / "compare.png")
report(out)
write_history({{"loss": [0.9]}}, out / "tb")
print(sorted(m for m in sys.modules if m.split(".")[0] in ("keras", "tensorflow", "jax", "torch")))
"""


def test_the_records_package_imports_no_keras_and_no_backend():
    assert len(MODULES) >= 10, MODULES
    code = SCRIPT.format(modules=MODULES)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
