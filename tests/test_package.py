"""The public API other Keras projects import, and the light import of keras_dl."""

import subprocess
import sys

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
