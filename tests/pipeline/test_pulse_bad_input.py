"""Bad input to the pulse pipeline: a named error or a clear warning, never a traceback from numpy."""

from __future__ import annotations

import numpy as np
import pytest

from micropulse.errors import InputError, SignalError, UnknownNameError, VideoReadError
from micropulse.io import VideoWarning, write_video
from micropulse.pipeline.pulse import analyse_video
from micropulse.synth import make_pulse_video
from micropulse.synth.pulse_video import SynthSettings, render_frames

SIZE = (160, 120)


def test_missing_file(tmp_path):
    with pytest.raises(VideoReadError, match="nope.mp4"):
        analyse_video(tmp_path / "nope.mp4")


def test_text_file_named_mp4(tmp_path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is not a video\n" * 50)
    with pytest.raises(VideoReadError, match="notes.mp4"):
        analyse_video(fake)


def test_half_second_video(tmp_path):
    v = make_pulse_video(tmp_path, seconds=0.5, size=SIZE)
    with pytest.raises(VideoReadError, match=r"only 0\.50 s"):
        analyse_video(v.video_path)


def test_truncated_video_warns_or_fails_clearly(tmp_path):
    v = make_pulse_video(tmp_path, seconds=6, size=SIZE, noise=0.5)
    data = v.video_path.read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: len(data) * 6 // 10])
    try:
        with pytest.warns(UserWarning, match="decoded"):
            res = analyse_video(cut)
    except (VideoReadError, SignalError) as exc:  # too little left: a named error naming the file
        assert "cut.mkv" in str(exc)
    else:
        assert res.n_frames < v.n_frames
        assert 40 <= res.hr_bpm <= 210


def test_grayscale_video(tmp_path):
    settings = SynthSettings(width=SIZE[0], height=SIZE[1])
    n = 120
    bvp = np.sin(2 * np.pi * 1.2 * np.arange(n) / 30.0)
    gray = (f.mean(axis=2).astype(np.uint8) for f in render_frames(n, 30.0, bvp, settings, 0))
    path = write_video(tmp_path / "gray.mkv", gray, 30.0)
    with pytest.raises(SignalError, match="grayscale"), pytest.warns(VideoWarning, match="grayscale"):
        analyse_video(path, method="pos")
    with pytest.warns(VideoWarning, match="grayscale"):
        res = analyse_video(path, method="green")  # luminance only: allowed, with a warning
    assert res.hr_bpm > 0


def test_unknown_method_and_backend_list_the_known_ones(tmp_path):
    with pytest.raises(UnknownNameError, match="pos"):
        analyse_video(tmp_path / "x.mp4", method="nope")
    with pytest.raises(UnknownNameError, match="mediapipe"):
        analyse_video(tmp_path / "x.mp4", face="nope")
    with pytest.raises(InputError, match="skin pixels"):
        analyse_video(tmp_path / "x.mp4", method="ssr")


def test_frame_folder_needs_fps_and_then_works(tmp_path):
    from micropulse.io import write_png_frames
    from micropulse.synth.ppg import ppg_waveform

    n, fps = 150, 30.0
    bvp = ppg_waveform(np.arange(n) / fps, 96.0, seed=1).bvp
    folder = write_png_frames(
        tmp_path / "frames", render_frames(n, fps, bvp, SynthSettings(width=160, height=120), 1)
    )
    with pytest.raises(InputError, match="fps"):
        analyse_video(folder)
    res = analyse_video(folder, fps=fps)
    assert res.lossy_input is False and res.n_frames == n
    assert abs(res.hr_bpm - 96.0) <= 3.0  # 5 s of synthetic pulse
