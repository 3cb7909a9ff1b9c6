"""The deep path of the pulse pipeline: video -> face crops -> model -> BVP (DEEP's file)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage import data
from skimage.transform import resize

from micropulse.errors import NoFaceError
from micropulse.pipeline.deep_pulse import deep_bvp, longest_face_segment


@pytest.fixture
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_longest_face_segment_bridges_short_gaps():
    found = np.array([1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1], dtype=bool)
    start, stop, bridged = longest_face_segment(found, max_gap=1)
    assert (start, stop) == (0, 6) and bridged.tolist() == [False, False, True, False, False, False]
    assert longest_face_segment(np.zeros(4, bool), 2)[:2] == (0, 0)


def face_clip(frames: int = 180, fs: float = 30.0) -> np.ndarray:
    face = (resize(data.astronaut()[:300, 100:400], (160, 160)) * 255).astype(np.float64)
    t = np.arange(frames) / fs
    clip = face[None].repeat(frames, axis=0)
    clip[..., 1] += 2.0 * np.sin(2 * np.pi * 1.25 * t)[:, None, None]
    return np.clip(np.round(clip), 0, 255).astype(np.uint8)


@pytest.mark.usefixtures("one_thread")
def test_deep_bvp_on_an_array_video(weights_dir):
    result = deep_bvp(
        face_clip(),
        model="physnet",
        weights=weights_dir / "PURE_PhysNet_DiffNormalized.pth",
        fps=30.0,
        min_seconds=3.0,
    )
    assert result.bvp.shape == (180,) and np.isfinite(result.bvp).all()
    assert result.segment_frames == (0, 180) and abs(result.fs - 30.0) < 1e-6
    summary = result.to_dict()
    assert summary["weights"]["training_set"] == "PURE" and summary["model"] == "physnet"


def test_deep_bvp_without_a_face():
    blank = np.full((40, 64, 64, 3), 90, dtype=np.uint8)
    with pytest.raises(NoFaceError):
        deep_bvp(blank, model="physnet", fps=30.0, min_seconds=1.0)
