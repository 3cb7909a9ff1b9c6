"""Model-rate frames computed chunk by chunk equal the all-at-once ones, and so does the model's output."""

from __future__ import annotations

import numpy as np
import pytest

from micropulse.frontend import clock
from micropulse.io.spill import FrameSpool


def _video(n: int = 90, size: int = 8) -> np.ndarray:
    rng = np.random.default_rng(3)
    base = rng.integers(60, 200, (1, size, size, 3)).astype(float)
    wave = 20 * np.sin(2 * np.pi * 1.2 * np.arange(n) / 30.0)[:, None, None, None]
    return np.clip(np.round(base + wave + rng.normal(0, 2, (n, size, size, 3))), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("policy", ["resample", "repeat", "none"])
def test_model_rate_frames_equal_gather_frames(policy: str) -> None:
    frames = _video()
    t = np.arange(frames.shape[0]) / 29.0 + 0.013 * np.sin(np.arange(frames.shape[0]))  # irregular clock
    _, lo, frac = clock.model_rate_index(t, 30.0, policy)
    held = clock.hold_index(np.arange(frames.shape[0]) % 11 != 4)  # some frames without a face
    want = clock.gather_frames(frames, held[lo], frac)
    spool = FrameSpool(frames.shape[1:])
    for f in frames:
        spool.append(f)
    lazy = clock.ModelRateFrames(spool, held[lo], frac)
    assert lazy.shape == want.shape
    for a, b in [(0, 17), (17, 60), (60, want.shape[0]), (0, want.shape[0])]:
        assert np.array_equal(lazy[a:b], want[a:b])
    assert np.array_equal(np.asarray(lazy), want)


@pytest.mark.parametrize("normalisation", ["Standardized", "DiffNormalized", "ChannelStandardized"])
def test_predict_bvp_lazy_equals_array(normalisation: str) -> None:
    torch = pytest.importorskip("torch")
    from micropulse.rppg.deep import WeightsInfo, predict_bvp

    class GreenMean(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.scale = torch.nn.Parameter(torch.ones(()))

        def forward(self, x):  # noqa: ANN001, ANN202
            return self.scale * x[:, :, 1].mean(dim=(2, 3))

    frames = _video(200)
    info = WeightsInfo(arch="physnet", source="test", training_set=None, input_size=8, fs=30.0,
                       normalisation=normalisation, chunk_length=64)  # fmt: skip
    lo = np.arange(frames.shape[0])
    want = predict_bvp(GreenMean(), frames, 30.0, info)
    got = predict_bvp(GreenMean(), clock.ModelRateFrames(frames, lo, np.zeros(lo.size)), 30.0, info)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
