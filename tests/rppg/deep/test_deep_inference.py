"""Inference on any length: chunk plans, Hann overlap-add, resampling, label integration, real weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from micropulse.errors import InputError, SignalError
from micropulse.rppg.deep import WeightsInfo, create_model, predict_bvp
from micropulse.rppg.deep.inference import overlap_add, plan_chunks

pytestmark = pytest.mark.usefixtures("one_thread")


class GreenMean(nn.Module):
    """Stand-in model: per-frame mean of the green channel, cut to ``multiple*floor(D/multiple)`` frames."""

    def __init__(self, multiple: int) -> None:
        super().__init__()
        self.multiple = multiple
        self.scale = nn.Parameter(torch.ones(()))
        self.calls: list[int] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls.append(x.shape[1])
        d = x.shape[1] // self.multiple * self.multiple
        return self.scale * x[:, :d, 1].mean(dim=(2, 3))


def info_for(arch: str, **changes) -> WeightsInfo:
    base = dict(
        arch=arch,
        source="test",
        training_set=None,
        input_size=8,
        fs=30.0,
        normalisation="Standardized",
        chunk_length=64,
    )
    return WeightsInfo(**(base | changes))


def sine_video(n: int, fs: float, hz: float = 1.2, size: int = 8) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(n) / fs
    wave = np.sin(2 * np.pi * hz * t)
    crops = np.full((n, size, size, 3), 120.0)
    crops[..., 1] += 20 * wave[:, None, None]
    return np.round(crops).astype(np.uint8), wave


def corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def peak_hz(x: np.ndarray, fs: float) -> float:
    spec = np.abs(np.fft.rfft(x - x.mean(), n=8 * len(x)))
    return float(np.fft.rfftfreq(8 * len(x), 1 / fs)[np.argmax(spec)])


def test_plan_covers_every_frame_and_ends_aligned():
    plan = plan_chunks(301, 64, 0.5, 8, 24)
    assert plan.length == 64 and plan.starts[0] == 0 and plan.starts[-1] == 301 - 64
    covered = np.zeros(301, bool)
    for s in plan.starts:
        covered[s : s + plan.length] = True
    assert covered.all()
    assert plan_chunks(50, 160, 0.5, 8, 24).length == 48  # a short video: one chunk of 8*floor(50/8)
    with pytest.raises(SignalError, match="too short"):
        plan_chunks(20, 160, 0.5, 8, 24)
    with pytest.raises(InputError, match="overlap"):
        plan_chunks(100, 32, 1.0, 8, 24)


@pytest.mark.parametrize("signal", ["constant", "sine"])
def test_overlap_add_reconstructs_what_chunks_agree_on(signal):
    n = 250
    x = np.full(n, 3.0) if signal == "constant" else np.sin(np.arange(n) / 7.0)
    plan = plan_chunks(n, 64, 0.5, 8, 8)
    chunks = [x[s : s + plan.length] for s in plan.starts]
    np.testing.assert_allclose(overlap_add(chunks, plan.starts, n), x, atol=1e-12)


def test_chunked_prediction_recovers_a_sine_at_any_length():
    crops, wave = sine_video(301, 30.0)
    model = GreenMean(8)
    bvp = predict_bvp(model, crops, 30.0, info_for("rhythmformer"))
    # each 64-frame chunk holds 2.56 cycles: its z-score offset differs a little from chunk to chunk
    assert bvp.shape == (301,) and corr(bvp, wave) > 0.99 and abs(peak_hz(bvp, 30.0) - 1.2) < 0.02
    assert set(model.calls) == {64}  # every chunk has the weights' chunk length, a multiple of 8


def test_frame_rate_is_resampled_to_the_weights():
    crops, wave = sine_video(400, 60.0)
    model = GreenMean(8)
    bvp = predict_bvp(model, crops, 60.0, info_for("rhythmformer"))
    assert bvp.shape == (400,) and corr(bvp, wave) > 0.99 and abs(peak_hz(bvp, 60.0) - 1.2) < 0.02


def test_diffnormalized_labels_are_integrated():
    crops, wave = sine_video(256, 30.0)
    info = info_for("physnet", normalisation="DiffNormalized", label_type="DiffNormalized")
    bvp = predict_bvp(GreenMean(4), crops, 30.0, info)  # the stand-in outputs the derivative
    assert corr(bvp[20:-20], wave[20:-20]) > 0.95 and abs(peak_hz(bvp, 30.0) - 1.2) < 0.02


def test_whole_sequence_models_run_once():
    crops, wave = sine_video(181, 30.0)
    model = GreenMean(2)
    bvp = predict_bvp(model, crops, 30.0, info_for("rhythmmamba", chunk_length=160))
    assert model.calls == [180] and bvp.shape == (181,) and corr(bvp, wave) > 0.999
    model.calls.clear()
    predict_bvp(model, crops, 30.0, info_for("rhythmmamba", chunk_length=160), whole_sequence=False)
    assert model.calls == [160, 160]


def test_needs_metadata_and_valid_fs():
    crops, _ = sine_video(64, 30.0)
    with pytest.raises(InputError, match="weights metadata"):
        predict_bvp(GreenMean(8), crops, 30.0)
    with pytest.raises(InputError):
        predict_bvp(GreenMean(8), crops, 0.0, info_for("rhythmformer"))


def test_real_physnet_weights_end_to_end(weights_dir):
    crops, _ = sine_video(150, 30.0, size=72)
    rng = np.random.default_rng(0)
    crops = np.clip(crops.astype(int) + rng.integers(-2, 3, crops.shape), 0, 255).astype(np.uint8)
    model = create_model("physnet", weights=weights_dir / "PURE_PhysNet_DiffNormalized.pth")
    bvp = predict_bvp(model, crops, 30.0)
    assert bvp.shape == (150,) and np.isfinite(bvp).all() and bvp.std() > 0


def test_openrppg_rule_runs_consecutive_chunks_once_and_joins_raw_outputs():
    """open-rppg's weights run as open-rppg runs them: each frame through the network once (consecutive chunks,
    the last one padded with its last frame), outputs joined as they are (no per-chunk z-score, no overlap)."""
    crops, wave = sine_video(301, 30.0)
    crops[150:, :, :, 1] += 10  # a step between chunks: a per-chunk z-score would remove it, the raw join keeps it
    model = GreenMean(1)
    info = info_for("physnet", chunk_length=64, inference="openrppg")
    bvp = predict_bvp(model, crops, 30.0, info)
    assert model.calls == [64] * 5 and bvp.shape == (301,)  # 4 full chunks + 45 frames padded to 64
    x = crops.astype(np.float64)
    expected = (x[..., 1].mean(axis=(1, 2)) - x.mean()) / x.std()  # Standardized input, green mean, raw
    np.testing.assert_allclose(bvp, expected, atol=1e-4)
    model.calls.clear()
    predict_bvp(model, crops, 30.0, info.with_(inference="overlap-add"))
    assert len(model.calls) > 5  # the PyTorch checkpoints' rule: half-overlapping chunks


def test_inference_rule_in_metadata():
    assert WeightsInfo.from_dict({**info_for("physnet").to_dict(), "inference": None}).inference == "overlap-add"
    legacy = {**info_for("physnet", variant="openrppg").to_dict(), "inference": None}
    assert WeightsInfo.from_dict(legacy).inference == "openrppg"  # open-rppg files written before the field
    with pytest.raises(Exception, match="inference rule"):
        info_for("physnet", inference="sliding")
