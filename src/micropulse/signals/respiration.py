"""Respiration rate from a pulse wave: baseline, amplitude and frequency modulation, fused.

Breathing modulates the pulse wave three ways (Karlen et al., IEEE TBME 2013): the baseline
(BW: intensity at each systolic peak), the pulse amplitude (AM: peak minus preceding trough)
and the beat rate (FM: the inter-beat intervals, respiratory sinus arrhythmia). Each series is
sampled at the beats, resampled to 4 Hz, and its Welch spectrum normalised to unit power in
the respiration band (6-42 breaths/min, capped below half the heart rate, the Nyquist rate of
a beat-sampled series). The three spectra are averaged and the peak of the mean is the rate.
The rate is None when fewer than two of the three modulations peak within
``AGREE_BPM`` breaths/min of the fused rate (no consistent breathing signal), when the fused
peak sits on a band edge (a trend, not a breath), or when the
recording holds fewer than ``MIN_BEATS`` beats.
"""

from __future__ import annotations

import numpy as np

from micropulse.signals import spectrum
from micropulse.signals.beats import detect_beats, pulse_polarity
from micropulse.signals.filters import as_signal, bandpass, check_fs
from micropulse.signals.types import Beats

RESP_BAND_HZ = (0.1, 0.7)
RESAMPLE_HZ = 4.0
AGREE_BPM = 2.0
MIN_BEATS = 15


def _modulations(x: np.ndarray, beats: Beats) -> tuple[np.ndarray, list[np.ndarray]]:
    """Beat times (s) and the BW, AM, FM series (one value per beat interval)."""
    idx = beats.indices
    peaks = np.empty(idx.size - 1)
    troughs = np.empty(idx.size - 1)
    for i in range(idx.size - 1):
        seg = x[idx[i] : idx[i + 1] + 1]
        peaks[i] = seg.max()
        prev = x[idx[i - 1] if i > 0 else max(0, idx[i] - (idx[i + 1] - idx[i])) : idx[i] + 1]
        troughs[i] = prev.min()
    ok = beats.ibi_valid
    t = beats.times_s[1:]
    return t[ok], [peaks[ok], (peaks - troughs)[ok], beats.ibi_ms[ok]]


def respiration_rate(
    signal: np.ndarray,
    fs: float,
    beats: Beats | None = None,
    band_hz: tuple[float, float] = RESP_BAND_HZ,
) -> float | None:
    """Respiration rate in breaths/min from a pulse wave at ``fs`` Hz, or None.

    Args:
        signal: 1-D pulse wave (PPG/BVP) at ``fs`` Hz; at least ~30 s for a useful answer.
        fs: sampling rate in Hz.
        beats: beats already detected in ``signal`` (detected here when None).
        band_hz: respiration band in Hz (default 0.1-0.7 Hz = 6-42 breaths/min).
    """
    fs = check_fs(fs)
    x = as_signal(signal, "pulse signal", min_len=16)
    if beats is None:
        beats = detect_beats(x, fs)
    if beats.clean_ibi_ms.size < MIN_BEATS:
        return None
    sign = float(pulse_polarity(x, fs))
    hi_pass = min(8.0, 0.45 * fs)
    z = sign * bandpass(x - x.mean(), fs, (0.05, hi_pass), order=2) if x.size > 30 else sign * x
    t, series = _modulations(z, beats)
    if t.size < MIN_BEATS or t[-1] - t[0] < 10.0:
        return None
    hr_hz = 1000.0 / np.median(beats.clean_ibi_ms)
    band = (band_hz[0], min(band_hz[1], 0.5 * hr_hz))
    if band[1] <= band[0]:
        return None
    tu = np.arange(t[0], t[-1], 1.0 / RESAMPLE_HZ)
    nper = int(min(tu.size, 64 * RESAMPLE_HZ))
    fused = None
    peaks = []
    for s in series:
        y = np.interp(tu, t, s)
        y = y - np.polyval(np.polyfit(tu, y, 1), tu)
        f, p = spectrum.welch(y, RESAMPLE_HZ, nperseg=nper, nfft=max(4096, nper))
        m = spectrum.band_mask(f, band)
        pm = p[m]
        total = pm.sum()
        if not np.isfinite(total) or total <= 0:
            continue
        pm = pm / total
        peaks.append(f[m][np.argmax(pm)] * 60.0)
        fused = pm if fused is None else fused + pm
    if fused is None:
        return None
    fm = f[m]
    rate = spectrum.refine_peak(fm, fused, int(np.argmax(fused))) * 60.0
    agree = sum(abs(pk - rate) <= AGREE_BPM for pk in peaks)
    edge = min(rate - band[0] * 60.0, band[1] * 60.0 - rate) < 0.5
    if agree < 2 or edge:  # no consistent peak, or a trend leaking in at the band edge
        return None
    return float(np.clip(rate, band[0] * 60.0, band[1] * 60.0))
