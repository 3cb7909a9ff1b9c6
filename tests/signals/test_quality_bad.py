"""Issue 11 items 3, 4, 10: no confident answer from a non-physiological band, a band too narrow to
tell pulse from noise, a known-bad signal or too short a recording; the HR carries ``reliable``."""

import json

import numpy as np
import pytest
from _ppg_synth import regular_ppg

from micropulse.errors import InputError
from micropulse.signals import (
    PHYSIOLOGICAL_BAND,
    check_hr_band,
    estimate_hr,
    hr_series,
    quality_index,
    snr_db,
    summarize,
)
from micropulse.signals.quality import MIN_QUALITY

FS = 30.0
N = int(30 * FS)  # 30 s


def _bad(kind: str, seed: int) -> np.ndarray:
    """Signals without a pulse that a quality index must not call good."""
    rng = np.random.default_rng(seed)
    t = np.arange(N) / FS
    if kind == "white":
        return rng.standard_normal(N)
    if kind == "random-walk":  # baseline wander with no pulse: a 1/f^2 spectrum
        return np.cumsum(rng.standard_normal(N))
    if kind == "pink":
        return 0.05 * np.cumsum(rng.standard_normal(N)) + rng.standard_normal(N)
    if kind == "spikes":  # motion artefacts on a still sensor
        return 10.0 * (rng.random(N) < 0.02) + 0.1 * rng.standard_normal(N)
    if kind == "respiration":  # breathing at 15/min, no heart beat
        return np.sin(2 * np.pi * 0.25 * t + rng.uniform(0, 2 * np.pi)) + 0.3 * rng.standard_normal(N)
    raise AssertionError(kind)


@pytest.mark.parametrize("band", [(0.1, 0.2), (0.2, 3.0), (0.7, 5.0)])
def test_band_outside_human_heart_rates_is_refused(band):
    x = regular_ppg(72, FS, 30.0, noise=0.05)
    for call in (
        lambda: check_hr_band(band, FS),
        lambda: estimate_hr(x, FS, band=band),
        lambda: hr_series(x, FS, band=band),
        lambda: summarize(x, FS, band=band),
    ):
        with pytest.raises(InputError, match="range of human heart rates"):
            call()
    assert check_hr_band(PHYSIOLOGICAL_BAND, FS) == PHYSIOLOGICAL_BAND


def test_band_narrower_than_the_hr_windows_gives_undefined_not_perfect_quality_and_snr():
    x = regular_ppg(45, FS, 20.0, noise=0.05)
    band = (0.7, 0.8)  # inside the +-0.1 Hz window around 0.75 Hz: nothing left to call noise
    assert np.isnan(quality_index(x, FS, 45.0, band))
    assert np.isnan(snr_db(x, FS, 45.0, band))
    s = summarize(x, FS, band=band)
    d = json.loads(json.dumps(s.to_dict()))
    assert d["quality"] is None and d["snr_db"] is None
    assert d["hr_reliable"] is False and "undefined" in d["hr_reason"]
    assert s.hrv.reliable is False


@pytest.mark.parametrize("kind", ["white", "random-walk", "pink", "spikes", "respiration"])
def test_quality_index_is_low_on_known_bad_signals(kind):
    """At most 1 of 20 draws reaches MIN_QUALITY, and only that one may get a reliable HR.

    Measured on 200 draws: no white, pink, spike or respiration draw reached 0.25 (max 0.18) and one
    random walk did (0.29: a random walk now and then holds a pulse-like bump). The index before
    issue 11 passed 31 of 40 random walks: their slope put most in-band power next to the low edge.
    """
    q, reliable = [], 0
    for seed in range(20):
        s = summarize(_bad(kind, seed), FS)
        q.append(s.quality)
        reliable += s.hr.reliable
        if s.hr.reliable:
            assert s.quality >= MIN_QUALITY
    assert sum(v >= MIN_QUALITY for v in q) <= 1 and reliable <= 1, q
    assert np.median(q) < MIN_QUALITY / 2, q


@pytest.mark.parametrize("hr", [50.0, 72.0, 150.0])
def test_quality_index_is_high_on_clean_pulses(hr):
    s = summarize(regular_ppg(hr, FS, 30.0, noise=0.3), FS)
    assert s.quality > 0.7
    assert s.hr.reliable and s.hr.reason == ""
    assert abs(s.hr.bpm - hr) < 1.0


def test_short_recording_gives_an_unreliable_hr_with_the_reason():
    x = regular_ppg(90, FS, 5.0, noise=0.05)  # clean, but 5 s
    hr = estimate_hr(x, FS)
    assert abs(hr.bpm - 90) < 3 and hr.reliable is False and "5.0 s of signal" in hr.reason
    d = summarize(x, FS).to_dict()
    assert d["hr_reliable"] is False and "need 10 s" in d["hr_reason"]


def test_flag_adds_a_reason_and_keeps_the_number():
    hr = estimate_hr(regular_ppg(72, FS, 30.0, noise=0.05), FS)
    assert hr.reliable
    worse = hr.flag("face on 40% of frames").flag("lossy")
    assert worse.bpm == hr.bpm and not worse.reliable and worse.reason == "face on 40% of frames; lossy"
    assert worse.to_dict()["reliable"] is False


@pytest.mark.parametrize(("window", "hop"), [(0.0, 1.0), (-5.0, 1.0), (10.0, 0.0)])
def test_window_and_hop_must_be_positive(window, hop):
    x = regular_ppg(72, FS, 30.0)
    with pytest.raises(InputError, match="must be > 0 s"):
        summarize(x, FS, window_s=window, hop_s=hop)
    with pytest.raises(InputError, match="must be > 0 s"):
        hr_series(x, FS, window_s=window, hop_s=hop)
