"""The fast paths of open-rppg's RhythmMamba variant give the same numbers as the plain formulas.

The plain formulas (open-rppg's flip/cumsum/flip scan, the gathered neighbour differences, the float64
per-channel z-score) are the oracles; the golden test in test_deep_openrppg.py ties them to open-rppg.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from micropulse.rppg.deep.openrppg import (
    _fast_scan,
    keras_scrambled_differences,
    openrppg_scan_reference,
    openrppg_selective_scan,
)
from micropulse.rppg.deep.transforms import channel_standardized


def _scan_inputs(seed: int, delta_scale: float, b: int = 2, d: int = 6, n: int = 5, length: int = 40):
    g = torch.Generator().manual_seed(seed)
    u = torch.randn(b, d, length, generator=g)
    delta = torch.rand(b, d, length, generator=g) * delta_scale
    a = -torch.exp(torch.randn(d, n, generator=g) * 2.0)
    bm = torch.randn(b, n, length, generator=g)
    cm = torch.randn(b, n, length, generator=g)
    dd = torch.randn(d, generator=g)
    # the layouts the Mamba layer passes: delta, B and C are transposed views
    return (
        u,
        delta.transpose(1, 2).contiguous().transpose(1, 2),
        a,
        bm.transpose(1, 2).contiguous().transpose(1, 2),
        (cm.transpose(1, 2).contiguous().transpose(1, 2)),
        dd,
    )


@pytest.mark.parametrize("delta_scale", [0.05, 1.0, 20.0])  # 20: most states underflow (exp(S) < 1e-35)
def test_fast_scan_is_the_reference_scan(delta_scale):
    args = _scan_inputs(0, delta_scale)
    expected = openrppg_scan_reference(*args)
    with torch.no_grad():
        got = _fast_scan(*args)
    assert got.shape == expected.shape
    assert torch.allclose(got, expected, rtol=1e-6, atol=1e-6)
    if delta_scale == 20.0:  # the regime the flush is for: many exp() results below float32's normal range
        s = (args[1].unsqueeze(-1) * args[2][None, :, None, :]).flip(2).cumsum(2)
        assert (s < -90).float().mean() > 0.5


def test_scan_keeps_gradients_through_the_reference():
    u, delta, a, bm, cm, dd = _scan_inputs(1, 0.5)
    u.requires_grad_(True)
    y = openrppg_selective_scan(u, delta, a, bm, cm, dd)
    y.sum().backward()
    assert u.grad is not None and torch.isfinite(u.grad).all()
    with torch.no_grad():
        assert torch.allclose(openrppg_selective_scan(u, delta, a, bm, cm, dd), y.detach(), atol=1e-6)


def _gathered_differences(x: torch.Tensor) -> torch.Tensor:
    """open-rppg's layout built literally: 5 clamped frames, 4 differences, concatenated on height."""
    n, d, c, h, w = x.shape
    idx = torch.arange(d)
    frames = [x[:, (idx + k).clamp(0, d - 1)] for k in (-2, -1, 0, 1, 2)]
    diffs = [(frames[i + 1] - frames[i]).permute(0, 1, 3, 4, 2) for i in range(4)]
    return torch.cat(diffs, dim=2).reshape(n * d, h, w, 4 * c).permute(0, 3, 1, 2)


@pytest.mark.parametrize("shape", [(1, 1, 3, 4, 4), (1, 2, 3, 4, 6), (2, 9, 3, 8, 8)])
def test_scrambled_differences_match_the_gathered_ones(shape):
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(2))
    got = keras_scrambled_differences(x)
    expected = _gathered_differences(x)
    assert torch.equal(got, expected)
    assert got.stride() == expected.stride()  # same channels-last layout for the convolution


def _float64_zscore(frames: np.ndarray) -> np.ndarray:
    x = frames.astype(np.float64) / 255.0
    return ((x - x.mean(axis=(0, 1, 2))) / (x.std(axis=(0, 1, 2)) + 1e-6)).astype(np.float32)


@pytest.mark.parametrize(("loc", "scale"), [(120, 50), (5, 3), (101, 1)])
def test_channel_standardized_uint8_matches_float64(loc, scale):
    rng = np.random.default_rng(3)
    frames = np.clip(rng.normal(loc, scale, (20, 9, 7, 3)), 0, 255).astype(np.uint8)
    got = channel_standardized(frames)
    assert got.dtype == np.float32 and got.shape == frames.shape
    np.testing.assert_allclose(got, _float64_zscore(frames), rtol=0, atol=1e-5)
    np.testing.assert_allclose(got, channel_standardized(frames.astype(np.float32)), rtol=0, atol=1e-5)


def test_channel_standardized_flat_channel_is_zero():
    frames = np.full((4, 5, 5, 3), 77, np.uint8)
    frames[..., 2] = np.arange(25, dtype=np.uint8).reshape(5, 5)
    out = channel_standardized(frames)
    assert np.all(out[..., :2] == 0.0)  # exact: the histogram's mean is exact (float64 sums are not)
    assert abs(float(out[..., 2].mean())) < 1e-6 and abs(float(out[..., 2].std()) - 1.0) < 1e-4


def test_scan_dispatch_float64_uses_the_reference():
    args = [t.double() for t in _scan_inputs(4, 1.0)]
    with torch.no_grad():
        assert torch.equal(openrppg_selective_scan(*args), openrppg_scan_reference(*args))
