"""The pure core after the front end: raw wave -> post-processed BVP, HR (micropulse or a recipe), HR series."""

from __future__ import annotations

import numpy as np
import pytest

from micropulse.errors import SignalError
from micropulse.pipeline.pulse_core import analyse_raw
from micropulse.signals.recipes import get_recipe
from micropulse.synth import ppg_waveform

PULSE_DIRECTION = np.array([0.33, 0.77, 0.53])


def _skin_trace(t: np.ndarray, hr: float, seed: int = 0, amp: float = 0.01) -> np.ndarray:
    """(T, 3) mean skin colour with a pulse along the skin-optics direction, drift and noise."""
    rng = np.random.default_rng(seed)
    bvp = ppg_waveform(t, hr, seed=seed).bvp
    base = np.array([180.0, 120.0, 100.0])
    drift = 1.0 + 0.05 * np.sin(2 * np.pi * 0.05 * t)[:, None]  # illumination: same gain on all channels
    return base * drift * (1 + amp * PULSE_DIRECTION * bvp[:, None]) + 0.05 * rng.standard_normal((t.size, 3))


def test_analyse_raw_finds_hr_and_names_the_recipe_hr():
    fs = 30.0
    t = np.arange(int(30 * fs)) / fs
    bvp = ppg_waveform(t, 80.0, seed=2).bvp + 0.1 * np.random.default_rng(0).standard_normal(t.size)
    core = analyse_raw(bvp, fs, filtered=False)
    assert core.summary.hr.bpm == pytest.approx(80.0, abs=1.5) and core.recipe_hr_bpm is None
    rec = analyse_raw(bvp, fs, filtered=False, recipe="toolbox-2023")
    r = get_recipe("toolbox-2023")
    assert rec.recipe_hr_bpm == r.hr_bpm(r.postprocess(bvp, fs), fs)  # exactly what evaluate computes
    assert rec.band_hz == r.band_hz


def test_short_signal_narrows_the_band_and_says_so():
    fs = 30.0
    t = np.arange(int(2.4 * fs)) / fs
    core = analyse_raw(ppg_waveform(t, 90.0, seed=1).bvp, fs, filtered=False, band=(0.6, 3.5))
    assert core.band_hz[0] == pytest.approx(2 * fs / t.size, abs=1e-3) and core.band_hz[1] == 3.5
    assert "narrowed" in core.notes[0]


def test_flat_signal_is_a_named_error():
    with pytest.raises(SignalError, match="clip.mkv"):
        analyse_raw(np.ones(300), 30.0, filtered=False, name="clip.mkv")


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
