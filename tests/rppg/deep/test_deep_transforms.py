"""Input transforms bound to weights, hand-checked on tiny arrays."""

from __future__ import annotations

import numpy as np
import pytest

from micropulse.errors import InputError
from micropulse.rppg.deep import WeightsInfo, transform_for
from micropulse.rppg.deep.transforms import (
    RunningNormalizer,
    channel_standardized,
    diff_normalized,
    resize_crops,
    standardized,
)


def test_diff_normalized_by_hand():
    c = np.array([1.0, 3.0, 3.0, 1.0]).reshape(4, 1, 1, 1)
    d = np.array([2 / 4, 0.0, -2 / 4])  # (c[t+1]-c[t]) / (c[t+1]+c[t])
    expected = np.append(d / d.std(), 0.0)  # divided by the whole-video std, zero frame appended
    np.testing.assert_allclose(diff_normalized(c).ravel(), expected, rtol=1e-6)


def test_diff_normalized_nan_and_zero_frames():
    c = np.zeros((3, 1, 1, 3))
    out = diff_normalized(c)
    assert out.shape == c.shape and np.isfinite(out).all() and not out.any()


def test_standardized_uses_one_scalar():
    c = np.array([[0.0, 10.0], [20.0, 30.0]]).reshape(2, 1, 2, 1).repeat(3, axis=-1)
    out = standardized(c)
    flat = c.ravel()
    np.testing.assert_allclose(out.ravel(), (flat - 15.0) / flat.std(), rtol=1e-6)


def test_channel_standardized_per_channel():
    rng = np.random.default_rng(0)
    c = rng.integers(0, 256, (5, 4, 4, 3)).astype(np.uint8)
    c[..., 2] = c[..., 2] // 4  # a channel with a different scale
    out = channel_standardized(c)
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0.0, atol=1e-6)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1.0, atol=1e-4)


def test_resize_area_by_hand():
    crops = np.arange(16, dtype=np.uint8).reshape(1, 4, 4, 1).repeat(3, axis=-1).repeat(2, axis=0)
    small = resize_crops(crops, 2)
    # 2x2 block means of [[0,1,2,3],[4,5,6,7],...]: 2.5, 4.5, 10.5, 12.5 -> rounded half to even
    np.testing.assert_array_equal(small[0, ..., 0], np.round(np.array([[2.5, 4.5], [10.5, 12.5]])))
    assert small.dtype == np.uint8 and small.shape == (2, 2, 2, 3)
    assert resize_crops(crops, 8).shape == (2, 8, 8, 3)


def test_bad_crops_are_named_errors():
    with pytest.raises(InputError, match="uint8"):
        resize_crops(np.zeros((4, 8, 8, 3), dtype=np.float32), 4)
    with pytest.raises(InputError, match="RGB"):
        resize_crops(np.zeros((4, 8, 8), dtype=np.uint8), 4)


@pytest.mark.parametrize("norm", ["DiffNormalized", "Standardized", "ChannelStandardized"])
def test_transform_is_chosen_by_the_weights(norm):
    info = WeightsInfo(
        arch="physnet",
        source="t",
        training_set=None,
        input_size=8,
        fs=30.0,
        normalisation=norm,
        chunk_length=8,
    )
    transform = transform_for(info)
    rng = np.random.default_rng(1)
    crops = rng.integers(0, 256, (20, 16, 16, 3)).astype(np.uint8)
    whole = transform(crops)
    assert whole.shape == (20, 8, 8, 3) and whole.dtype == np.float32
    video = transform.prepare(crops)
    if norm == "ChannelStandardized":  # chunk-scoped: a window is normalised on its own
        np.testing.assert_allclose(video.window(0, 20), whole, atol=1e-5)
    else:  # video-scoped: windows are slices of the whole-video result
        for start, stop in ((0, 7), (5, 20), (13, 20)):
            np.testing.assert_allclose(video.window(start, stop), whole[start:stop], atol=1e-4)


def test_running_standardizer_converges_to_whole_video():
    rng = np.random.default_rng(2)
    frames = rng.normal(100, 10, (400, 2, 2, 3)).astype(np.float32)
    run = RunningNormalizer("Standardized")
    out = np.concatenate([run.push(frames[i : i + 50]) for i in range(0, 400, 50)])
    whole = standardized(frames)
    assert out.shape == frames.shape
    np.testing.assert_allclose(out[-50:], whole[-50:], atol=0.02)  # late frames: stats nearly final
    assert np.abs(out[:50] - whole[:50]).max() > 1e-3  # early frames use the past only (causal)


def test_running_diff_normalizer_lags_one_frame():
    rng = np.random.default_rng(3)
    frames = rng.normal(100, 5, (30, 2, 2, 3)).astype(np.float32)
    run = RunningNormalizer("DiffNormalized")
    first = run.push(frames[:10])
    rest = run.push(frames[10:])
    assert first.shape[0] == 9 and rest.shape[0] == 20  # d_t needs frame t+1
    whole = diff_normalized(frames)[:-1]
    out = np.concatenate([first, rest])
    np.testing.assert_allclose(np.sign(out), np.sign(whole))  # same differences, causal scale
    np.testing.assert_allclose(out[-1], whole[-1], rtol=0.05)


def test_unknown_normalisation():
    with pytest.raises(InputError, match="known"):
        RunningNormalizer("Raw")
