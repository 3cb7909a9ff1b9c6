"""The pure core of the pulse pipeline: region fusion, face segments, uniform time, traces -> HR."""

from __future__ import annotations

import numpy as np
import pytest

from micropulse.errors import SignalError
from micropulse.pipeline.pulse_core import face_segments, pulse_from_rgb, uniform_traces
from micropulse.synth import ppg_waveform

PULSE_DIRECTION = np.array([0.33, 0.77, 0.53])


def _skin_trace(t: np.ndarray, hr: float, seed: int = 0, amp: float = 0.01) -> np.ndarray:
    """(T, 3) mean skin colour with a pulse along the skin-optics direction, drift and noise."""
    rng = np.random.default_rng(seed)
    bvp = ppg_waveform(t, hr, seed=seed).bvp
    base = np.array([180.0, 120.0, 100.0])
    drift = 1.0 + 0.05 * np.sin(2 * np.pi * 0.05 * t)[:, None]  # illumination: same gain on all channels
    return base * drift * (1 + amp * PULSE_DIRECTION * bvp[:, None]) + 0.05 * rng.standard_normal((t.size, 3))


def test_face_segments_bridge_short_gaps_only():
    t = np.arange(100) / 10.0  # 10 fps
    valid = np.ones(100, bool)
    valid[20:25] = False  # 0.5 s gap: bridged
    valid[50:70] = False  # 2 s gap: splits
    assert face_segments(valid, t, max_gap_s=1.0) == [(0, 50), (70, 100)]
    assert face_segments(np.zeros(5, bool), t[:5]) == []


def test_uniform_traces_regular_and_irregular():
    fps = 30.0
    t = np.round(np.arange(300) / fps, 3)  # Matroska-style millisecond timestamps: still regular
    rgb = np.column_stack([np.sin(t), np.cos(t), t])
    rgb[10:13] = np.nan
    tu, ru, fs = uniform_traces(t, rgb, fps)
    assert fs == fps and tu.size == 300 and np.isfinite(ru).all()
    np.testing.assert_allclose(ru[11], [np.sin(t[11]), np.cos(t[11]), t[11]], atol=3e-3)
    rng = np.random.default_rng(0)
    t_irr = np.cumsum(rng.uniform(0.02, 0.05, 300))  # variable frame rate
    rgb_irr = np.column_stack([np.sin(t_irr)] * 3)
    tu, ru, fs = uniform_traces(t_irr, rgb_irr, fps)
    assert fs == pytest.approx((t_irr.size - 1) / (t_irr[-1] - t_irr[0]))
    np.testing.assert_allclose(np.diff(tu), 1 / fs, rtol=1e-9)
    np.testing.assert_allclose(ru[:, 0], np.sin(tu), atol=2e-3)


@pytest.mark.parametrize("hr", [55.0, 110.0])
def test_pulse_from_rgb_finds_hr_on_longest_face_segment(hr):
    fps = 30.0
    t = np.arange(int(40 * fps)) / fps
    rgb = _skin_trace(t, hr)
    rgb[int(15 * fps) : int(18 * fps)] = (
        np.nan
    )  # the face is lost for 3 s: two segments, the later one longer
    core = pulse_from_rgb(t, rgb, fps, method="pos")
    i0, i1 = core.segment
    assert (i0, i1) == (int(18 * fps), t.size)
    assert core.times_s[0] == pytest.approx(18.0) and core.bvp.size == core.times_s.size == i1 - i0
    assert core.fs == fps and core.notes == ()
    assert core.summary.hr.bpm == pytest.approx(hr, abs=1.5)


def test_short_segment_narrows_the_band_and_says_so():
    fps = 30.0
    t = np.arange(int(2.4 * fps)) / fps
    core = pulse_from_rgb(t, _skin_trace(t, 90.0), fps, method="pos", band=(0.6, 3.5))
    assert core.band_hz[0] == pytest.approx(2 * fps / t.size, abs=1e-3) and core.band_hz[1] == 3.5
    assert "narrowed" in core.notes[0]
    assert core.band_hz[0] * 60 <= core.summary.hr.bpm <= 3.5 * 60


def test_pulse_from_rgb_refuses_a_too_short_face_segment():
    fps = 30.0
    t = np.arange(60) / fps
    with pytest.raises(SignalError, match="only 1.00 s"):
        pulse_from_rgb(t, _skin_trace(t, 70)[:60] * np.where(np.arange(60) < 30, 1, np.nan)[:, None], fps)
    with pytest.raises(SignalError, match="no frame"):
        pulse_from_rgb(t, np.full((60, 3), np.nan), fps)
    flat = np.ones((90, 3)) * 100.0
    with pytest.raises(SignalError, match="clip.mkv"):
        pulse_from_rgb(np.arange(90) / fps, flat, fps, method="pos", name="clip.mkv")


def test_blocked_hr_series_equals_one_call():
    from micropulse.pipeline.pulse_core import SERIES_BLOCK, _hr_series_blocked
    from micropulse.signals import hr_series

    fs = 30.0
    t = np.arange(int(200 * fs)) / fs
    bvp = ppg_waveform(t, 75.0, seed=4).bvp
    one = hr_series(bvp, fs, window_s=10.0, hop_s=1.0, band=(0.6, 3.5))
    assert len(one) > 3 * SERIES_BLOCK  # several blocks
    blocked = _hr_series_blocked(bvp, fs, (0.6, 3.5), 10.0)
    np.testing.assert_allclose(blocked.times_s, one.times_s)
    np.testing.assert_allclose(blocked.bpm, one.bpm, atol=1e-9)
    np.testing.assert_allclose(blocked.confidence, one.confidence, atol=1e-9)
    assert _hr_series_blocked(bvp[:200], fs, (0.6, 3.5), 10.0) is None
