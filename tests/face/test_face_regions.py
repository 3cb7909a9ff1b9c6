"""Skin regions (geometry, low-resolution means, skin mask) and the deep-model face crop."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from face_videos import astronaut

from micropulse.errors import InputError
from micropulse.face import (
    REGION_MESH,
    RegionSampler,
    create_backend,
    landmarks_68,
    region_polygons,
)
from micropulse.face.boxes import cut_crop, integer_box, shape_box
from micropulse.face.geometry import TOOLBOX
from micropulse.face.regions import skin_mask
from micropulse.face.tracker import FaceState


@pytest.fixture(scope="module")
def lm478() -> np.ndarray:
    img = astronaut(1.0)
    backend = create_backend("mediapipe")
    try:
        lm = backend.landmarks(img, backend.detect(img)[0])
    finally:
        backend.close()
    return lm


def test_regions_exclude_eyes_brows_nose_and_mouth(lm478):
    p68 = landmarks_68(lm478)
    polys = dict(zip(REGION_MESH, region_polygons(list(REGION_MESH), lm478), strict=True))
    excluded = np.concatenate([p68[17:27], p68[31:36], p68[36:48], p68[48:68]])
    for name, poly in polys.items():
        contour = poly.astype(np.float32).reshape(-1, 1, 2)
        assert cv2.contourArea(contour) > 150, name  # a real area (pixels, 512 px image)
        inside = [cv2.pointPolygonTest(contour, (float(x), float(y)), True) for x, y in excluded]
        assert max(inside) < 0, f"{name} contains an eye/brow/nose/mouth landmark"
    fh, lc, rc = polys["forehead"], polys["left_cheek"], polys["right_cheek"]
    assert fh[:, 1].max() <= p68[17:27, 1].min() + 3  # above the brows
    assert lc[:, 1].min() > p68[36:42, 1].max() and rc[:, 1].min() > p68[42:48, 1].max()  # below the eyes
    assert lc[:, 0].max() < p68[30, 0] < rc[:, 0].min()  # left / right of the nose tip (image sides)
    assert max(lc[:, 1].max(), rc[:, 1].max()) < p68[48:55, 1].max() + 5


def _state(box, offset=(0.0, 0.0), epoch=0):
    box = np.asarray(box, float)
    return FaceState(0, True, box + [offset[0], offset[1], 0, 0], False, offset, epoch, None)


def test_sampler_means_at_low_resolution_match_full_resolution():
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)
    box = (200.0, 100.0, 256.0, 256.0)  # reduced by 4 to reach ~64 px
    sampler = RegionSampler(["forehead", "left_cheek", "right_cheek"])
    got = sampler.sample(frame, _state(box))
    assert sampler.f == 4
    for k, poly in enumerate(region_polygons(sampler.regions, box=np.array(box))):
        x0, y0 = poly.min(axis=0).astype(int)
        x1, y1 = poly.max(axis=0).astype(int)
        want = frame[y0:y1, x0:x1].reshape(-1, 3).mean(axis=0)
        np.testing.assert_allclose(got[k], want, atol=2.5)  # random pixels: same mean within noise


def test_sampler_follows_offset_and_clips_at_edges():
    frame = np.zeros((200, 200, 3), np.uint8)
    frame[:, :100] = (200, 10, 10)
    frame[:, 100:] = (10, 200, 10)
    sampler = RegionSampler(["forehead"])
    box = (20.0, 20.0, 60.0, 60.0)
    np.testing.assert_allclose(sampler.sample(frame, _state(box)), [[200, 10, 10]])
    np.testing.assert_allclose(sampler.sample(frame, _state(box, (100.0, 0.0))), [[10, 200, 10]])
    # half out of the frame on the left: the inside part still counts
    out = sampler.sample(frame, _state(box, (-35.0, 0.0)))
    np.testing.assert_allclose(out, [[200, 10, 10]])
    # wholly outside: NaN, not a crash
    assert np.isnan(sampler.sample(frame, _state(box, (-500.0, 0.0)))).all()


def test_skin_mask_and_skin_filtered_means():
    skin = np.full((10, 10, 3), (200, 150, 120), np.uint8)
    blue = np.full((10, 10, 3), (40, 60, 200), np.uint8)
    assert skin_mask(skin).min() == 255 and skin_mask(blue).max() == 0
    frame = np.zeros((120, 120, 3), np.uint8)
    frame[:] = (200, 150, 120)
    frame[::2] = (40, 60, 200)  # every other row is not skin
    box = (10.0, 10.0, 100.0, 100.0)
    plain = RegionSampler(["left_cheek"]).sample(frame, _state(box))
    filtered = RegionSampler(["left_cheek"], use_skin_mask=True, target_px=100).sample(frame, _state(box))
    np.testing.assert_allclose(filtered, [[200, 150, 120]])
    assert plain[0, 2] < 190  # the blue rows pull the plain mean


def test_unknown_region():
    with pytest.raises(InputError, match="forehead"):
        RegionSampler(["chin"])


def _toolbox_crop(frame, box, size):
    ib = integer_box(shape_box(box, TOOLBOX), frame.shape[1], frame.shape[0])
    return None if ib is None else cut_crop(frame, ib, size, TOOLBOX.interpolation)


def test_toolbox_crop_follows_the_toolbox_formula():
    rng = np.random.default_rng(2)
    frame = rng.integers(0, 256, (200, 300, 3), dtype=np.uint8)
    # x' = max(0, 10 - 0.25*40) = 0, y' = max(0, 20 - 0.25*60) = 5, w' = 60, h' = 90
    got = _toolbox_crop(frame, (10, 20, 40, 60), 72)
    want = cv2.resize(frame[5:95, 0:60], (72, 72), interpolation=cv2.INTER_AREA)
    assert got.dtype == np.uint8 and got.shape == (72, 72, 3)
    np.testing.assert_array_equal(got, want)
    # clipped on the right/bottom, resized to 128
    got = _toolbox_crop(frame, (260, 160, 50, 50), 128)
    want = cv2.resize(frame[147:200, 247:300], (128, 128), interpolation=cv2.INTER_AREA)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("box", [(np.nan, 0, 10, 10), (0, 0, 0, 10), (500, 500, 20, 20)])
def test_unusable_boxes_give_no_crop(box):
    # the toolbox would crop [0, 0, H, W] with width/height swapped; there is no crop instead
    assert _toolbox_crop(np.zeros((100, 100, 3), np.uint8), box, 72) is None
