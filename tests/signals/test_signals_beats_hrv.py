import numpy as np
import pytest
from _ppg_synth import beat_times, ppg_from_beats, regular_ppg

from micropulse.errors import SignalError
from micropulse.signals import detect_beats, hrv, reject_artefacts
from micropulse.signals.beats import pulse_polarity
from micropulse.signals.hrv import hrv_from_beats, successive_differences


def _variable_ibis(n=120, seed=0):
    rng = np.random.default_rng(seed)
    # 0.85 s mean, respiratory sinus arrhythmia + white variability (RMSSD ~ 40-60 ms).
    k = np.arange(n)
    return 0.85 + 0.04 * np.sin(2 * np.pi * k / 5.0) + 0.02 * rng.standard_normal(n)


def _truth(ibi_s):
    ibi = ibi_s * 1000
    d = np.diff(ibi)
    return float(np.std(ibi, ddof=1)), float(np.sqrt(np.mean(d**2))), float(np.mean(np.abs(d) > 50))


@pytest.mark.parametrize("fs", [30.0, 100.0])
def test_beats_recover_known_times(fs):
    ibi = _variable_ibis()
    bt = beat_times(ibi)
    x = ppg_from_beats(bt, fs, bt[-1] + 1.0, noise=0.01)
    beats = detect_beats(x, fs)
    assert beats.n_beats == bt.size
    err = beats.times_s - bt
    assert np.std(err) < (0.004 if fs == 100 else 0.008)
    assert beats.ibi_valid.all()


def test_inverted_camera_ppg_is_detected():
    x = regular_ppg(72, 30.0, 30.0)
    assert pulse_polarity(x, 30.0) == 1 and pulse_polarity(-x, 30.0) == -1
    a, b = detect_beats(x, 30.0), detect_beats(250 - x, 30.0)
    assert a.n_beats == b.n_beats and np.allclose(a.times_s, b.times_s, atol=0.02)


def test_hrv_matches_truth_on_clean_signal():
    ibi = _variable_ibis(n=150)
    bt = beat_times(ibi)
    x = ppg_from_beats(bt, 100.0, bt[-1] + 1.0, noise=0.005)
    h = hrv(x, 100.0)
    sdnn, rmssd, pnn50 = _truth(ibi)
    assert h.reliable, h.reason
    assert abs(h.sdnn_ms - sdnn) / sdnn < 0.05
    assert abs(h.rmssd_ms - rmssd) / rmssd < 0.05
    assert abs(h.pnn50 - pnn50) < 0.08
    assert h.sd1_ms == pytest.approx(rmssd / np.sqrt(2), rel=0.08)
    assert h.sd2_ms > h.sd1_ms > 0
    assert h.lf_hf is not None and h.lf_hf < 1.0  # variability sits at 0.24 Hz (HF)
    assert h.n_beats == bt.size and h.n_rejected == 0


def test_artefact_rejection():
    ibi = np.array([800, 810, 790, 1600, 805, 400, 395, 800, 820, 5000, 810, 800, 790.0])
    valid = reject_artefacts(ibi)
    # 1600 (missed beat), 400+395 (extra beat), 5000 (gap) are artefacts; 805 sits alone
    # between two artefacts and goes too.
    assert valid.tolist() == [
        True,
        True,
        True,
        False,
        False,
        False,
        False,
        True,
        True,
        False,
        True,
        True,
        True,
    ]
    d = successive_differences(ibi, valid)
    assert d.tolist() == [10, -20, 20, -10, -10]


def test_missed_beats_are_rejected_not_averaged():
    ibi = _variable_ibis(n=100, seed=2)
    bt = beat_times(ibi)
    x = ppg_from_beats(np.delete(bt, [30, 60]), 50.0, bt[-1] + 1.0)
    beats = detect_beats(x, 50.0)
    assert (~beats.ibi_valid).sum() >= 2
    assert np.all(beats.clean_ibi_ms < 1100)


def test_noise_gives_unreliable_hrv():
    x = np.random.default_rng(0).standard_normal(3000)
    h = hrv(x, 30.0)
    assert not h.reliable and h.reason


def test_few_beats_are_unreliable_and_flat_is_named_error():
    h = hrv(regular_ppg(70, 30.0, 8.0), 30.0)
    assert not h.reliable and "clean intervals" in h.reason
    with pytest.raises(SignalError, match="flat"):
        detect_beats(np.zeros(600), 30.0)
    with pytest.raises(SignalError, match="too short"):
        detect_beats(np.ones(10), 30.0)


def test_hrv_to_dict_keys():
    beats = detect_beats(regular_ppg(70, 30.0, 60.0, noise=0.01), 30.0)
    d = hrv_from_beats(beats, quality=0.9).to_dict()
    for k in ("sdnn_ms", "rmssd_ms", "pnn50", "sd1_ms", "sd2_ms", "lf_hf", "reliable", "n_beats"):
        assert k in d
