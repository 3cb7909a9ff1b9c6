"""Issue 11 item 8: no third-party lines on stderr (mediapipe/TFLite start-up, OpenCV, FFmpeg) -- only
micropulse's own warnings and one-line errors; ``--verbose`` lets them through again."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOISE = ("XNNPACK", "W0000", "absl", "inference_feedback_manager", "landmark_projection", "moov atom",
         "cap.cpp", "WARN:0", "[mov,")  # fmt: skip


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENCV_", "GLOG_", "TF_CPP"))}
    env["PYTHONPATH"] = str(REPO / "src")
    return subprocess.run([sys.executable, "-m", "micropulse", *args], capture_output=True, text=True,
                          env=env, timeout=300)  # fmt: skip


@pytest.fixture(scope="module")
def bad_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("noise") / "bad.mp4"
    path.write_text("this is not a video\n")
    return path


def test_pulse_on_a_good_file_has_only_micropulse_lines_on_stderr(video_dir, tmp_path):
    proc = _run("pulse", str(video_dir / "single_face.mp4"), "--out", str(tmp_path), "--no-plot")
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert not [line for line in lines if any(n in line for n in NOISE)], proc.stderr
    assert all(line.startswith(("WARNING micropulse", "INFO micropulse")) for line in lines), proc.stderr


def test_pulse_on_a_bad_file_is_exactly_one_line(bad_file):
    proc = _run("pulse", str(bad_file))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(f"error: {bad_file}:"), proc.stderr


def test_verbose_restores_the_native_logs(bad_file):
    proc = _run("--verbose", "pulse", str(bad_file))
    assert proc.returncode == 2
    assert "moov atom not found" in proc.stderr or "cap.cpp" in proc.stderr, proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("error:")
