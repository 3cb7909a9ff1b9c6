"""The synthetic PPG: shape, heart rate truth, variability, determinism, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import find_peaks, periodogram

from micropulse.errors import InputError
from micropulse.synth import ppg_waveform

FS = 100.0


def _t(seconds: float = 60.0, fs: float = FS) -> np.ndarray:
    return np.arange(int(seconds * fs)) / fs


@pytest.mark.parametrize("hr", [45.0, 72.0, 130.0])
def test_mean_hr_is_exact_and_spectral_peak_matches(hr):
    w = ppg_waveform(_t(), hr, seed=3)
    assert w.mean_hr_bpm == pytest.approx(hr, abs=1e-9)
    f, p = periodogram(w.bvp, FS, nfft=2**17)
    band = (f > 0.6) & (f < 3.3)
    assert 60 * f[band][np.argmax(p[band])] == pytest.approx(hr, abs=0.6)


def test_beat_count_matches_integrated_rate():
    w = ppg_waveform(_t(30), 80.0, seed=1, baseline_depth=0.0)
    peaks, _ = find_peaks(w.bvp, prominence=0.3)
    expected = np.trapz(w.hr_bpm / 60.0, w.t_s)
    assert abs(peaks.size - expected) <= 1.5


def test_dicrotic_notch_gives_a_second_local_maximum_per_beat():
    w = ppg_waveform(
        _t(10, fs=1000.0), 60.0, seed=0, hrv_bpm=0, rsa_bpm=0, baseline_depth=0, amplitude_depth=0
    )
    peaks, _ = find_peaks(w.bvp, prominence=0.002)
    beats = 10.0 * 60.0 / 60.0
    # one systolic and one diastolic peak per beat: about twice as many local maxima as beats
    assert 1.8 * beats <= peaks.size <= 2.2 * beats + 1
    heights = np.sort(w.bvp[peaks])
    assert heights[: peaks.size // 2].mean() < heights[peaks.size // 2 :].mean() - 0.2  # diastolic lower


def test_variability_and_respiration_present():
    w = ppg_waveform(_t(60), 70.0, seed=2, resp_bpm=12.0)
    assert 1.0 < np.std(w.hr_bpm) < 5.0
    f, p = periodogram(w.hr_bpm - w.hr_bpm.mean(), FS, nfft=2**17)
    assert 60 * f[np.argmax(p)] == pytest.approx(12.0, abs=1.0)  # RSA at the breathing rate dominates
    still = ppg_waveform(_t(60), 70.0, seed=2, hrv_bpm=0, rsa_bpm=0)
    assert np.ptp(still.hr_bpm) < 1e-9


def test_deterministic_by_seed():
    a = ppg_waveform(_t(20), 72.0, seed=5)
    b = ppg_waveform(_t(20), 72.0, seed=5)
    c = ppg_waveform(_t(20), 72.0, seed=6)
    np.testing.assert_array_equal(a.bvp, b.bvp)
    assert not np.allclose(a.bvp, c.bvp)


def test_hr_series_is_followed():
    t = _t(40)
    hr = np.where(t < 20, 60.0, 120.0)
    w = ppg_waveform(t, hr_series=hr, seed=0)
    np.testing.assert_array_equal(w.hr_bpm, hr)
    first, second = w.bvp[t < 20], w.bvp[t >= 20]
    for seg, target in ((first, 60.0), (second, 120.0)):
        f, p = periodogram(seg, FS, nfft=2**16)
        band = (f > 0.6) & (f < 3.3)
        assert 60 * f[band][np.argmax(p[band])] == pytest.approx(target, abs=1.5)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"t_s": np.array([0.0])},
        {"t_s": np.array([0.0, 0.0, 1.0])},
        {"t_s": np.array([0.0, np.nan])},
        {"t_s": _t(5), "hr_bpm": 0.0},
        {"t_s": _t(5), "hr_series": np.ones(3)},
        {"t_s": _t(5), "resp_bpm": -1.0},
    ],
)
def test_bad_input_raises_named_error(kwargs):
    with pytest.raises(InputError):
        ppg_waveform(**kwargs)
