"""ROI flow features on a textured image with a known 68-point layout and known local motion."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from micropulse.errors import InputError
from micropulse.me import rois as R
from micropulse.me.features import (
    WindowFeaturizer,
    crop_gray,
    iter_windows,
    n_windows,
    video_features,
    window_starts,
)


def layout68(cx: float = 320, cy: float = 240, s: float = 1.0) -> np.ndarray:
    """A plausible iBUG-68 layout (x, y) around (cx, cy); s scales it (inner-eye gap ~ 40 px at s=1)."""
    pts = np.zeros((68, 2))
    a = np.linspace(np.pi, 0, 17)
    pts[0:17] = np.c_[cx + 110 * np.cos(a), cy + 10 + 120 * np.sin(a) * 0 + 110 * (1 - np.sin(a)) * -0.2]
    pts[0:17, 1] = cy + 20 + 100 * np.sin(np.linspace(0, np.pi, 17))
    pts[17:22] = np.c_[np.linspace(cx - 95, cx - 25, 5), cy - 70 + np.array([6, 0, -3, 0, 4])]
    pts[22:27] = np.c_[np.linspace(cx + 25, cx + 95, 5), cy - 70 + np.array([4, 0, -3, 0, 6])]
    pts[27:31] = np.c_[np.full(4, cx), np.linspace(cy - 40, cy + 5, 4)]
    pts[31:36] = np.c_[np.linspace(cx - 25, cx + 25, 5), cy + 20 + np.array([0, 4, 6, 4, 0])]
    for base, ex in ((36, cx - 60), (42, cx + 60)):
        ang = np.linspace(np.pi, -np.pi, 7)[:6]
        pts[base : base + 6] = np.c_[ex + 20 * np.cos(ang), cy - 40 + 8 * np.sin(ang)]
    # inner eye corners: 39 (right end of the image-left eye), 42 (left end of the image-right eye)
    pts[39] = (cx - 20, cy - 40)
    pts[42] = (cx + 20, cy - 40)
    pts[36] = (cx - 100, cy - 40)
    pts[45] = (cx + 100, cy - 40)
    ang = np.linspace(np.pi, -np.pi, 13)[:12]
    pts[48:60] = np.c_[cx + 45 * np.cos(ang), cy + 65 + 18 * np.sin(ang)]
    ang = np.linspace(np.pi, -np.pi, 9)[:8]
    pts[60:68] = np.c_[cx + 30 * np.cos(ang), cy + 65 + 6 * np.sin(ang)]
    return cx + (pts - [cx, cy]) * s if s != 1.0 else pts


def texture(h: int = 480, w: int = 640, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = cv2.GaussianBlur(rng.uniform(0, 255, (h, w)).astype(np.float32), (0, 0), 2.0)
    img = (img - img.min()) / (img.max() - img.min()) * 200 + 20
    return img.astype(np.uint8)


def shift_region(img: np.ndarray, rows: slice, dy: float) -> np.ndarray:
    """Move the band ``rows`` down by ``dy`` px (smooth sub-pixel warp inside the band)."""
    h, w = img.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    weight = np.zeros(h, np.float32)
    weight[rows] = 1.0
    weight = cv2.GaussianBlur(weight[:, None], (1, 0), 0, sigmaY=4).ravel()
    map_y = yy - dy * weight[:, None]
    return cv2.remap(img, xx, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def test_window_counts_follow_spec():
    assert n_windows(100, 50) == 3  # floor(100/25) - 1
    assert window_starts(100, 50) == [0, 25, 50]
    assert n_windows(20, 50) == 0
    with pytest.raises(InputError):
        n_windows(100, 25)  # odd k


def test_crop_box_and_roi_tables():
    lm = layout68()
    box = R.crop_box_from_eyes(lm)
    g = 20  # floor((x42 - x39) / 2)
    assert box.width == 2 * int(4.5 * g) and box.height == int(3.5 * g) + int(5.5 * g)
    assert len(R.channel_names("me-tst")) == 10 and len(R.channel_names("me-tst+")) == 36
    assert R.channel_names("me-tst")[:2] == ["BL_x", "BL_y"]
    lm320 = R.landmarks_in_crop(lm, box)
    rects = R.region_rects(lm320)
    for r0, r1, c0, c1 in rects.values():
        assert 0 <= r0 < r1 <= 320 and 0 <= c0 < c1 <= 320
    with pytest.raises(InputError):
        R.roi_set("nope")
    with pytest.raises(InputError):
        R.crop_box_from_eyes(np.zeros((5, 2)))


def test_brow_motion_shows_in_brow_channels_only():
    lm = layout68()
    base = texture()
    brow_rows = slice(int(lm[17:27, 1].min()) - 12, int(lm[17:27, 1].max()) + 4)
    frames = [base] * 6 + [shift_region(base, brow_rows, 2.0)] * 6
    fz = WindowFeaturizer("me-tst")
    out = fz.window(frames, [lm] * len(frames))
    assert out.shape == (10, 12)
    assert np.all(out[:, 0] == 0)  # the reference frame
    ch = dict(zip(R.channel_names("me-tst"), out, strict=True))
    assert np.allclose(out[:, 1:6], 0, atol=0.05)  # static part
    # a downward brow move of 2 source px is ~2 * 320 / box_h crop px
    scale = 320 / R.crop_box_from_eyes(lm).height
    assert ch["BL_y"][8:].mean() == pytest.approx(2 * scale, rel=0.35)
    assert ch["BR_y"][8:].mean() == pytest.approx(2 * scale, rel=0.35)
    assert abs(ch["M_y"][8:].mean()) < 0.3
    assert abs(ch["BL_x"][8:].mean()) < 0.3


def test_global_translation_is_compensated():
    lm = layout68()
    base = texture(seed=1)
    moved = np.roll(base, (3, 2), axis=(0, 1))
    out = WindowFeaturizer("me-tst+").window([base] * 4 + [moved] * 4, [lm] * 8)
    assert out.shape == (36, 8)
    assert np.abs(out[:, 4:]).max() < 0.5


def test_faceless_start_uses_first_face_frame_and_zeros_before():
    lm = layout68()
    base = texture(seed=2)
    out = WindowFeaturizer("me-tst").window([base] * 6, [None, None, lm, lm, lm, lm])
    assert np.all(out[:, :3] == 0)
    assert np.all(np.isfinite(out))
    none = WindowFeaturizer("me-tst").window([base] * 4, [None] * 4)
    assert np.all(none == 0)


def test_video_features_streams_half_overlapping_windows():
    lm = layout68()
    base = texture(seed=3)
    frames = ((base, lm) for _ in range(40))
    vf = video_features(frames, k=10, flow="dis")
    assert vf.windows.shape == (n_windows(40, 10), 10, 10)
    assert list(vf.starts) == window_starts(40, 10)
    assert vf.n_frames == 40
    starts = [s for s, _, _ in iter_windows(((base, lm) for _ in range(23)), 10)]
    assert starts == [0, 5, 10]


def test_crop_outside_frame_is_zero_padded():
    img = np.full((100, 100), 200, np.uint8)
    crop = crop_gray(img, R.CropBox(-50, 50, -50, 50), size=32)
    assert crop.shape == (32, 32)
    assert crop[0, 0] == 0 and crop[-1, -1] == 200


@pytest.mark.parametrize("name", ["farneback", "dis"])
def test_every_flow_backend_recovers_a_known_shift(name):
    from micropulse.me.flow import FLOW_BACKENDS, create_flow, top_p_mean

    assert sorted(FLOW_BACKENDS.names()) == ["dis", "farneback"]
    ref = texture(120, 160, seed=4)
    cur = np.roll(ref, 1, axis=1)  # the content moves 1 px to the right
    field = create_flow(name)(ref, cur)
    assert field.shape == (120, 160, 2) and np.all(np.isfinite(field))
    dx, dy = top_p_mean(field[20:-20, 20:-20], 1.0)
    assert dx == pytest.approx(1.0, abs=0.2) and abs(dy) < 0.2
