"""Toolbox weights are cropped as rPPG-Toolbox crops them: front-end boxes against the golden boxes made by
tests/data/golden/make_toolbox_crop_golden.py (the toolbox's rule, implemented from its code, run once)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from micropulse.errors import NoFaceError
from micropulse.face.geometry import TOOLBOX
from micropulse.frontend import FrontEndSettings, read_crops

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden" / "toolbox_crop_golden.json"
VIDEOS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "video"
pytestmark = pytest.mark.skipif(not VIDEOS.exists(), reason="needs ../shared/data (CI always has it)")


def iou_xyxy(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of two (N, 4) arrays of x1, y1, x2, y2 boxes."""
    ix = np.clip(np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0]), 0, None)
    iy = np.clip(np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1]), 0, None)
    inter = ix * iy
    area = lambda r: (r[:, 2] - r[:, 0]) * (r[:, 3] - r[:, 1])  # noqa: E731
    return inter / (area(a) + area(b) - inter)


GOLD = json.loads(GOLDEN.read_text())


@pytest.mark.parametrize("clip", [c for c, v in GOLD["clips"].items() if v["face_found_on_frame0"]])
def test_toolbox_boxes_match_the_toolbox_rule(clip):
    want = np.asarray(GOLD["clips"][clip]["static"]["boxes"], float)  # x, y, w, h as used to crop
    want = np.column_stack([want[:, 0], want[:, 1], want[:, 0] + want[:, 2], want[:, 1] + want[:, 3]])
    face = read_crops(VIDEOS / clip, FrontEndSettings(), TOOLBOX, 72)
    assert face.n_frames == len(want)
    got = face.boxes
    assert np.isfinite(got).all(), "the toolbox holds its first box on every frame"
    iou = iou_xyxy(got, want)
    assert np.median(iou) >= 0.8, f"{clip}: median IoU {np.median(iou):.3f}"
    assert face.found.mean() > (0.35 if clip == "face_noface.mov" else 0.95)  # face on frames 0-71 of 169 there


def test_no_face_never_becomes_the_toolbox_whole_frame_box():
    """Where frame 0 has no face the toolbox crops the whole frame (width and height swapped); micropulse
    never does: no box until a face is detected (Haar may still see one in a later frame), or NoFaceError."""
    gold = GOLD["clips"]["no_face.mp4"]["static"]
    assert gold["detection"]["raw"] is None and gold["box"][:2] == [0, 0]
    try:
        face = read_crops(VIDEOS / "no_face.mp4", FrontEndSettings(), TOOLBOX, 72)
    except NoFaceError as exc:
        assert "no_face.mp4" in str(exc)
        return
    assert not face.found[0] and np.isnan(face.boxes[0]).all()
    whole = np.array([0, 0, 960, 540], float)
    assert not np.any(np.all(face.boxes == whole, axis=1))
