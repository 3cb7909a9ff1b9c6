"""Signal-to-noise ratio as the rPPG-Toolbox defines it, and a signal-quality index in [0, 1].

SNR (spec rppg.md 4.2 step 5 / 4.3): boxcar periodogram (nfft = next power of 2, no detrend);
power within +-6 bpm (0.1 Hz) of the HR and of 2 x HR versus the power in the rest of the
band. ``db=10`` gives 10*log10 of the power ratio (toolbox HEAD, PR #344), ``db=20`` gives
20*log10 (toolbox at NeurIPS-2023 time and the RhythmFormer/Mamba forks).

Both measures compare the power at the HR with the power elsewhere in the band. When the band
holds no spectral bin outside the HR windows (a band narrower than the windows, or a signal so
short that its spectrum has one bin in the band) there is nothing to compare with: both are NaN
(undefined), never a "perfect" 200 dB / 1.0.
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
#: Quality index below which an HR (and HRV) is reported as unreliable (noise scores ~0-0.2, a clean
#: pulse ~0.7-0.95; see :func:`quality_index`).
MIN_QUALITY = 0.25
#: Width (Hz) of the running median that estimates the spectrum's noise floor in :func:`quality_index`.
FLOOR_WIDTH_HZ = 1.0


def quality_problem(quality: float | None) -> str | None:
    """Why a quality index makes a result unreliable (None when it does not): below
    :data:`MIN_QUALITY`, or undefined (NaN: the band is too narrow to tell the pulse from noise)."""
    if quality is None:
        return None
    if not np.isfinite(quality):
        return "signal quality undefined (the band holds no spectral bin outside the HR windows)"
    if quality < MIN_QUALITY:
        return f"signal quality {quality:.2f} < {MIN_QUALITY}"
    return None


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
        SNR in dB, clipped to +-SNR_CLIP_DB; NaN when the band has no bin outside the HR windows
        (no noise to compare with: the SNR is undefined, not perfect).
    """
    fs = check_fs(fs)
    band = check_band(band, fs)
    if db not in (10, 20):
        raise InputError(f"db must be 10 or 20, got {db}")
    x = as_signal(signal, "pulse signal", min_len=2)
    f, p = spectrum.periodogram(x, fs, detrend=False)
    h1, h2, rest = harmonic_masks(f, float(hr_bpm), band)
    if not rest.any():
        return float("nan")
    sig = float(p[h1].sum() + p[h2].sum())
    noise = float(p[rest].sum())
    tiny = np.finfo(np.float64).tiny
    value = db * np.log10(max(sig, tiny) / max(noise, tiny))
    return float(np.clip(value, -SNR_CLIP_DB, SNR_CLIP_DB))


def quality_index(signal: np.ndarray, fs: float, hr_bpm: float, band: tuple[float, float]) -> float:
    """Signal-quality index in [0, 1]: share of in-band power that stands *above the local noise
    floor* at the HR and its 2nd harmonic.

    Computed on a Welch spectrum (Hann, 12 s segments) so that it does not depend on the recording
    length. The floor is the running median of the spectrum over :data:`FLOOR_WIDTH_HZ`; only the
    power above it counts, so a sloped noise spectrum (a random walk, baseline wander, 1/f noise)
    or a flat one scores near 0 instead of the share its slope or level puts in the +-6 bpm windows.
    A clean pulse scores ~0.7-0.95, white / 1/f / random-walk noise, motion spikes and
    respiration alone score < :data:`MIN_QUALITY` (tests/signals/test_quality_bad.py). 0 for a flat
    signal. NaN when the band holds no spectral bin outside the HR windows (too narrow to tell the
    pulse from noise).
    """
    from scipy.ndimage import median_filter

    fs = check_fs(fs)
    band = check_band(band, fs)
    x = as_signal(signal, "pulse signal", min_len=2)
    if np.ptp(x) <= 1e-12 * max(1.0, float(np.max(np.abs(x)))):
        return 0.0
    x, fs = spectrum.decimate_for_band(x, fs, band[1])
    nper = int(min(x.size, 12 * fs))
    f, p = spectrum.welch(x, fs, nperseg=nper, nfft=spectrum.next_pow2(max(nper, int(fs * 240))))
    h1, h2, rest = harmonic_masks(f, float(hr_bpm), band)
    if not rest.any():
        return float("nan")
    inband = spectrum.band_mask(f, band)
    total = float(p[inband].sum())
    if not np.isfinite(total) or total <= 0:
        return 0.0
    width = max(3, int(round(FLOOR_WIDTH_HZ / (f[1] - f[0]))) | 1)
    floor = median_filter(p, size=width, mode="nearest")
    sig = float(np.clip(p - floor, 0.0, None)[(h1 | h2) & inband].sum())
    return float(np.clip(sig / total, 0.0, 1.0))
