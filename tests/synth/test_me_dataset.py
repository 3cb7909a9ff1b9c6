"""Synthetic ME datasets: written in the CAS(ME)^3 and SAMM-LV layouts, read back by the loaders."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from micropulse.datasets.me import load_me_dataset
from micropulse.errors import InputError
from micropulse.me.labels import label_to_index
from micropulse.me.score import megc_score, read_intervals_csv
from micropulse.synth.me_dataset import intervals_frame, make_me_video, write_me_dataset


def test_casme3_round_trip(tmp_path: Path) -> None:
    truth = write_me_dataset(
        tmp_path, layout="casme3", n_subjects=2, seconds=8.0, n_micro=2, n_macro=1, size=128, seed=3
    )
    videos = load_me_dataset("casme3", tmp_path)
    assert [v.id for v in videos] == ["1/a", "2/a"]
    for t, v in zip(truth, videos, strict=True):
        assert v.n_frames == t.n_frames == 240
        want = [(iv.onset, iv.apex, iv.offset, iv.emotion) for iv in t.intervals if iv.type == "me"]
        assert [(iv.onset, iv.apex, iv.offset, iv.emotion) for iv in v.intervals] == want
        assert len(want) == 2
    frame = next(videos[0].iter_frames())
    assert frame.shape == (128, 128)
    with_macro = load_me_dataset("casme3", tmp_path, include_macro=True)
    assert all(iv.type == "me" for v in with_macro for iv in v.intervals)  # the sheet lists MEs only


def test_casme3_with_type_column_keeps_macros(tmp_path: Path) -> None:
    truth = write_me_dataset(
        tmp_path,
        layout="casme3",
        n_subjects=1,
        seconds=8.0,
        n_micro=1,
        n_macro=1,
        size=96,
        seed=4,
        with_type=True,
    )
    (video,) = load_me_dataset("casme3", tmp_path, include_macro=True)
    assert sorted(iv.type for iv in video.intervals) == ["mae", "me"]
    assert {(iv.onset, iv.offset) for iv in video.intervals} == {
        (iv.onset, iv.offset) for iv in truth[0].intervals
    }


def test_samm_lv_round_trip_on_the_seventh_grid(tmp_path: Path) -> None:
    truth = write_me_dataset(
        tmp_path, layout="samm-lv", n_subjects=1, seconds=4.0, n_micro=2, n_macro=0, size=96, seed=5
    )
    (video,) = load_me_dataset("samm-lv", tmp_path)
    assert video.id == "006/006_1" and video.n_frames == int(np.ceil(800 / 7))
    grid = [
        (label_to_index(iv.onset + 1, 7), label_to_index(iv.offset + 1, 7), iv.emotion)
        for iv in truth[0].intervals
    ]
    assert [(iv.onset, iv.offset, iv.emotion) for iv in video.intervals] == grid


def _decode(path: Path) -> np.ndarray:
    cap = cv2.VideoCapture(str(path))
    frames = []
    ok, frame = cap.read()
    while ok:
        frames.append(frame)
        ok, frame = cap.read()
    cap.release()
    return np.stack(frames)


def test_deterministic_and_scorable(tmp_path: Path) -> None:
    a = make_me_video(tmp_path / "a", seconds=6.0, n_micro=2, n_macro=0, size=96, seed=11)
    b = make_me_video(tmp_path / "b", seconds=6.0, n_micro=2, n_macro=0, size=96, seed=11)
    assert a.intervals == b.intervals
    fa, fb = _decode(tmp_path / "a" / "video.mkv"), _decode(tmp_path / "b" / "video.mkv")
    assert fa.shape == (180, 96, 96, 3)
    np.testing.assert_array_equal(fa, fb)  # lossless container, identical pixels (mkv headers differ)
    gt = read_intervals_csv(tmp_path / "a" / "intervals.csv")
    res = megc_score(gt, intervals_frame("video", a.intervals))  # the truth scores itself perfectly
    assert res.spotting.f1 == 1.0 and res.strs is not None and res.strs > 0


def test_bad_layout() -> None:
    with pytest.raises(InputError, match="known: casme3, samm-lv"):
        write_me_dataset(".", layout="casme9")


def test_cli_synth_me(tmp_path: Path) -> None:
    from micropulse.cli.app import main

    out = tmp_path / "me"
    rc = main(["synth", str(out), "--me", "--seconds", "12", "--width", "96", "--seed", "2"])
    assert rc == 0
    gt = read_intervals_csv(out / "intervals.csv")
    assert len(gt) == 4 and set(gt["type"]) == {"me", "mae"}  # make_me_video default: 3 ME + 1 MaE
    assert (out / "video.mkv").stat().st_size > 0


def test_micro_expression_amplitude_is_1_to_3_px_at_a_320_face() -> None:
    from micropulse.synth.me import MESettings, material_with_landmarks, render_me_clip, subject_variant

    img, lm = material_with_landmarks()
    face, face_lm = subject_variant(img, lm, 0, size=320)
    settings = MESettings(
        seconds=4.0, n_micro=1, n_macro=0, emotions=("surprise",), head_motion_px=0.0, noise_std=0.0, seed=7
    )
    clip = render_me_clip(face, face_lm, settings)
    (iv,) = clip.intervals
    gray = [cv2.cvtColor(clip.frames[t], cv2.COLOR_RGB2GRAY) for t in (iv.onset - 1, iv.apex)]
    flow = cv2.calcOpticalFlowFarneback(gray[0], gray[1], None, 0.5, 3, 15, 5, 7, 1.5, 0)
    x0, y0 = face_lm[17:27].min(axis=0).astype(int) - 5
    x1, y1 = face_lm[17:27].max(axis=0).astype(int) + 5
    brow = flow[y0:y1, x0:x1]
    peak_px = np.percentile(np.hypot(brow[..., 0], brow[..., 1]), 95) / clip.face_scale  # in 320-crop pixels
    assert 0.5 < peak_px < 3.5
    assert np.median(brow[..., 1]) < 0  # brow raiser: upwards
    # without head motion and noise, frames outside the expression are the still face
    np.testing.assert_array_equal(clip.frames[0], clip.frames[iv.onset - 1])
