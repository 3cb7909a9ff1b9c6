import numpy as np
import pytest
from _ppg_synth import regular_ppg

from micropulse.errors import InputError, SignalError, UnknownNameError
from micropulse.signals import DEFAULT_BAND, estimate_hr, hr_series, list_hr_methods
from micropulse.signals.spectrum import next_pow2


def test_next_pow2():
    assert [next_pow2(n) for n in (1, 2, 3, 900, 1024, 1025)] == [1, 2, 4, 1024, 1024, 2048]


@pytest.mark.parametrize("method", ["welch", "periodogram", "peaks"])
@pytest.mark.parametrize("hr", [48.0, 75.0, 140.0, 190.0])
def test_hr_of_synthetic_ppg(method, hr):
    x = regular_ppg(hr, fs=30.0, duration_s=40.0, noise=0.05)
    est = estimate_hr(x, 30.0, method=method)
    assert abs(est.bpm - hr) < 0.6, est
    assert 0.4 < est.confidence <= 1.0
    assert est.method == method and est.band_hz == DEFAULT_BAND


def test_confidence_is_low_for_noise():
    x = np.random.default_rng(3).standard_normal(1200)
    for method in list_hr_methods():
        assert estimate_hr(x, 30.0, method=method).confidence < 0.35


def test_harmonic_guard_picks_fundamental():
    fs, t = 30.0, np.arange(0, 40, 1 / 30.0)
    # A 50 bpm pulse whose 2nd harmonic (100 bpm) is 1.5x stronger than the fundamental.
    x = 0.8 * np.sin(2 * np.pi * 50 / 60 * t) + 1.0 * np.sin(2 * np.pi * 100 / 60 * t)
    assert abs(estimate_hr(x, fs).bpm - 50) < 0.5
    assert abs(estimate_hr(x, fs, harmonic_guard=False).bpm - 100) < 0.5
    # A real 100 bpm pulse with a weak 50 bpm component is left alone.
    y = 0.2 * np.sin(2 * np.pi * 50 / 60 * t) + 1.0 * np.sin(2 * np.pi * 100 / 60 * t)
    assert abs(estimate_hr(y, fs).bpm - 100) < 0.5


def test_hr_inside_band_even_when_peak_outside():
    t = np.arange(0, 30, 1 / 30.0)
    x = np.sin(2 * np.pi * 0.3 * t) + 0.01 * np.sin(2 * np.pi * 1.5 * t)
    for method in list_hr_methods():
        est = estimate_hr(x, 30.0, band=(0.75, 2.5), method=method)
        assert 45.0 <= est.bpm <= 150.0


def test_hr_series_tracks_a_change():
    fs = 30.0
    x = np.concatenate([regular_ppg(60, fs, 30.0), regular_ppg(90, fs, 30.0)])
    s = hr_series(x, fs, window_s=10.0, hop_s=2.0)
    assert len(s) == (60 - 10) // 2 + 1
    assert np.allclose(s.times_s[0], 5.0) and np.allclose(np.diff(s.times_s), 2.0)
    assert np.all(np.abs(s.bpm[s.times_s < 24] - 60) < 1.5)
    assert np.all(np.abs(s.bpm[s.times_s > 36] - 90) < 1.5)
    assert s.confidence.shape == s.bpm.shape and np.all((s.confidence >= 0) & (s.confidence <= 1))
    d = s.to_dict()
    assert d["method"] == "welch" and len(d["bpm"]) == len(s)
    p = hr_series(x, fs, window_s=10.0, hop_s=5.0, method="peaks")
    assert np.all(np.abs(p.bpm[p.times_s < 24] - 60) < 1.5)


def test_named_errors():
    with pytest.raises(SignalError, match="flat"):
        estimate_hr(np.ones(300), 30.0)
    with pytest.raises(SignalError, match="too short"):
        estimate_hr(np.random.default_rng(0).standard_normal(20), 30.0)
    with pytest.raises(SignalError, match="NaN"):
        estimate_hr(np.full(300, np.nan), 30.0)
    with pytest.raises(InputError, match="> 0 Hz"):
        estimate_hr(np.ones(300), 0)
    with pytest.raises(InputError, match="Nyquist"):
        estimate_hr(np.ones(300), 5.0, band=(0.7, 3.5))
    with pytest.raises(UnknownNameError, match="known: peaks, periodogram, welch"):
        estimate_hr(np.ones(300), 30.0, method="fft")
    with pytest.raises(SignalError, match="shorter than one window"):
        hr_series(np.random.default_rng(0).standard_normal(100), 30.0, window_s=10.0)


def test_to_dict_is_json_ready():
    import json

    est = estimate_hr(regular_ppg(70, 30.0, 20.0), 30.0)
    d = json.loads(json.dumps(est.to_dict()))
    assert set(d) == {"bpm", "confidence", "method", "band_hz", "reliable", "reason"}
