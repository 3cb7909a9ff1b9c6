"""Power spectra of 1-D (or row-stacked 2-D) signals and in-band peak picking.

All frequencies are in Hz. The functions accept ``x`` of shape (N,) or (W, N) (one signal per
row, e.g. sliding windows) and return ``(freqs_hz, psd)`` with psd of shape (..., F).
"""

from __future__ import annotations

import numpy as np


def next_pow2(n: int) -> int:
    """Smallest power of two >= ``n`` (the rPPG-Toolbox FFT length), at least 1."""
    return 1 << max(0, int(np.ceil(np.log2(max(1, int(n))))))


def periodogram(x: np.ndarray, fs: float, nfft: int | None = None, detrend: str | bool = False):
    """Boxcar periodogram (density), ``nfft`` defaulting to the next power of 2 >= N.

    ``detrend=False`` matches rPPG-Toolbox ``calculate_fft_hr`` (spec rppg.md 4.2 step 4).
    """
    from scipy import signal as sps  # lazy: scipy.signal takes ~1 s to import; the CLI starts without it

    n = np.shape(x)[-1]
    return sps.periodogram(x, fs=fs, nfft=next_pow2(n) if nfft is None else int(nfft), detrend=detrend)


def welch(x: np.ndarray, fs: float, nperseg: int, nfft: int | None = None, detrend: str | bool = "constant"):
    """Welch PSD (Hann window, 50 % overlap, density, one-sided) with ``nperseg`` samples per segment.

    Identical to ``scipy.signal.welch`` (tested); segments are framed and transformed in one
    vectorised call for ``detrend`` in (False, "constant"), which is ~5x faster on long inputs.
    """
    from scipy import signal as sps  # lazy: scipy.signal takes ~1 s to import; the CLI starts without it

    x = np.asarray(x, dtype=np.float64)
    n = x.shape[-1]
    nperseg = int(max(2, min(nperseg, n)))
    nfft = nperseg if nfft is None else int(max(nfft, nperseg))
    if detrend not in (False, "constant"):
        return sps.welch(x, fs=fs, nperseg=nperseg, nfft=nfft, detrend=detrend)
    step = nperseg - nperseg // 2
    frames = np.lib.stride_tricks.sliding_window_view(x, nperseg, axis=-1)[..., ::step, :]
    if detrend == "constant":
        frames = frames - frames.mean(axis=-1, keepdims=True)
    win = sps.get_window("hann", nperseg)
    spec = np.fft.rfft(frames * win, n=nfft, axis=-1)
    psd = (spec.real**2 + spec.imag**2).mean(axis=-2) / (fs * (win**2).sum())
    psd[..., 1 : (nfft + 1) // 2] *= 2.0  # one-sided: double all but DC (and Nyquist if even)
    return np.fft.rfftfreq(nfft, 1.0 / fs), psd


def decimate_for_band(x: np.ndarray, fs: float, hi_hz: float, ratio: float = 4.0) -> tuple[np.ndarray, float]:
    """Downsample ``x`` (last axis) by an integer factor keeping ``fs' >= ratio * hi_hz``.

    Spectral HR only needs the band below ``hi_hz``; a 100 Hz hour of PPG becomes 4x lighter.
    Uses ``resample_poly`` (FIR anti-aliasing, zero delay). Returns ``(x', fs')``.
    """
    q = int(np.floor(fs / (ratio * hi_hz)))
    if q < 2 or np.shape(x)[-1] < 64 * q:
        return x, fs
    from scipy import signal as sps  # lazy: scipy.signal takes ~1 s to import; the CLI starts without it

    return sps.resample_poly(x, 1, q, axis=-1), fs / q


def band_mask(freqs: np.ndarray, band: tuple[float, float], inclusive: bool = True) -> np.ndarray:
    """Boolean mask of ``freqs`` inside ``band`` (Hz)."""
    lo, hi = band
    if inclusive:
        return (freqs >= lo) & (freqs <= hi)
    return (freqs > lo) & (freqs < hi)


def refine_peak(freqs: np.ndarray, psd_row: np.ndarray, k: int) -> float:
    """Parabolic interpolation of a spectral peak at bin ``k``; returns the frequency in Hz."""
    if k <= 0 or k >= psd_row.size - 1:
        return float(freqs[k])
    a, b, c = psd_row[k - 1], psd_row[k], psd_row[k + 1]
    den = a - 2 * b + c
    if den >= 0 or not np.isfinite(den):
        return float(freqs[k])
    delta = float(np.clip(0.5 * (a - c) / den, -0.5, 0.5))
    return float(freqs[k] + delta * (freqs[1] - freqs[0]))


def peak_power_fraction(
    freqs: np.ndarray, psd: np.ndarray, f0: np.ndarray, band: tuple[float, float], half_width_hz: float = 0.1
) -> np.ndarray:
    """Fraction of in-band power within +-``half_width_hz`` of ``f0`` (one f0 per row), in [0, 1]."""
    psd2 = np.atleast_2d(psd)
    f0 = np.atleast_1d(np.asarray(f0, dtype=np.float64))
    inband = band_mask(freqs, band)
    total = psd2[:, inband].sum(axis=1)
    near = np.abs(freqs[None, :] - f0[:, None]) <= half_width_hz
    peak = (psd2 * (near & inband[None, :])).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(total > 0, peak / total, 0.0)
    return np.clip(np.nan_to_num(frac, nan=0.0), 0.0, 1.0)
