"""The public API other Keras projects import, and the light import of keras_dl."""

import subprocess
import sys
from pathlib import Path

import pytest

import keras_dl


def test_public_names_import_from_the_top_level():
    from keras_dl import build_dense_model, infer_task, kfold, output_head, train_val_test_split

    for function in (build_dense_model, infer_task, kfold, output_head, train_val_test_split):
        assert function.__doc__ and "Example" in function.__doc__
    assert set(keras_dl.__all__) <= set(dir(keras_dl))


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        keras_dl.nope  # noqa: B018


def test_importing_the_package_does_not_start_tensorflow():
    code = "import sys, keras_dl; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False False"


def test_dir_lists_the_public_names_not_the_plumbing():
    names = dir(keras_dl)
    assert set(keras_dl.__all__) <= set(names)
    assert not {"TYPE_CHECKING", "annotations", "importlib"} & set(names)


def test_the_license_the_metadata_names_is_there():
    root = Path(__file__).resolve().parents[1]
    assert "license = MIT" in (root / "setup.cfg").read_text()
    assert (root / "LICENSE").read_text().startswith("MIT License")


def test_running_a_recipe_with_make_installs_no_dev_extras(tmp_path):
    root = Path(__file__).resolve().parents[1]
    plan = subprocess.run(
        ["make", "-n", "-C", str(root), "recipe", "NAME=digits", f"VENV={tmp_path / 'venv'}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "pip install --no-compile -e .\n" in plan and "[dev]" not in plan
    assert "keras_dl run digits" in plan
