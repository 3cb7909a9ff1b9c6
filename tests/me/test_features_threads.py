"""Windows featurised on worker threads give exactly the serial features (both flow backends)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from micropulse.errors import InputError
from micropulse.io import open_video
from micropulse.me.extract import FeatureConfig, _windows_threaded, extract_me_features
from micropulse.me.features import WindowFeaturizer, iter_windows


def moving_face(n: int = 40, seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Grey frames of a real face image with head jitter and a growing brow raise; (68, 2) landmarks."""
    from micropulse.synth.me import material_with_landmarks, subject_variant

    img, lm = material_with_landmarks()
    face, flm = subject_variant(img, lm, 0, size=256)
    gray = cv2.cvtColor(face, cv2.COLOR_RGB2GRAY)
    rng = np.random.default_rng(seed)
    h, w = gray.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    brow_y = float(flm[17:27, 1].mean())
    band = np.exp(-(((yy - brow_y) / 8.0) ** 2)).astype(np.float32)
    frames, lms = [], []
    for t in range(n):
        dx, dy = rng.normal(0, 0.8, 2)
        raise_px = 2.0 * np.sin(np.pi * t / n)
        map_x = xx - np.float32(dx)
        map_y = yy - np.float32(dy) + band * np.float32(raise_px)
        frames.append(cv2.remap(gray, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT))
        lms.append(flm + [dx, dy])
    return frames, lms


@pytest.mark.parametrize("flow", ["farneback", "dis"])
@pytest.mark.parametrize("roi_set", ["me-tst", "me-tst+"])
def test_threaded_windows_equal_serial(flow, roi_set):
    frames, lms = moving_face()
    fz = WindowFeaturizer(roi_set, flow=flow)
    serial = [(s, fz.window(f, lm)) for s, f, lm in iter_windows(zip(frames, lms, strict=True), 10)]
    threaded = _windows_threaded(fz, iter_windows(zip(frames, lms, strict=True), 10), threads=2)
    assert [s for s, _ in threaded] == [s for s, _ in serial] == list(range(0, 31, 5))
    for (_, a), (_, b) in zip(serial, threaded, strict=True):
        assert np.array_equal(a, b)
    assert np.abs(serial[0][1]).max() > 0.1  # the features are not trivially zero


def test_extract_threads_do_not_change_features():
    frames, _ = moving_face(n=30)
    rgb = np.stack([cv2.cvtColor(f, cv2.COLOR_GRAY2RGB) for f in frames])
    cfg = FeatureConfig(k=10, flow="dis")
    one = extract_me_features(open_video(rgb, fps=30.0), cfg, threads=1)
    two = extract_me_features(open_video(rgb, fps=30.0), cfg, threads=2)
    assert one.features.windows.shape == (5, 10, 10)
    assert np.array_equal(one.features.windows, two.features.windows)
    assert np.array_equal(one.features.starts, two.features.starts)
    with pytest.raises(InputError, match="threads"):
        extract_me_features(open_video(rgb, fps=30.0), cfg, threads=0)


def test_dis_features_do_not_depend_on_earlier_windows():
    """OpenCV's DIS result depends on the size of its previous call; the featurizer must not."""
    frames, lms = moving_face(n=12)
    fresh = WindowFeaturizer("me-tst", flow="dis").window(frames, lms)
    fz = WindowFeaturizer("me-tst", flow="dis")
    small = [cv2.resize(f, (200, 200)) for f in frames]  # another face size -> other ROI patch sizes
    fz.window(small, [lm * (200 / 256) for lm in lms])
    assert np.array_equal(fz.window(frames, lms), fresh)


@pytest.mark.parametrize("shape", [(40, 90), (25, 83), (60, 140), (12, 40)])
def test_dis_on_small_roi_patches_recovers_a_known_shift(shape):
    """Patches below DIS's finest pyramid scale (min side < 32 or max side < 91 px) used to read unfilled
    buffers in OpenCV 4.11 (history-dependent results, a segfault on a fresh object)."""
    from micropulse.me.flow import create_flow, dis_coarsest_scale

    h, w = shape
    rng = np.random.default_rng(h * w)
    big = cv2.GaussianBlur((rng.random((h + 20, w + 20)) * 255).astype(np.uint8), (0, 0), 1.5)
    ref, cur = big[10 : 10 + h, 10 : 10 + w], big[10 : 10 + h, 9 : 9 + w]  # content moves +1 px in x
    flow = create_flow("dis")
    out = flow(ref, cur)
    assert out.shape == (h, w, 2) and np.array_equal(out, flow(ref, cur))
    core = out[h // 4 : -(h // 4), w // 4 : -(w // 4)]
    assert abs(float(np.median(core[..., 0])) - 1.0) < 0.3 and abs(float(np.median(core[..., 1]))) < 0.3
    assert dis_coarsest_scale(40, 90) == 1 and dis_coarsest_scale(60, 140) == 2
