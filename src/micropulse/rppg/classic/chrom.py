"""CHROM (de Haan & Jeanne 2013): chrominance signals, alpha tuning, Hann overlap-add."""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from micropulse.rppg.classic._numeric import safe_ratio
from micropulse.rppg.classic.registry import MethodInfo, register_method
from micropulse.signals.filters import check_band

WINDOW_S = 1.6  # seconds
BAND_HZ = (0.7, 2.5)
FILTER_ORDER = 3
#: filtfilt pad length of the toolbox's order-3 band-pass (3 * 7 coefficients).
TOOLBOX_PADLEN = 21


def window_frames(fs: float) -> int:
    """Window length L = ceil(1.6 * fs), rounded up to even (48 at 30 fps; toolbox ``CHROME_DEHAAN``)."""
    length = max(2, math.ceil(WINDOW_S * fs))
    return length + (length % 2)


def bandpass_rows(x: np.ndarray, fs: float) -> np.ndarray:
    """Zero-phase Butterworth (order 3, 0.7-2.5 Hz) along the last axis of (W, L), one row per window.

    Same design as :func:`micropulse.signals.filters.bandpass` (second-order sections), applied to
    all windows at once. The toolbox pads by 21 samples; shorter windows (fs below ~13 Hz) pad by
    L - 1, the most ``filtfilt`` allows, instead of failing.
    """
    from scipy import signal  # lazy: scipy.signal takes ~1 s to import; the CLI starts without it

    lo, hi = check_band(BAND_HZ, fs)
    sos = signal.butter(FILTER_ORDER, [lo, hi], btype="bandpass", fs=fs, output="sos")
    return signal.sosfiltfilt(sos, x, axis=-1, padlen=min(TOOLBOX_PADLEN, x.shape[-1] - 1))


@register_method(
    MethodInfo(
        name="chrom",
        title="Chrominance-based rPPG",
        paper="de Haan & Jeanne (2013), Robust pulse rate from chrominance-based rPPG, "
        "IEEE TBME 60(10):2878-2886",
        window="L = ceil(1.6 * fs) frames rounded up to even, hop L/2",
        band_hz=BAND_HZ,
        filtering="built in: per window, Butterworth order 3, 0.7-2.5 Hz, zero-phase",
        notes="The toolbox returns (L/2) * floor(T / (L/2)) samples. Here the trace is reflect-padded at the "
        "end to a multiple of L/2 and the result cut back to T frames: the windows inside the trace are the "
        "toolbox's, one more window covers the tail. Like the toolbox, frame 0 gets zero weight (Hann).",
    ),
    min_frames=window_frames,
)
def chrom(rgb: np.ndarray, fs: float) -> np.ndarray:
    """CHROM BVP (T,) from an RGB trace (T, 3) at ``fs`` Hz (spec rppg.md section 5).

    In each window: Cn = c / mean_window(c); X = 3R - 2G, Y = 1.5R + G - 1.5B, both band-passed;
    S = Xf - (std Xf / std Yf) Yf, Hann-weighted and overlap-added with hop L/2.
    """
    from scipy import signal  # lazy: scipy.signal takes ~1 s to import; the CLI starts without it

    n = rgb.shape[0]
    length = window_frames(fs)
    hop = length // 2
    n_pad = math.ceil(n / hop) * hop
    x = np.pad(rgb, ((0, n_pad - n), (0, 0)), mode="reflect") if n_pad > n else rgb
    windows = sliding_window_view(x, length, axis=0)[::hop]  # (W, 3, L), no copy
    cn = windows / windows.mean(axis=2, keepdims=True)
    xs = 3.0 * cn[:, 0] - 2.0 * cn[:, 1]
    ys = 1.5 * cn[:, 0] + cn[:, 1] - 1.5 * cn[:, 2]
    xf = bandpass_rows(xs, fs)
    yf = bandpass_rows(ys, fs)
    alpha = safe_ratio(xf.std(axis=1), yf.std(axis=1))
    s = (xf - alpha[:, None] * yf) * signal.windows.hann(length, sym=True)
    n_win = s.shape[0]
    out = np.zeros(n_pad)
    out[: n_win * hop] += s[:, :hop].ravel()
    out[hop : (n_win + 1) * hop] += s[:, hop:].ravel()
    return out[:n]
