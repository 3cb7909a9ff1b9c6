"""Detrending and band-pass filtering of 1-D signals (numpy/scipy only)."""

from __future__ import annotations

import numpy as np

from micropulse.errors import InputError, SignalError


def check_fs(fs: float) -> float:
    """Validate a sampling rate in Hz and return it as float."""
    try:
        fs_f = float(fs)
    except (TypeError, ValueError):
        raise InputError(f"sampling rate must be a number in Hz, got {fs!r}") from None
    if not np.isfinite(fs_f) or fs_f <= 0:
        raise InputError(f"sampling rate must be > 0 Hz, got {fs!r}")
    return fs_f


def check_band(band: tuple[float, float], fs: float) -> tuple[float, float]:
    """Validate a (low, high) band in Hz against the Nyquist rate ``fs / 2``."""
    try:
        lo, hi = (float(band[0]), float(band[1]))
    except (TypeError, ValueError, IndexError):
        raise InputError(f"band must be (low_hz, high_hz), got {band!r}") from None
    if not (0 < lo < hi):
        raise InputError(f"band must satisfy 0 < low < high (Hz), got ({lo}, {hi})")
    if hi >= fs / 2:
        raise InputError(f"band high edge {hi} Hz must be below Nyquist ({fs / 2} Hz at fs={fs} Hz)")
    return lo, hi


def as_signal(x: np.ndarray, name: str = "signal", min_len: int = 2) -> np.ndarray:
    """Return ``x`` as a finite 1-D float64 array or raise :class:`SignalError`."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        arr = np.squeeze(arr)
        if arr.ndim != 1:
            raise SignalError(f"{name} must be 1-D, got shape {np.shape(x)}")
    if arr.size < min_len:
        raise SignalError(f"{name} is too short: {arr.size} samples (need at least {min_len})")
    if not np.all(np.isfinite(arr)):
        raise SignalError(f"{name} contains NaN or inf; resample/interpolate gaps first")
    return arr


def detrend(x: np.ndarray, lam: float = 100.0) -> np.ndarray:
    """Smoothness-priors detrending (Tarvainen et al. 2002).

    Returns ``x - (I + lam**2 D2^T D2)^-1 x`` where D2 is the second-difference operator.
    ``lam`` follows the rPPG-Toolbox convention (its value 100 is squared inside), so
    ``detrend(x, 100)`` equals the toolbox's ``detrend(x, 100)``. The system is pentadiagonal
    and solved as a banded SPD system in O(N) time and memory (the reference code builds a
    dense N x N inverse, O(N^3)).

    Args:
        x: 1-D signal (any units).
        lam: smoothing parameter; larger removes slower trends only.
    """
    z = as_signal(x, "detrend input", min_len=1)
    n = z.size
    if n < 3:
        return z - z.mean()
    lam2 = float(lam) ** 2
    # D2^T D2 is symmetric pentadiagonal; build its upper bands for solveh_banded.
    main = np.full(n, 6.0)
    main[[0, -1]] = 1.0
    main[[1, -2]] = 5.0
    if n == 3:
        main = np.array([1.0, 4.0, 1.0])
    off1 = np.full(n - 1, -4.0)
    off1[[0, -1]] = -2.0
    off2 = np.ones(n - 2)
    ab = np.zeros((3, n))
    ab[2] = 1.0 + lam2 * main
    ab[1, 1:] = lam2 * off1
    ab[0, 2:] = lam2 * off2
    from scipy import linalg  # lazy: keeps scipy out of the CLI's start-up

    trend = linalg.solveh_banded(ab, z, lower=False, check_finite=False)
    return z - trend


def bandpass(
    x: np.ndarray,
    fs: float,
    band: tuple[float, float],
    order: int = 1,
    zero_phase: bool = True,
) -> np.ndarray:
    """Butterworth band-pass with the band in Hz.

    ``order`` is the Butterworth prototype order as passed to ``scipy.signal.butter`` (the
    toolbox uses 1: one second-order section). Zero-phase (``filtfilt``) by default. Orders up
    to 2 use the transfer-function form with ``filtfilt``'s default padding, exactly like the
    reference code; higher orders use second-order sections for numerical stability.

    Args:
        x: 1-D signal.
        fs: sampling rate in Hz.
        band: (low, high) pass band in Hz.
        order: Butterworth order (>= 1).
        zero_phase: forward-backward filtering (no phase shift) if True, causal otherwise.
    """
    fs = check_fs(fs)
    lo, hi = check_band(band, fs)
    if order < 1:
        raise InputError(f"filter order must be >= 1, got {order}")
    z = as_signal(x, "band-pass input")
    from scipy import signal  # lazy: scipy.signal costs ~1 s to import; the CLI starts without it

    if order <= 2:
        b, a = signal.butter(order, [lo, hi], btype="bandpass", fs=fs)
        if not zero_phase:
            return signal.lfilter(b, a, z)
        padlen = 3 * max(len(a), len(b))
        if z.size <= padlen:
            raise SignalError(
                f"signal too short for zero-phase filtering: {z.size} samples (need > {padlen})"
            )
        return signal.filtfilt(b, a, z)
    sos = signal.butter(order, [lo, hi], btype="bandpass", fs=fs, output="sos")
    if not zero_phase:
        return signal.sosfilt(sos, z)
    padlen = 3 * (2 * len(sos) + 1)
    if z.size <= padlen:
        raise SignalError(f"signal too short for zero-phase filtering: {z.size} samples (need > {padlen})")
    return signal.sosfiltfilt(sos, z)
