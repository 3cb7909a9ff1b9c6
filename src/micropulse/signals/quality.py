"""Signal-to-noise ratio as the rPPG-Toolbox defines it, and a signal-quality index in [0, 1].

SNR (spec rppg.md 4.2 step 5 / 4.3): boxcar periodogram (nfft = next power of 2, no detrend);
power within +-6 bpm (0.1 Hz) of the HR and of 2 x HR versus the power in the rest of the
band. ``db=10`` gives 10*log10 of the power ratio (toolbox HEAD, PR #344), ``db=20`` gives
20*log10 (toolbox at NeurIPS-2023 time and the RhythmFormer/Mamba forks).
"""

from __future__ import annotations

import numpy as np

from micropulse.errors import InputError
from micropulse.signals import spectrum
from micropulse.signals.filters import as_signal, check_band, check_fs

#: Half width of the HR and harmonic windows of the SNR, in Hz (6 bpm).
SNR_HALF_WIDTH_HZ = 6.0 / 60.0
#: SNR values are clipped to +-this many dB so that no inf escapes (pure tones, zero noise).
SNR_CLIP_DB = 200.0


def harmonic_masks(freqs: np.ndarray, hr_bpm: float, band: tuple[float, float]):
    """Boolean masks (fundamental, 2nd harmonic, rest of band) over ``freqs`` (Hz)."""
    f1 = hr_bpm / 60.0
    h1 = (freqs >= f1 - SNR_HALF_WIDTH_HZ) & (freqs <= f1 + SNR_HALF_WIDTH_HZ)
    h2 = (freqs >= 2 * f1 - SNR_HALF_WIDTH_HZ) & (freqs <= 2 * f1 + SNR_HALF_WIDTH_HZ)
    rest = spectrum.band_mask(freqs, band) & ~h1 & ~h2
    return h1, h2, rest


def snr_db(signal: np.ndarray, fs: float, hr_bpm: float, band: tuple[float, float], db: int = 10) -> float:
    """Toolbox SNR in dB of a pulse wave around a heart rate.

    Args:
        signal: 1-D pulse wave at ``fs`` Hz (usually the post-processed prediction).
        fs: sampling rate in Hz.
        hr_bpm: heart rate in bpm (the toolbox uses the ground-truth HR).
        band: (low, high) band in Hz whose remainder is the noise.
        db: 10 (power ratio, toolbox HEAD) or 20 (toolbox 2023 / forks).

    Returns:
        SNR in dB, finite (clipped to +-SNR_CLIP_DB).
    """
    fs = check_fs(fs)
    band = check_band(band, fs)
    if db not in (10, 20):
        raise InputError(f"db must be 10 or 20, got {db}")
    x = as_signal(signal, "pulse signal", min_len=2)
    f, p = spectrum.periodogram(x, fs, detrend=False)
    h1, h2, rest = harmonic_masks(f, float(hr_bpm), band)
    sig = float(p[h1].sum() + p[h2].sum())
    noise = float(p[rest].sum())
    tiny = np.finfo(np.float64).tiny
    value = db * np.log10(max(sig, tiny) / max(noise, tiny))
    return float(np.clip(value, -SNR_CLIP_DB, SNR_CLIP_DB))


def quality_index(signal: np.ndarray, fs: float, hr_bpm: float, band: tuple[float, float]) -> float:
    """Signal-quality index in [0, 1]: share of in-band power at the HR and its 2nd harmonic.

    Computed on a Welch spectrum (Hann, 12 s segments) so that it does not depend on the
    recording length: a clean pulse scores ~0.6-0.9, noise ~0.1-0.2 (the share a flat
    spectrum puts in the +-6 bpm windows). 0 for a flat signal.
    """
    fs = check_fs(fs)
    band = check_band(band, fs)
    x = as_signal(signal, "pulse signal", min_len=2)
    if np.ptp(x) <= 1e-12 * max(1.0, float(np.max(np.abs(x)))):
        return 0.0
    x, fs = spectrum.decimate_for_band(x, fs, band[1])
    nper = int(min(x.size, 12 * fs))
    f, p = spectrum.welch(x, fs, nperseg=nper, nfft=spectrum.next_pow2(max(nper, int(fs * 240))))
    h1, h2, _ = harmonic_masks(f, float(hr_bpm), band)
    inband = spectrum.band_mask(f, band)
    total = float(p[inband].sum())
    if not np.isfinite(total) or total <= 0:
        return 0.0
    sig = float(p[(h1 | h2) & inband].sum())
    return float(np.clip(sig / total, 0.0, 1.0))
