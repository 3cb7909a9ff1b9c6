"""Test-only ECG R-peak detector and reference rates (never used by the package)."""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy import signal as sps


def r_peaks(ecg: np.ndarray, fs: float) -> np.ndarray:
    """Sample indices of R peaks: 5-18 Hz band-pass, squared slope energy, adaptive threshold."""
    x = np.nan_to_num(np.asarray(ecg, dtype=np.float64) - np.nanmedian(ecg))
    b, a = sps.butter(2, [5.0, min(18.0, 0.45 * fs)], btype="bandpass", fs=fs)
    y = sps.filtfilt(b, a, x)
    e = np.gradient(y) ** 2
    w = max(1, int(0.1 * fs))
    e = np.convolve(e, np.ones(w) / w, mode="same")
    # Local threshold: 30 % of the largest energy within +-1.5 s, so artefact bursts only
    # mask their own neighbourhood; floor at 10 % of the typical local maximum (flat leads).
    local = ndimage.maximum_filter1d(e, size=int(3.0 * fs), mode="nearest")
    thr = np.maximum(0.3 * local, 0.1 * np.median(local))
    cand, _ = sps.find_peaks(e, distance=int(0.3 * fs))
    cand = cand[e[cand] >= thr[cand]]
    # Snap each energy peak to the largest |filtered ECG| sample nearby.
    half = max(1, int(0.06 * fs))
    return np.array([c - half + int(np.argmax(np.abs(y[max(0, c - half) : c + half]))) for c in cand])


def ecg_hr_bpm(ecg: np.ndarray, fs: float) -> float:
    """Mean HR (bpm) from R-R intervals (intervals 0.3-2 s only)."""
    rr = np.diff(r_peaks(ecg, fs)) / fs
    rr = rr[(rr > 0.3) & (rr < 2.0)]
    rr = rr[np.abs(rr - np.median(rr)) <= 0.2 * np.median(rr)]
    return float(60.0 / rr.mean())


def resp_rate_bpm(resp: np.ndarray, fs: float) -> float:
    """Breaths/min of a respiration belt/impedance signal: Welch peak in 0.1-0.7 Hz."""
    x = np.asarray(resp, dtype=np.float64)
    x = sps.detrend(x - x.mean())
    f, p = sps.welch(x, fs=fs, nperseg=int(min(x.size, 64 * fs)), nfft=int(2**18))
    m = (f >= 0.1) & (f <= 0.7)
    return float(f[m][np.argmax(p[m])] * 60.0)
