"""``micropulse pulse``: outputs, --json, --demo with its cache, and errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from micropulse.cli.app import main
from micropulse.synth import make_pulse_video


@pytest.fixture(scope="module")
def short_video(tmp_path_factory):
    return make_pulse_video(tmp_path_factory.mktemp("v"), seconds=8, hr_bpm=84, seed=3, size=(160, 120))


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "micropulse", *args], capture_output=True, text=True, timeout=300, check=False
    )


def test_pulse_writes_files_and_json(short_video, tmp_path, capsys):
    rc = main(["pulse", str(short_video.video_path), "--out", str(tmp_path), "--json", "--method", "chrom",
               "--band", "0.7", "3.0", "--window", "6"])  # fmt: skip
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "chrom" and out["band_hz"] == [0.7, 3.0]
    assert abs(out["hr_bpm"] - short_video.hr_bpm) <= 2.0  # synthetic truth
    assert out["lossy_input"] is False and out["face_coverage"] == 1.0
    for kind in ("bvp", "json", "png"):
        assert (tmp_path / f"video.{'bvp.csv' if kind == 'bvp' else kind}").is_file()
    assert (tmp_path / "video.bvp.csv").read_text().splitlines()[0] == "time_s,bvp,bvp_raw"
    saved = json.loads((tmp_path / "video.json").read_text())
    assert saved["hr_bpm"] == out["hr_bpm"] and len(saved["hr_series"]) >= 1


def test_demo_makes_then_reuses_its_cache(tmp_path, capsys):
    cache = tmp_path / "demo"
    assert main(["pulse", "--demo", "--cache-dir", str(cache)]) == 0
    text = capsys.readouterr().out
    assert "made a 20-s synthetic" in text and "synthetic truth 67.0 bpm" in text
    found = float(text.split("found ")[1].split(" bpm")[0])
    assert abs(found - 67.0) <= 1.5
    assert (cache / "out" / "video.png").is_file()
    mtime = (cache / "video.mkv").stat().st_mtime_ns
    assert main(["pulse", "--demo", "--cache-dir", str(cache), "--json", "--no-plot"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["synthetic_truth_hr_bpm"] == pytest.approx(67.0) and abs(out["hr_bpm"] - 67.0) <= 1.5
    assert (cache / "video.mkv").stat().st_mtime_ns == mtime  # reused, not remade


def test_no_face_exits_2_naming_the_file_without_traceback(video_dir):
    proc = _run("pulse", str(video_dir / "no_face.mp4"), "--out", "/tmp/micropulse_test_noface")
    assert proc.returncode == 2
    assert "no_face.mp4" in proc.stderr and "no face" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_inputs_exit_2_with_a_message(tmp_path, capsys):
    fake = tmp_path / "fake.mp4"
    fake.write_text("not a video")
    assert main(["pulse", str(fake), "--out", str(tmp_path)]) == 2
    assert "fake.mp4" in capsys.readouterr().err
    assert main(["pulse", str(tmp_path / "missing.mp4")]) == 2
    assert "missing.mp4" in capsys.readouterr().err
    assert main(["pulse"]) == 2
    assert "--demo" in capsys.readouterr().err
    assert main(["pulse", str(fake), "--method", "nope"]) == 2
    assert "pos" in capsys.readouterr().err


def test_missing_file_subprocess_has_no_traceback(tmp_path):
    proc = _run("pulse", str(tmp_path / "missing.mp4"))
    assert proc.returncode == 2 and "missing.mp4" in proc.stderr and "Traceback" not in proc.stderr


def test_unwritable_out_dir_is_a_clear_error(short_video, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    assert main(["pulse", str(short_video.video_path), "--out", str(blocker / "sub"), "--no-plot"]) == 2
    assert "cannot write the outputs" in capsys.readouterr().err
