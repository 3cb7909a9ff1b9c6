"""The deep path of the front end: array video -> crops by the weights' geometry -> model -> raw BVP."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage import data
from skimage.transform import resize

from micropulse.errors import NoFaceError, WeightsError
from micropulse.frontend import FrontEndSettings, raw_pulse
from micropulse.rppg.deep import create_model


@pytest.fixture
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def face_clip(frames: int = 180, fs: float = 30.0) -> np.ndarray:
    face = (resize(data.astronaut()[:300, 100:400], (160, 160)) * 255).astype(np.float64)
    t = np.arange(frames) / fs
    clip = face[None].repeat(frames, axis=0)
    clip[..., 1] += 2.0 * np.sin(2 * np.pi * 1.25 * t)[:, None, None]
    return np.clip(np.round(clip), 0, 255).astype(np.uint8)


@pytest.mark.usefixtures("one_thread")
def test_deep_raw_pulse_on_an_array_video(weights_dir):
    net = create_model("physnet", weights=weights_dir / "PURE_PhysNet_DiffNormalized.pth")
    raw = raw_pulse(face_clip(), model=net, settings=FrontEndSettings(fps=30.0, min_seconds=3.0))
    assert raw.bvp.shape == (180,) and np.isfinite(raw.bvp).all()
    assert raw.segment == (0, 180) and abs(raw.fs - 30.0) < 1e-6 and raw.frame_aligned
    info = raw.model_info
    assert info["weights"]["training_set"] == "PURE" and info["model"] == "physnet"
    assert info["crop"]["convention"] == "toolbox" and info["fps_policy"] == "none"
    assert raw.on_frames().shape == (180,)


def test_deep_path_without_a_face_or_weights(weights_dir):
    blank = np.full((40, 64, 64, 3), 90, dtype=np.uint8)
    net = create_model("physnet", weights=weights_dir / "PURE_PhysNet_DiffNormalized.pth")
    with pytest.raises(NoFaceError):
        raw_pulse(blank, model=net, settings=FrontEndSettings(fps=30.0, min_seconds=1.0))
    with pytest.raises(WeightsError, match="--weights"):
        raw_pulse(blank, model="physnet", settings=FrontEndSettings(fps=30.0, min_seconds=1.0))
