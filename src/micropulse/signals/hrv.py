"""Heart-rate variability from a pulse wave (or from inter-beat intervals).

Time domain (ms): SDNN (sample std of clean intervals), RMSSD and pNN50 (from successive
differences of two adjacent clean intervals only, so a rejected beat never creates a fake
difference); Poincare SD1 = std(diff)/sqrt(2), SD2 = sqrt(2 SDNN^2 - SD1^2); frequency domain:
LF (0.04-0.15 Hz) / HF (0.15-0.4 Hz) power of the interval series resampled at 4 Hz (Welch),
only for recordings of at least 60 s.

``reliable`` is False when fewer than ``MIN_BEATS`` clean intervals remain, when more than
``MAX_REJECTED`` of the intervals were rejected as artefacts, or when the signal-quality index
is below ``micropulse.signals.quality.MIN_QUALITY`` (or undefined): the numbers are still returned, with the reason, never as confident.
"""

from __future__ import annotations

import numpy as np

from micropulse.signals import spectrum
from micropulse.signals.beats import detect_beats
from micropulse.signals.filters import check_fs
from micropulse.signals.quality import quality_index, quality_problem
from micropulse.signals.types import HRV, Beats

MIN_BEATS = 20
MAX_REJECTED = 0.2
LF_BAND_HZ = (0.04, 0.15)
HF_BAND_HZ = (0.15, 0.4)
MIN_LFHF_DURATION_S = 60.0
IBI_RESAMPLE_HZ = 4.0


def successive_differences(ibi_ms: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """Differences (ms) of adjacent intervals where both intervals are valid."""
    ibi = np.asarray(ibi_ms, dtype=np.float64)
    ok = np.ones(ibi.size, dtype=bool) if valid is None else np.asarray(valid, dtype=bool)
    both = ok[1:] & ok[:-1]
    return np.diff(ibi)[both]


def lf_hf_ratio(beat_times_s: np.ndarray, ibi_ms: np.ndarray, valid: np.ndarray) -> float | None:
    """LF/HF power ratio of the clean interval series; None when shorter than 60 s or degenerate."""
    t = np.asarray(beat_times_s, dtype=np.float64)[1:][valid]
    v = np.asarray(ibi_ms, dtype=np.float64)[valid]
    if v.size < 10 or t[-1] - t[0] < MIN_LFHF_DURATION_S:
        return None
    tu = np.arange(t[0], t[-1], 1.0 / IBI_RESAMPLE_HZ)
    y = np.interp(tu, t, v)
    y = y - y.mean()
    nper = min(y.size, 256)
    f, p = spectrum.welch(y, IBI_RESAMPLE_HZ, nperseg=nper, nfft=max(1024, nper), detrend="linear")
    lf = float(p[spectrum.band_mask(f, LF_BAND_HZ)].sum())
    hf = float(p[spectrum.band_mask(f, HF_BAND_HZ)].sum())
    if not (np.isfinite(lf) and np.isfinite(hf)) or hf <= 0:
        return None
    return lf / hf


def hrv_from_beats(beats: Beats, quality: float | None = None) -> HRV:
    """HRV metrics from detected beats (see module doc); ``quality`` in [0, 1] gates ``reliable``."""
    ibi, valid = beats.ibi_ms, beats.ibi_valid
    clean = ibi[valid]
    n_rej = int((~valid).sum())
    reasons = []
    if clean.size < MIN_BEATS:
        reasons.append(f"only {clean.size} clean intervals (need {MIN_BEATS})")
    if ibi.size and n_rej / ibi.size > MAX_REJECTED:
        reasons.append(f"{n_rej} of {ibi.size} intervals rejected as artefacts")
    poor = quality_problem(quality)
    if poor is not None:
        reasons.append(poor)
    if clean.size < 2:
        return HRV(None, None, None, None, None, None, None, beats.n_beats, n_rej, False, "; ".join(reasons))
    sdnn = float(np.std(clean, ddof=1))
    d = successive_differences(ibi, valid)
    if d.size:
        rmssd = float(np.sqrt(np.mean(d**2)))
        pnn50 = float(np.mean(np.abs(d) > 50.0))
        sd1 = float(np.std(d, ddof=1) / np.sqrt(2.0)) if d.size > 1 else None
    else:
        rmssd = pnn50 = sd1 = None
    sd2 = float(np.sqrt(max(0.0, 2 * sdnn**2 - sd1**2))) if sd1 is not None else None
    return HRV(
        sdnn_ms=sdnn,
        rmssd_ms=rmssd,
        pnn50=pnn50,
        sd1_ms=sd1,
        sd2_ms=sd2,
        lf_hf=lf_hf_ratio(beats.times_s, ibi, valid),
        mean_hr_bpm=float(60000.0 / clean.mean()),
        n_beats=beats.n_beats,
        n_rejected=n_rej,
        reliable=not reasons,
        reason="; ".join(reasons),
    )


def hrv(
    signal: np.ndarray,
    fs: float,
    band: tuple[float, float] = (0.5, 3.5),
    quality: float | None = None,
    invert: bool | None = None,
) -> HRV:
    """Heart-rate variability of a pulse wave sampled at ``fs`` Hz.

    Args:
        signal: 1-D pulse wave (PPG/BVP).
        fs: sampling rate in Hz.
        band: band in Hz of the beat detector's candidate search.
        quality: optional signal-quality index in [0, 1] (see :func:`quality_index`); when
            None it is computed from the spectrum at the beats' mean HR.
        invert: polarity (None: detect; see :func:`detect_beats`).

    Returns:
        :class:`HRV` (ms, fraction, ratio) with ``reliable`` and the reason when it is False.
    """
    fs = check_fs(fs)
    beats = detect_beats(signal, fs, band=band, invert=invert)
    if quality is None and beats.clean_ibi_ms.size >= 2:
        hr = float(np.clip(60000.0 / beats.clean_ibi_ms.mean(), 60 * band[0], 60 * min(band[1], 0.45 * fs)))
        quality = quality_index(signal, fs, hr, (band[0], min(band[1], 0.45 * fs)))
    return hrv_from_beats(beats, quality=quality)
