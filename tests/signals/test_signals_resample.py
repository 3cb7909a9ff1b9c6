import numpy as np
import pytest

from micropulse.errors import InputError, SignalError
from micropulse.signals import fill_gaps, resample_uniform
from micropulse.signals.resample import check_timestamps


def test_resample_irregular_sine_is_accurate():
    rng = np.random.default_rng(1)
    t = np.cumsum(rng.uniform(0.025, 0.045, 2000))  # ~29 fps with jitter
    x = np.sin(2 * np.pi * 1.2 * t)
    tu, xu = resample_uniform(t, x, fs=30.0)
    assert np.allclose(np.diff(tu), 1 / 30.0)
    assert tu[0] == t[0] and tu[-1] <= t[-1]
    assert np.max(np.abs(xu - np.sin(2 * np.pi * 1.2 * tu))) < 0.02


def test_resample_default_rate_is_samples_per_second():
    t = np.arange(300) / 25.0
    tu, _ = resample_uniform(t, np.cos(t), fs=None)
    assert np.allclose(np.diff(tu), 1 / 25.0)


def test_short_nan_gap_is_interpolated():
    t = np.arange(100) / 10.0
    x = t.copy()
    x[40:45] = np.nan  # 0.5 s
    tu, xu = resample_uniform(t, x, fs=10.0, max_gap_s=1.0)
    assert np.allclose(xu, tu, atol=1e-9)


def test_long_gap_is_refused_with_where_it_is():
    t = np.arange(100) / 10.0
    x = t.copy()
    x[40:60] = np.nan  # 2 s
    with pytest.raises(SignalError, match=r"gap of 2\.\d+ s .* t=3\.90 s"):
        resample_uniform(t, x, fs=10.0, max_gap_s=1.0)


def test_missing_timestamps_gap_is_refused():
    t = np.concatenate([np.arange(50) / 10.0, 10.0 + np.arange(50) / 10.0])
    with pytest.raises(SignalError, match="max_gap_s"):
        resample_uniform(t, np.ones_like(t), max_gap_s=1.0)


def test_non_monotonic_timestamps_named_error():
    t = np.array([0.0, 0.1, 0.2, 0.15, 0.3])
    with pytest.raises(SignalError, match=r"not strictly increasing: t\[2\]=0\.2 s then t\[3\]=0\.15 s"):
        resample_uniform(t, np.zeros(5))
    with pytest.raises(SignalError, match="not strictly increasing"):
        check_timestamps([0.0, 0.1, 0.1])


def test_ties_are_averaged_when_asked():
    t = np.array([0.0, 0.1, 0.1, 0.2, 0.3])
    x = np.array([0.0, 1.0, 3.0, 2.0, 3.0])
    tu, xu = resample_uniform(t, x, fs=10.0, ties="mean")
    assert np.allclose(xu, [0, 2, 2, 3])
    with pytest.raises(SignalError, match="not increasing"):
        resample_uniform([0.0, 0.2, 0.1], [1, 2, 3], ties="mean")


def test_all_nan_and_bad_args():
    with pytest.raises(SignalError, match="all NaN"):
        resample_uniform(np.arange(5.0), np.full(5, np.nan))
    with pytest.raises(InputError, match="kind"):
        resample_uniform(np.arange(5.0), np.ones(5), kind="nearest")
    with pytest.raises(InputError, match="> 0"):
        resample_uniform(np.arange(5.0), np.ones(5), fs=0)


def test_cubic_resampling_matches_smooth_signal():
    t = np.sort(np.random.default_rng(0).uniform(0, 10, 400))
    tu, xu = resample_uniform(t, np.sin(t), fs=20.0, kind="cubic")
    assert np.max(np.abs(xu - np.sin(tu))) < 1e-3


def test_fill_gaps():
    x = np.arange(20.0)
    x[[0, 5, 6, 19]] = np.nan
    y = fill_gaps(x, fs=10.0, max_gap_s=0.5)
    assert np.allclose(y[1:19], np.arange(1.0, 19.0))
    assert y[0] == 1.0 and y[19] == 18.0
    x[5:15] = np.nan
    with pytest.raises(SignalError, match="gap of 1.00 s"):
        fill_gaps(x, fs=10.0, max_gap_s=0.5)
    with pytest.raises(SignalError, match="all NaN"):
        fill_gaps(np.full(4, np.nan), fs=10.0)
