"""Hypothesis properties of the signal layer: finite in -> finite out, HR inside the band,
flat or too-short signals -> a named error."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from micropulse.errors import MicropulseError, SignalError
from micropulse.signals import detect_beats, estimate_hr, hr_series, hrv, quality_index, snr_db, summarize

FS = 20.0
BAND = (0.7, 3.0)
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
signals = arrays(np.float64, st.integers(min_value=60, max_value=400), elements=finite)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _is_flat(x):
    """The library's definition of flat: peak-to-peak <= 1e-12 x max(1, max |x|)."""
    return np.ptp(x) <= 1e-12 * max(1.0, float(np.abs(x).max()))


def _finite_tree(d):
    if isinstance(d, dict):
        return all(_finite_tree(v) for v in d.values())
    if isinstance(d, list):
        return all(_finite_tree(v) for v in d)
    return not isinstance(d, float) or np.isfinite(d)


@SETTINGS
@given(x=signals, method=st.sampled_from(["welch", "periodogram", "peaks"]))
def test_hr_is_finite_and_inside_band(x, method):
    try:
        est = estimate_hr(x, FS, band=BAND, method=method)
    except SignalError:
        assert _is_flat(x)  # only flat input may refuse
        return
    assert BAND[0] * 60 <= est.bpm <= BAND[1] * 60
    assert 0.0 <= est.confidence <= 1.0 and np.isfinite(est.confidence)


@SETTINGS
@given(x=signals)
def test_summary_never_leaks_nan(x):
    if _is_flat(x):
        with pytest.raises(SignalError, match="flat"):
            summarize(x, FS, band=BAND, window_s=3.0, hop_s=1.0)
        return
    s = summarize(x, FS, band=BAND, window_s=3.0, hop_s=1.0)
    d = s.to_dict()
    assert BAND[0] * 60 <= d["hr_bpm"] <= BAND[1] * 60
    assert 0.0 <= d["quality"] <= 1.0
    assert np.isfinite(s.snr_db) and np.isfinite(s.hr.bpm)
    assert _finite_tree(d)
    if s.hr_series is not None:
        assert np.all(np.isfinite(s.hr_series.bpm)) and np.all(s.hr_series.bpm >= 42 - 1e-9)


@SETTINGS
@given(x=signals)
def test_other_measures_are_finite(x):
    if _is_flat(x):
        with pytest.raises(SignalError, match="flat"):
            detect_beats(x, FS)
        return
    assert np.isfinite(snr_db(x, FS, 70.0, BAND))
    q = quality_index(x, FS, 70.0, BAND)
    assert 0.0 <= q <= 1.0
    h = hrv(x, FS)
    for v in (h.sdnn_ms, h.rmssd_ms, h.pnn50, h.sd1_ms, h.sd2_ms, h.lf_hf):
        assert v is None or np.isfinite(v)
    b = detect_beats(x, FS)
    assert np.all(np.isfinite(b.times_s)) and np.all(np.diff(b.times_s) > 0)


@SETTINGS
@given(c=finite, n=st.integers(min_value=60, max_value=400))
def test_flat_signal_is_a_named_error(c, n):
    x = np.full(n, c)
    for call in (
        lambda: estimate_hr(x, FS, band=BAND),
        lambda: detect_beats(x, FS),
        lambda: summarize(x, FS, band=BAND),
    ):
        with pytest.raises(SignalError, match="flat"):
            call()


@SETTINGS
@given(x=arrays(np.float64, st.integers(min_value=0, max_value=20), elements=finite))
def test_too_short_signal_is_a_named_error(x):
    with pytest.raises(MicropulseError, match="too short|flat|at least"):
        estimate_hr(x, FS, band=BAND)
    with pytest.raises(MicropulseError):
        hr_series(x, FS, window_s=3.0, band=BAND)
