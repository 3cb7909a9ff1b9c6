"""The ``blazeface`` backend: BlazeFace short range decoded as open-rppg decodes it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from micropulse.face.backends import create_backend, list_backends
from micropulse.face.blazeface import INPUT_SIZE, anchors, decode, letterbox

ROOT = Path(__file__).resolve().parents[2]
VIDEOS = ROOT.parent / "shared" / "data" / "video"
GOLDEN = ROOT / "tests" / "data" / "golden" / "openrppg_video_golden.json"


def test_anchor_layout_and_letterbox():
    a = anchors()
    assert a.shape == (896, 2) and a.min() > 0 and a.max() < 1
    np.testing.assert_allclose(a[0], [0.5 / 16, 0.5 / 16])  # stride 8: 16 x 16 cells, two anchors each
    np.testing.assert_allclose(a[512], [0.5 / 8, 0.5 / 8])  # then strides 16 (x3): 8 x 8 cells, six each
    x, (x0, y0, scale) = letterbox(np.full((360, 640, 3), 255, np.uint8))
    assert x.shape == (INPUT_SIZE, INPUT_SIZE, 3) and (x0, y0) == (0, 28) and scale == pytest.approx(0.2)
    assert x[0, 0, 0] == -1.0 and x[64, 64, 0] == 1.0  # zero padding -> -1, white -> +1


def test_decode_keeps_open_rppgs_pick_first_and_undoes_the_letterbox():
    boxes = np.zeros((896, 16), np.float32)
    scores = np.full(896, -10.0, np.float32)
    scores[[100, 300]] = [0.5, 4.0]  # both above 0.5 after the sigmoid; 300 scores higher
    boxes[[100, 300], 2:4] = 32.0  # 32 px of the 128-px input
    faces = decode(boxes, scores, (360, 640))
    assert len(faces) == 2
    first = faces[0]  # open-rppg keeps the lowest anchor index above the threshold, not the best score
    cx, cy = anchors()[100] * INPUT_SIZE
    assert first.w == pytest.approx(32 / 0.2) and first.x + first.w / 2 == pytest.approx(cx / 0.2, rel=1e-5)
    assert first.y + first.h / 2 == pytest.approx((cy - 28) / 0.2, abs=1e-3)  # 72-px image, 28 px of padding above
    assert faces[1].score > first.score
    assert decode(boxes, np.full(896, -10.0, np.float32), (360, 640)) == []


@pytest.mark.skipif(not VIDEOS.exists(), reason="needs ../shared/data (CI always has it)")
def test_boxes_equal_open_rppgs_on_a_real_clip():
    """open-rppg's detections kept in the golden file (``raw``: cx, cy, w, h, score in frame pixels) are
    reproduced on the H.264 clip, which both decode to the same pixels."""
    from micropulse.io.open import open_video

    assert "blazeface" in list_backends()
    clip = "WolfgangLanger_Pexels.mp4"
    gold = json.loads(GOLDEN.read_text())["clips"][clip]["models"]["PhysNet.pure"]["frames"]["raw"]
    want = {i: r for i, r in enumerate(gold) if r is not None}
    backend = create_backend("blazeface")
    checked = 0
    for frame in open_video(VIDEOS / clip):
        if frame.index in want and checked < 12:
            f = backend.detect(frame.rgb)[0]
            got = [f.x + f.w / 2, f.y + f.h / 2, f.w, f.h]
            np.testing.assert_allclose(got, want[frame.index][:4], atol=0.02)
            checked += 1
    assert checked == 12
