"""The jena recipe: the windows and the baseline as the book computes them, its run on
generated records, the CSV reader, and the offline message."""

import json
import zipfile

import keras
import numpy as np
import pytest

from keras_dl import datasets
from keras_dl.lab.registry import load_recipe
from keras_dl.records.book import SMOKE, Result

HEADER = (
    '"Date Time","p (mbar)","T (degC)","Tpot (K)","Tdew (degC)","rh (%)","VPmax (mbar)",'
    '"VPact (mbar)","VPdef (mbar)","sh (g/kg)","H2OC (mmol/mol)","rho (g/m**3)",'
    '"wv (m/s)","max. wv (m/s)","wd (deg)"'
)


def test_quick_run_splits_50_25_25_and_records_the_baseline_and_the_claim(quick_run):
    run = quick_run("jena")
    (run_dir,) = run.run_dirs
    assert run.code == 0
    assert (run_dir / "jena_dense.keras").is_file()  # the best epoch's model
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["sizes"] == {"train": 10000, "val": 5000, "test": 5000}
    val, test, claim = metrics["figures"]
    assert (val["value"], test["value"]) == (
        metrics["baseline_val_mae"],
        metrics["baseline_test_mae"],
    )
    assert val["book"]["text"] == "2.44" and test["book"]["text"] == "2.62"
    assert val["book"]["label"] == "book, 2nd ed. ch. 10.2"
    (comparison,) = claim["comparisons"]
    assert comparison["relation"] == "not lower"
    assert comparison["first_value"] == metrics["best_val_mae"]
    assert comparison["second_value"] == metrics["baseline_val_mae"]
    assert metrics["result"]["book"] is None  # the book prints no number for the model
    out = run.out.strip().splitlines()
    assert out[-1] == Result.from_dict(metrics["result"]).line()
    assert out[-1].endswith(f"on synthetic-jena-climate ({SMOKE})")


def test_the_baseline_predicts_the_last_temperature_of_each_window():
    jena = load_recipe("jena")
    readings = np.zeros((3000, 14), dtype="float32")
    readings[:, 1] = np.sin(np.arange(3000) / 50.0)  # standardized temperatures
    targets = 10.0 + 5.0 * np.cos(np.arange(3000) / 70.0)
    windows = keras.utils.timeseries_dataset_from_array(
        readings[: -jena.DELAY],
        targets=targets[jena.DELAY :],
        sampling_rate=jena.SAMPLING_RATE,
        sequence_length=jena.SEQUENCE_LENGTH,
        batch_size=64,
    )
    # Window i starts at record i and ends at i + 6 * 119; its target is record i + DELAY.
    starts = np.arange(len(readings) - jena.DELAY - jena.SAMPLING_RATE * 119)
    last = readings[starts + jena.SAMPLING_RATE * 119, 1] * 5.0 + 10.0
    expected = np.abs(last - targets[starts + jena.DELAY]).mean()
    assert jena.naive_mae(windows, mean=10.0, std=5.0) == pytest.approx(expected, rel=1e-5)


def test_the_csv_reader_keeps_the_14_readings_with_the_temperature_second(tmp_path):
    rows = ["01.01.2009 00:10:00," + ",".join(str(i + r) for i in range(14)) for r in range(3)]
    archive = tmp_path / "jena_climate_2009_2016.csv.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("jena_climate_2009_2016.csv", "\n".join([HEADER, *rows]) + "\n")
    readings = datasets._read_jena_csv(archive)
    assert readings.shape == (3, 14) and readings.dtype == np.float32
    assert readings[:, 1].tolist() == [1.0, 2.0, 3.0]
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("jena_climate_2009_2016.csv", "a,b\n1,2\n")
    with pytest.raises(ValueError, match="expected the Jena climate CSV's 15 columns"):
        datasets._read_jena_csv(archive)


def test_full_run_offline_says_which_file_to_put_where(run_recipe, capsys):
    code, run_dirs = run_recipe("jena")
    assert code == 2 and run_dirs == []
    err = capsys.readouterr().err
    assert "jena_climate_2009_2016.csv.zip" in err and "s3.amazonaws.com" in err
    assert "--quick" in err and "Traceback" not in err
