"""``micropulse spot``: the real Pexels clip end to end, and clean errors (no traceback) on bad input.

The checkpoint is a freshly initialised ME-TST saved with metadata: shapes and files only, no accuracy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from micropulse.cli.app import main
from micropulse.me.infer import DecodeSettings
from micropulse.me.models import create_me_model

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    meta = {"arch": "me-tst", "roi_set": "me-tst", "k": 50, "flow": "farneback", "target_fps": 30.0,
            "decode": DecodeSettings().to_dict()}  # fmt: skip
    path = tmp_path_factory.mktemp("ckpt") / "model.pt"
    torch.save({"state_dict": create_me_model("me-tst").state_dict(), "metadata": meta}, path)
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run(
        [sys.executable, "-m", "micropulse", *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_spot_real_clip_end_to_end(video_dir, checkpoint, tmp_path, capsys):
    clip = video_dir / "WolfgangLanger_Pexels.mp4"
    rc = main(
        ["spot", str(clip), "--weights", str(checkpoint), "--out", str(tmp_path), "--flow", "dis", "--json"]
    )
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["fps"] == pytest.approx(23.976, abs=1e-3) and doc["frame_skip"] == 1
    assert doc["face_coverage"] > 0.8 and doc["n_frames_analysed"] == 472
    assert doc["model"]["flow"] == "dis" and doc["weights"] == str(checkpoint)
    for iv in doc["intervals"]:
        assert 0 <= iv["onset_frame"] <= iv["apex_frame"] <= iv["offset_frame"] < 472
    for suffix in (".intervals.csv", ".json", ".png"):
        assert (tmp_path / f"WolfgangLanger_Pexels{suffix}").stat().st_size > 0
    summary = json.loads((tmp_path / "WolfgangLanger_Pexels.json").read_text())
    assert len(summary["curve"]["score"]) == (472 // 25) * 25  # W = 472 // 25 - 1 windows of k = 50 (§1.6)


def test_spot_no_face_is_exit_2_without_traceback(video_dir, checkpoint, tmp_path):
    proc = run_cli("spot", str(video_dir / "no_face.mp4"), "--weights", str(checkpoint), "--out", str(tmp_path),
                   "--flow", "dis")  # fmt: skip
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert "no face" in proc.stderr and "no_face.mp4" in proc.stderr
    assert not (tmp_path / "no_face.intervals.csv").exists()


def test_spot_missing_and_non_video_files(tmp_path, checkpoint, capsys):
    assert main(["spot", str(tmp_path / "absent.mp4"), "--weights", str(checkpoint)]) == 2
    err = capsys.readouterr().err
    assert "absent.mp4" in err and "not found" in err
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is text, not a video\n")
    assert main(["spot", str(fake), "--weights", str(checkpoint)]) == 2
    err = capsys.readouterr().err
    assert "notes.mp4" in err and "cannot open" in err


def test_spot_bad_weights_is_a_clear_error(video_dir, tmp_path, capsys):
    junk = tmp_path / "w.pth"
    junk.write_bytes(b"\x00\x01garbage")
    assert main(["spot", str(video_dir / "single_face.mp4"), "--weights", str(junk)]) == 2
    err = capsys.readouterr().err
    assert "w.pth" in err and "PyTorch checkpoint" in err
