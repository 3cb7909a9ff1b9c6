"""The pulse pipeline on real (lossy) face clips: face found, lossy input reported, HR in band."""

from __future__ import annotations

import pytest

from micropulse.errors import NoFaceError
from micropulse.pipeline.pulse import analyse_video
from micropulse.synth.material import carphone_path


def _in_band(res) -> bool:
    lo, hi = res.band_hz
    return lo * 60 <= res.hr_bpm <= hi * 60


@pytest.mark.parametrize("name", ["single_face.mp4", "carphone"])
def test_real_talking_heads(video_dir, name):
    path = carphone_path() if name == "carphone" else video_dir / name
    res = analyse_video(path)
    assert res.face_coverage >= 0.95
    assert res.lossy_input is True and any("lossy" in w for w in res.warnings)
    assert _in_band(res)
    assert res.to_dict()["lossy_input"] is True


def test_face_then_no_face_uses_the_face_part(video_dir):
    res = analyse_video(video_dir / "face_noface.mov")
    assert 0.2 < res.face_coverage < 1.0
    assert any("face found on" in w for w in res.warnings)
    assert res.segment_s[0] == pytest.approx(0.0, abs=0.1)  # the face comes first
    assert res.times_s[-1] <= res.segment_s[1] + 1e-6
    assert _in_band(res)


def test_no_face_raises_named_error_with_file_name(video_dir):
    with pytest.raises(NoFaceError, match="no_face.mp4"):
        analyse_video(video_dir / "no_face.mp4")


def test_moving_head_with_hand_over_mouth_runs_end_to_end(video_dir, tmp_path):
    res = analyse_video(video_dir / "WolfgangLanger_Pexels.mp4", out_dir=tmp_path)
    assert res.n_frames == 472 and _in_band(res)
    assert (tmp_path / "WolfgangLanger_Pexels.json").is_file()
    assert (tmp_path / "WolfgangLanger_Pexels.png").is_file()
