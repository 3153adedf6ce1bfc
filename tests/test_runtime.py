"""Backend and device report, seeding, and mixed precision on request."""

import keras
import numpy as np

from keras_dl import build_dense_model, runtime


def test_backend_and_device_are_reported():
    assert runtime.backend() == keras.backend.backend()
    assert runtime.device().startswith(("CPU: ", "GPU: "))
    described = runtime.describe()
    assert described["backend"] == runtime.backend()
    assert described["versions"]["keras"] == keras.__version__
    assert described["versions"][runtime.backend_package()]


def test_seed_fixes_initial_weights():
    def first_kernel(seed):
        runtime.seed_everything(seed)
        return (
            build_dense_model(3, "binary", hidden_units=(4,)).get_layer("hidden_1").get_weights()[0]
        )

    np.testing.assert_array_equal(first_kernel(5), first_kernel(5))
    assert not np.array_equal(first_kernel(5), first_kernel(6))


def test_mixed_precision_on_request_keeps_the_head_float32():
    runtime.configure(mixed_precision=True)
    try:
        assert keras.config.dtype_policy().name.startswith("mixed_")
        model = build_dense_model(3, "multiclass", num_classes=3, hidden_units=(4,))
        assert model.get_layer("hidden_1").compute_dtype in ("float16", "bfloat16")
        assert model.get_layer("head").compute_dtype == "float32"
        assert model.predict(np.ones((2, 3)), verbose=0).dtype == np.float32
    finally:
        keras.mixed_precision.set_global_policy("float32")
