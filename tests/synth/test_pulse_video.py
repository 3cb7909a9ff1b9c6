"""Synthetic pulse videos: files, truth, lossless frames, skin-optics amplitudes, determinism."""

from __future__ import annotations

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from micropulse.errors import InputError, NoFaceError
from micropulse.io import open_video
from micropulse.synth import make_pulse_video
from micropulse.synth.material import load_material

SIZE = (160, 120)


def _read(path) -> np.ndarray:
    """All frames of a video as (T, H, W, 3) RGB uint8, read through micropulse.io."""
    with open_video(path) as video:
        return np.stack([f.rgb for f in video])


def test_files_and_truth(tmp_path):
    v = make_pulse_video(tmp_path, seconds=2, hr_bpm=80, fps=25, seed=1, size=SIZE)
    assert v.video_path.suffix == ".mkv" and v.video_path.is_file()
    assert v.n_frames == 50 and v.fps == 25.0
    meta = json.loads(v.meta_path.read_text())
    for key in ("hr_bpm", "hr_series", "seed", "settings", "fps", "n_frames"):
        assert key in meta
    assert meta["hr_bpm"] == pytest.approx(80.0) and meta["synthetic"] is True
    assert len(meta["hr_series"]) == 50 and meta["settings"]["width"] == SIZE[0]
    lines = v.bvp_path.read_text().splitlines()
    assert lines[0] == "time_s,bvp" and len(lines) == 51
    t1, _ = map(float, lines[2].split(","))
    assert t1 == pytest.approx(1 / 25)
    frames = _read(v.video_path)
    assert frames.shape == (50, SIZE[1], SIZE[0], 3)
    code = int(cv2.VideoCapture(str(v.video_path)).get(cv2.CAP_PROP_FOURCC))
    assert code.to_bytes(4, "little").decode().lower() == "ffv1"


def test_deterministic_by_seed(tmp_path):
    kw = dict(seconds=1, hr_bpm=70, seed=4, motion=True, illumination=True, size=SIZE)
    a = _read(make_pulse_video(tmp_path / "a", **kw).video_path)
    b = _read(make_pulse_video(tmp_path / "b", **kw).video_path)
    c = _read(make_pulse_video(tmp_path / "c", **{**kw, "seed": 5}).video_path)
    np.testing.assert_array_equal(a, b)
    assert np.abs(a.astype(int) - c).mean() > 0.5


def test_skin_pulse_is_strongest_in_green_and_absent_off_skin(tmp_path):
    v = make_pulse_video(tmp_path, seconds=6, hr_bpm=75, seed=0, size=SIZE, noise=1.0, pulse_amplitude=0.01)
    frames = _read(v.video_path).astype(np.float64)
    mask = load_material("astronaut", SIZE).masks[0]
    bvp = np.loadtxt(v.bvp_path, delimiter=",", skiprows=1)[:, 1]
    skin = frames[:, mask > 0.9].mean(axis=1)  # (T, 3)
    off = frames[:, mask < 1e-4].mean(axis=1)
    rel = skin / skin.mean(axis=0)
    slopes = np.array([np.polyfit(bvp, rel[:, c], 1)[0] for c in range(3)])
    # relative amplitude per unit of bvp follows the pulse direction (0.33, 0.77, 0.53) x -1%
    np.testing.assert_allclose(slopes, -0.01 * np.array([0.33, 0.77, 0.53]), atol=0.0012)
    assert np.argmin(slopes) == 1  # skin darkens with blood volume, most in green
    off_slopes = [np.polyfit(bvp, off[:, c] / off[:, c].mean(), 1)[0] for c in range(3)]
    assert np.max(np.abs(off_slopes)) < 0.001


def test_motion_moves_the_face_and_illumination_changes_brightness(tmp_path):
    still = _read(make_pulse_video(tmp_path / "s", seconds=4, seed=0, size=SIZE, noise=0).video_path)
    moved = _read(
        make_pulse_video(tmp_path / "m", seconds=4, seed=0, size=SIZE, noise=0, motion=True).video_path
    )
    lit = _read(
        make_pulse_video(tmp_path / "i", seconds=4, seed=0, size=SIZE, noise=0, illumination=True).video_path
    )
    assert np.abs(still[-1].astype(int) - still[0]).mean() < 1.0
    assert np.abs(moved.astype(int) - still).mean() > 3.0
    brightness = lit.reshape(len(lit), -1).mean(axis=1)
    assert np.ptp(brightness) / brightness.mean() > 0.02


def test_carphone_and_user_image_material(tmp_path):
    v = make_pulse_video(tmp_path / "c", seconds=1, material="carphone", size=SIZE)
    frames = _read(v.video_path)
    assert np.abs(frames[-1].astype(int) - frames[0]).mean() > 1.0  # real talking-head frames
    from skimage import data

    img = tmp_path / "face.png"
    cv2.imwrite(str(img), cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    assert make_pulse_video(tmp_path / "u", seconds=0.5, material=img, size=SIZE).n_frames == 15


def test_bad_material_and_settings(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        make_pulse_video(tmp_path, seconds=1, material=tmp_path / "nope.png")
    txt = tmp_path / "x.png"
    txt.write_text("not an image")
    with pytest.raises(InputError, match="x.png"):
        make_pulse_video(tmp_path, seconds=1, material=txt)
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((200, 200, 3), 128, np.uint8))
    with pytest.raises(NoFaceError):
        make_pulse_video(tmp_path, seconds=1, material=blank)
    with pytest.raises(InputError):
        make_pulse_video(tmp_path, seconds=0.01)
    with pytest.raises(InputError):
        make_pulse_video(tmp_path, fps=0)


def test_cli_synth_in_process_and_subprocess(tmp_path):
    from micropulse.cli.app import main

    assert (
        main(
            ["synth", str(tmp_path / "a"), "--seconds", "1", "--hr", "90", "--width", "128", "--height", "96"]
        )
        == 0
    )
    meta = json.loads((tmp_path / "a" / "meta.json").read_text())
    assert meta["hr_bpm"] == pytest.approx(90.0) and meta["n_frames"] == 30
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "micropulse",
            "synth",
            str(tmp_path / "b"),
            "--seconds",
            "1",
            "--material",
            str(tmp_path / "missing.png"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "missing.png" in proc.stderr and "Traceback" not in proc.stderr
