"""Small numeric blocks shared by several classic methods (one definition each)."""

from __future__ import annotations

import math

import numpy as np

from micropulse.signals.filters import detrend

# Below this, a standard deviation counts as zero (a flat signal): ratios of it become 0, not inf.
TINY = 1e-300


def safe_ratio(num: np.ndarray | float, den: np.ndarray | float) -> np.ndarray:
    """``num / den`` where ``den`` is non-zero, else 0 (so a flat window never makes NaN/inf)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    ok = np.abs(den) > TINY
    out = np.zeros(np.broadcast(num, den).shape)
    np.divide(num, den, out=out, where=ok)
    return out


def standardise_channels(rgb: np.ndarray, lam: float = 100.0) -> np.ndarray:
    """Detrend each channel (smoothness priors, ``lam``) and z-score it; (T, C) -> (T, C).

    The preprocessing of Poh et al.'s ICA (spec rppg.md section 5). A flat channel stays all zeros.
    """
    out = np.empty_like(rgb, dtype=np.float64)
    for c in range(rgb.shape[1]):
        d = detrend(rgb[:, c], lam)
        d = d - d.mean()
        out[:, c] = safe_ratio(d, d.std())
    return out


def normalised_peak_power(sources: np.ndarray) -> np.ndarray:
    """For each row of ``sources`` (K, T): the largest value of its normalised power spectrum.

    As in the toolbox's ICA selector: FFT over the whole signal, DC bin dropped, the first
    ``floor((T - 1) / 2)`` remaining bins kept, power normalised to sum 1, maximum taken.
    A row with no power scores 0.
    """
    n = sources.shape[1]
    spec = np.fft.rfft(sources, axis=1)[:, 1:]
    keep = max(1, math.floor((n - 1) / 2))
    power = np.abs(spec[:, :keep]) ** 2
    return safe_ratio(power, power.sum(axis=1, keepdims=True)).max(axis=1)


def pick_by_spectral_peak(sources: np.ndarray) -> int:
    """Index of the row of ``sources`` (K, T) with the sharpest spectrum (largest normalised peak)."""
    return int(np.argmax(normalised_peak_power(sources)))
