"""Backend and device report, seeding, mixed precision on request, and data-parallel
training on a split CPU."""

import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

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


BACKEND = keras.backend.backend()


def run_digits(out, *flags: str) -> subprocess.CompletedProcess:
    """``python -m keras_dl run digits`` in a fresh process (devices are fixed per process)."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "keras_dl",
            "run",
            "digits",
            "--no-plots",
            "--out",
            str(out),
            *flags,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )


def recorded(out) -> tuple[dict, dict]:
    (run_dir,) = (Path(out) / "digits").iterdir()
    return tuple(
        json.loads((run_dir / name).read_text()) for name in ("config.json", "metrics.json")
    )


@pytest.mark.skipif(BACKEND == "torch", reason="torch is refused: see the next test")
def test_two_replicas_on_a_split_cpu_train_as_one(tmp_path):
    """--distribute --cpu-devices 2 trains on 2 replicas (recorded in config.json) and, with
    the same seed, reaches the accuracy of one device within 0.01 (and the book's 0.95)."""
    two = run_digits(tmp_path / "two", "--distribute", "--cpu-devices", "2")
    assert two.returncode == 0, two.stderr[-2000:]
    one = run_digits(tmp_path / "one")
    assert one.returncode == 0, one.stderr[-2000:]
    config, metrics = recorded(tmp_path / "two")
    strategy = {"tensorflow": "MirroredStrategy", "jax": "DataParallel"}[BACKEND]
    assert (config["strategy"], config["replicas"]) == (strategy, 2)
    assert f"{strategy} on 2 replicas" in two.stdout
    single_config, single = recorded(tmp_path / "one")
    assert (single_config["strategy"], single_config["replicas"]) == ("none", 1)
    accuracy = metrics["test"]["accuracy"]
    assert accuracy >= 0.95
    assert abs(accuracy - single["test"]["accuracy"]) <= 0.01


@pytest.mark.skipif(BACKEND != "torch", reason="only the torch backend refuses --distribute")
@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--distribute"], ["--distribute:", "torchrun"]),
        (["--cpu-devices", "2"], ["--cpu-devices 2:", "cannot split the CPU"]),
    ],
)
def test_torch_refuses_distribution_with_one_line(tmp_path, flags, words):
    done = run_digits(tmp_path, *flags)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and all(word in last for word in words), last


def test_a_started_backend_keeps_its_devices():
    """Splitting the CPU again in a process that computes already is refused, naming why."""
    keras.ops.ones(2)  # the backend has started
    if BACKEND == "torch":
        with pytest.raises(ValueError, match="cannot split the CPU"):
            runtime.split_cpu(3)
        return
    with pytest.raises(ValueError, match=r"cpu_devices=7: .* has started with 1 CPU device"):
        runtime.split_cpu(7)


def free_ports(count: int) -> list[int]:
    """Ports on localhost that nothing listens on now."""
    import socket

    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def two_workers(tmp_path, environment) -> list[subprocess.CompletedProcess]:
    """``run digits --distribute`` in two processes on localhost, as on two machines;
    `environment(index, addresses)` gives each its job settings."""
    addresses = [f"localhost:{port}" for port in free_ports(2)]
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "keras_dl",
                "run",
                "digits",
                "--distribute",
                "--no-plots",
                "--out",
                str(tmp_path / f"worker-{index}"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **environment(index, addresses)},
        )
        for index in range(2)
    ]
    done = []
    for worker in workers:
        out, err = worker.communicate(timeout=600)
        done.append(subprocess.CompletedProcess(worker.args, worker.returncode, out, err))
    return done


@pytest.mark.skipif(BACKEND != "jax", reason="JAX's multi-process job (see the TF test below)")
def test_two_jax_processes_on_localhost_train_one_model(tmp_path):
    """keras.distribution.initialize() joins two processes into one job: each feeds half
    of every batch, and both end with the same model and the same test accuracy."""

    def job(index, addresses):
        return {
            "KERAS_DISTRIBUTION_JOB_ADDRESSES": ",".join(addresses),
            "KERAS_DISTRIBUTION_NUM_PROCESSES": "2",
            "KERAS_DISTRIBUTION_PROCESS_ID": str(index),
        }

    done = two_workers(tmp_path, job)
    for index, worker in enumerate(done):
        assert worker.returncode == 0, worker.stderr[-2000:]
        assert f"fit: process {index + 1} of 2 feeds rows" in worker.stdout
    results = [recorded(tmp_path / f"worker-{i}") for i in range(2)]
    assert [config["replicas"] for config, _ in results] == [2, 2]
    accuracies = {metrics["test"]["accuracy"] for _, metrics in results}
    assert len(accuracies) == 1 and accuracies.pop() >= 0.95


KERAS_20585 = "Attempt to convert a value (PerReplica"


@pytest.mark.skipif(BACKEND != "tensorflow", reason="TensorFlow's multi-worker strategy")
def test_two_tensorflow_workers_on_localhost_train_one_model(tmp_path):
    """Both workers join MultiWorkerMirroredStrategy with TF_CONFIG. Keras 3's fit then
    fails with 'Attempt to convert a value (PerReplica:...) with an unsupported type'
    (keras-team/keras#20585): that failure is reported as expected (xfail), any other
    fails the test, and the day it trains the test passes."""

    def job(index, addresses):
        cluster = {"cluster": {"worker": addresses}, "task": {"type": "worker", "index": index}}
        return {"TF_CONFIG": json.dumps(cluster)}

    done = two_workers(tmp_path, job)
    for worker in done:
        assert "MultiWorkerMirroredStrategy on 2 replicas" in worker.stdout, worker.stderr[-2000:]
    if any(worker.returncode != 0 for worker in done):
        for worker in done:
            assert KERAS_20585 in worker.stderr, worker.stderr[-2000:]
        pytest.xfail("keras-team/keras#20585: fit under MultiWorkerMirroredStrategy")
    accuracies = {recorded(tmp_path / f"worker-{i}")[1]["test"]["accuracy"] for i in range(2)}
    assert len(accuracies) == 1
