"""`micropulse hr FILE`: formats, JSON interface, plot, and bad input (exit 2, no traceback)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from micropulse.cli.app import main


def _ppg(hr_bpm=72.0, fs=50.0, seconds=60.0):
    t = np.arange(int(fs * seconds)) / fs
    ph = 2 * np.pi * hr_bpm / 60.0 * t
    return t, np.sin(ph) + 0.4 * np.sin(2 * ph + 1.0) + 0.02 * np.random.default_rng(0).standard_normal(
        t.size
    )


def _check_interface(d):
    assert set(d) >= {"hr_bpm", "hrv", "respiration_bpm", "quality", "band_hz", "method"}
    assert set(d["hrv"]) >= {"sdnn_ms", "rmssd_ms", "pnn50", "lf_hf", "reliable"}
    assert isinstance(d["hr_bpm"], float) and isinstance(d["quality"], float)
    assert isinstance(d["hrv"]["reliable"], bool)
    assert len(d["band_hz"]) == 2 and isinstance(d["method"], str)


def test_csv_with_ms_time_column_json_and_plot(tmp_path, capsys):
    t, x = _ppg()
    jitter = np.random.default_rng(1).uniform(-0.004, 0.004, t.size)
    f = tmp_path / "rec.csv"
    np.savetxt(f, np.c_[np.round((t + jitter) * 1000), x], delimiter=",", header="time,ppg", comments="")
    out, png = tmp_path / "o" / "r.json", tmp_path / "o" / "r.png"
    assert main(["hr", str(f), "--json-file", str(out), "--plot", str(png)]) == 0
    d = json.loads(out.read_text())
    _check_interface(d)
    assert abs(d["hr_bpm"] - 72.0) < 0.5 and d["method"] == "peaks" and d["column"] == "ppg"
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"
    assert "heart rate" in capsys.readouterr().out


def test_npy_with_fs_band_and_method(tmp_path):
    _, x = _ppg(hr_bpm=110.0, fs=30.0)
    f = tmp_path / "x.npy"
    np.save(f, x)
    out = tmp_path / "x.json"
    assert (
        main(["hr", str(f), "--fs", "30", "--band", "0.75", "2.5", "--method", "welch", "--json-file", str(out)]) == 0
    )
    d = json.loads(out.read_text())
    assert d["band_hz"] == [0.75, 2.5] and d["method"] == "welch" and abs(d["hr_bpm"] - 110) < 0.5


def test_csv_time_column_in_seconds_and_explicit_unit(tmp_path):
    t, x = _ppg(hr_bpm=60.0)
    f = tmp_path / "s.csv"
    np.savetxt(f, np.c_[t, x], delimiter=",", header="t_sec,value", comments="")
    out = tmp_path / "s.json"
    args = [
        "hr",
        str(f),
        "--time-column",
        "t_sec",
        "--time-unit",
        "s",
        "--column",
        "value",
        "--json-file",
        str(out),
    ]
    assert main(args) == 0
    assert abs(json.loads(out.read_text())["hr_bpm"] - 60.0) < 0.5


def test_wfdb_record(ppg_dir, tmp_path):
    out = tmp_path / "w.json"
    assert (
        main(["hr", str(ppg_dir / "wfdb" / "mixedsignals.hea"), "--column", "Pleth", "--json-file", str(out)]) == 0
    )
    d = json.loads(out.read_text())
    _check_interface(d)
    assert abs(d["hr_bpm"] - 104.0) < 1.0 and d["column"] == "Pleth"


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("", [], "empty"),
        ("time,ppg\n", [], "no samples"),
        (
            "time,ppg\n0,1\n10,2\n20,3\n",
            ["--column", "PLETH"],
            "no column 'PLETH'; available columns: time, ppg",
        ),
        (
            "time,ppg\n0,1\n20,2\n10,3\n" + "".join(f"{30 + i * 10},{i % 7}\n" for i in range(300)),
            [],
            "not increasing",
        ),
        ("ppg\n" + "1\n" * 50, ["--fs", "0"], "> 0 Hz"),
        ("ppg\n" + "1\n" * 50, ["--fs", "-5"], "> 0 Hz"),
        ("time,ppg\n" + "".join(f"{i * 20},nan\n" for i in range(300)), [], "all NaN"),
        ("ppg\n" + "".join(f"{np.sin(i)}\n" for i in range(300)), [], "give --time-column NAME or --fs"),
        ("ppg\n" + "1\n" * 300, ["--fs", "30"], "flat"),
    ],
)
def test_bad_input_is_a_clear_error(tmp_path, capsys, content, args, message):
    f = tmp_path / "bad.csv"
    f.write_text(content)
    assert main(["hr", str(f), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(f) in err and message in err, err
    assert "Traceback" not in err


def test_missing_file_and_wfdb_channel(tmp_path, ppg_dir, capsys):
    assert main(["hr", str(tmp_path / "nope.csv")]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(["hr", str(ppg_dir / "wfdb" / "a103l.hea"), "--column", "RESP"]) == 2
    assert "available: II, V, PLETH" in capsys.readouterr().err


def test_subprocess_bad_input_has_no_traceback(tmp_path):
    f = tmp_path / "empty.csv"
    f.write_text("")
    res = subprocess.run([sys.executable, "-m", "micropulse", "hr", str(f)], capture_output=True, text=True)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr and "empty" in res.stderr and str(f) in res.stderr
