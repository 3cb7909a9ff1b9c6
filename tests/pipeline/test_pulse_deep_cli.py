"""`micropulse pulse VIDEO --model rhythmmamba --weights F`: the deep path gives the classic path's outputs."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch", reason="torch is part of the [deep] extra")

from micropulse.cli.app import main  # noqa: E402


def test_pulse_with_openrppg_rhythmmamba(synth_video, openrppg_weights_dir, tmp_path, capsys):
    video = synth_video(72.0, True)
    weights = openrppg_weights_dir / "RhythmMamba.pure.weights.h5"
    out = tmp_path / "out"
    rc = main(["pulse", str(video.video_path), "--model", "rhythmmamba", "--weights", str(weights),
               "--out", str(out), "--json", "--no-plot"])  # fmt: skip
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    assert d["method"] == "deep:rhythmmamba"
    assert d["model"]["weights"]["arch"] == "rhythmmamba"
    assert d["face_coverage"] == 1.0
    # synthetic truth; the model was trained on real faces (PURE), so allow the 3 bpm
    assert abs(d["hr_bpm"] - video.hr_bpm) <= 3.0
    assert (out / "video.bvp.csv").exists() and (out / "video.json").exists()


def test_weights_without_model_is_a_clear_error(tmp_path, capsys):
    rc = main(["pulse", str(tmp_path / "x.mkv"), "--weights", str(tmp_path / "w.h5")])
    assert rc == 2
    assert "--weights needs --model" in capsys.readouterr().err
