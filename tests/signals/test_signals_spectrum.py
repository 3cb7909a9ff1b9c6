import numpy as np
import pytest
from scipy import signal as sps

from micropulse.signals import spectrum


@pytest.mark.parametrize(
    ("n", "nperseg", "nfft", "detrend"),
    [
        (1000, 256, 3333, "constant"),
        (1001, 255, None, False),
        (500, 500, 1024, "constant"),
        (300, 64, 100, "linear"),
    ],
)
def test_welch_equals_scipy(n, nperseg, nfft, detrend):
    x = np.random.default_rng(n).standard_normal(n) + 3.0
    f1, p1 = spectrum.welch(x, 30.0, nperseg, nfft, detrend)
    f2, p2 = sps.welch(x, fs=30.0, nperseg=nperseg, nfft=nfft or nperseg, detrend=detrend)
    np.testing.assert_allclose(f1, f2)
    np.testing.assert_allclose(p1, p2, rtol=1e-10, atol=1e-14)


def test_welch_rows_and_periodogram_nfft():
    x = np.random.default_rng(0).standard_normal((4, 400))
    np.testing.assert_allclose(
        spectrum.welch(x, 30.0, 128, 512)[1], sps.welch(x, fs=30.0, nperseg=128, nfft=512)[1]
    )
    f, p = spectrum.periodogram(x[0], 30.0)
    assert f.size == 512 // 2 + 1  # 400 samples -> nfft 512


def test_decimation_keeps_the_band():
    fs = 100.0
    t = np.arange(0, 60, 1 / fs)
    x = np.sin(2 * np.pi * 1.3 * t)
    y, fs2 = spectrum.decimate_for_band(x, fs, 3.5)  # keep fs' >= 4 x 3.5 Hz: factor 7
    assert fs2 == pytest.approx(100 / 7) and y.size == -(-x.size // 7)
    np.testing.assert_allclose(y[20:-20], np.sin(2 * np.pi * 1.3 * t[::7])[20:-20], atol=1e-3)


def test_refine_peak_is_sub_bin():
    fs, n = 30.0, 600
    x = np.sin(2 * np.pi * 1.234 * np.arange(n) / fs)
    f, p = spectrum.periodogram(x, fs, nfft=n)
    k = int(np.argmax(p))
    assert abs(spectrum.refine_peak(f, p, k) - 1.234) < abs(f[k] - 1.234)
