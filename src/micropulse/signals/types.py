"""Typed results of the signal layer: frozen dataclasses with units and ``to_dict()`` for JSON."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np


def _num(x: float | None, ndigits: int = 4) -> float | None:
    """A JSON-safe float (None for missing / non-finite values)."""
    if x is None:
        return None
    x = float(x)
    return round(x, ndigits) if math.isfinite(x) else None


@dataclass(frozen=True)
class HeartRate:
    """One heart-rate estimate.

    Attributes:
        bpm: heart rate in beats per minute (always inside ``band_hz`` x 60).
        confidence: in [0, 1]; how clearly the estimate stands out (spectral peak power
            fraction for spectral methods, inter-beat regularity for ``peaks``).
        method: estimator name ("welch", "periodogram", "peaks").
        band_hz: (low, high) search band in Hz.
        reliable: False when the number should not be trusted (too short a recording, poor or
            undefined signal quality, the estimate on a band edge, ...); the number is still
            given, never as a confident answer.
        reason: why ``reliable`` is False ("; "-separated), empty when reliable.
    """

    bpm: float
    confidence: float
    method: str
    band_hz: tuple[float, float]
    reliable: bool = True
    reason: str = ""

    def flag(self, reason: str) -> HeartRate:
        """A copy marked unreliable, with ``reason`` added to the reasons already given."""
        reasons = [r for r in (self.reason, reason) if r]
        return replace(self, reliable=False, reason="; ".join(reasons))

    def to_dict(self) -> dict:
        return {
            "bpm": _num(self.bpm),
            "confidence": _num(self.confidence),
            "method": self.method,
            "band_hz": [float(self.band_hz[0]), float(self.band_hz[1])],
            "reliable": bool(self.reliable),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class HRSeries:
    """Heart rate over time from sliding windows.

    Attributes:
        times_s: window centres in seconds from the first sample.
        bpm: heart rate per window (bpm).
        confidence: per-window confidence in [0, 1].
        window_s, hop_s: window length and hop in seconds.
        method, band_hz: estimator and band (Hz).
    """

    times_s: np.ndarray
    bpm: np.ndarray
    confidence: np.ndarray
    window_s: float
    hop_s: float
    method: str
    band_hz: tuple[float, float]

    def __len__(self) -> int:
        return int(self.bpm.size)

    def to_dict(self) -> dict:
        return {
            "times_s": [_num(t) for t in self.times_s],
            "bpm": [_num(b) for b in self.bpm],
            "confidence": [_num(c) for c in self.confidence],
            "window_s": float(self.window_s),
            "hop_s": float(self.hop_s),
            "method": self.method,
            "band_hz": [float(self.band_hz[0]), float(self.band_hz[1])],
        }


@dataclass(frozen=True)
class Beats:
    """Detected beats of a pulse wave.

    Attributes:
        indices: sample index of each beat (nearest sample).
        times_s: beat times in seconds (sub-sample precision).
        ibi_ms: inter-beat intervals in ms (``len(times_s) - 1`` values).
        ibi_valid: per-interval flag; False for intervals rejected as artefacts.
        fs: sampling rate in Hz of the signal the beats were found in.
    """

    indices: np.ndarray
    times_s: np.ndarray
    ibi_ms: np.ndarray
    ibi_valid: np.ndarray
    fs: float

    @property
    def n_beats(self) -> int:
        return int(self.times_s.size)

    @property
    def clean_ibi_ms(self) -> np.ndarray:
        """Intervals that passed artefact rejection (ms)."""
        return self.ibi_ms[self.ibi_valid]

    def to_dict(self) -> dict:
        return {
            "times_s": [_num(t) for t in self.times_s],
            "ibi_ms": [_num(v, 2) for v in self.ibi_ms],
            "ibi_valid": [bool(v) for v in self.ibi_valid],
            "fs": float(self.fs),
        }


@dataclass(frozen=True)
class HRV:
    """Heart-rate variability from inter-beat intervals.

    Time-domain values in ms, pNN50 as a fraction in [0, 1], LF/HF dimensionless
    (None when the recording is too short for the LF band). ``reliable`` is False when
    the signal quality is poor or too few clean beats were found: do not trust the numbers.
    """

    sdnn_ms: float | None
    rmssd_ms: float | None
    pnn50: float | None
    sd1_ms: float | None
    sd2_ms: float | None
    lf_hf: float | None
    mean_hr_bpm: float | None
    n_beats: int
    n_rejected: int
    reliable: bool
    reason: str = ""

    def to_dict(self) -> dict:
        return {
            "sdnn_ms": _num(self.sdnn_ms),
            "rmssd_ms": _num(self.rmssd_ms),
            "pnn50": _num(self.pnn50),
            "sd1_ms": _num(self.sd1_ms),
            "sd2_ms": _num(self.sd2_ms),
            "lf_hf": _num(self.lf_hf),
            "mean_hr_bpm": _num(self.mean_hr_bpm),
            "n_beats": int(self.n_beats),
            "n_rejected": int(self.n_rejected),
            "reliable": bool(self.reliable),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class PulseSummary:
    """Everything micropulse reports about one pulse wave.

    Attributes:
        hr: global heart rate (bpm, confidence, method, band, ``reliable`` and its ``reason``).
        hr_series: heart rate over time (None when the signal is shorter than one window).
        hrv: heart-rate variability (``reliable`` flag included).
        respiration_bpm: breaths per minute, or None when no consistent rate is found.
        snr_db: toolbox SNR (10*log10) around the estimated HR and its 2nd harmonic, in dB, of
            the wave after the toolbox post-processing (detrend lambda 100, order-1 band-pass);
            NaN (null in JSON) when undefined (no spectral bin in the band outside the HR windows).
        quality: signal-quality index in [0, 1]; NaN (null in JSON) when undefined.
        band_hz: HR search band in Hz.
        method: HR estimator name.
        fs: sampling rate in Hz; duration_s: signal length in seconds.
    """

    hr: HeartRate
    hr_series: HRSeries | None
    hrv: HRV
    respiration_bpm: float | None
    snr_db: float
    quality: float
    band_hz: tuple[float, float]
    method: str
    fs: float
    duration_s: float
    beats: Beats | None = field(default=None, repr=False)

    @property
    def hr_bpm(self) -> float:
        return self.hr.bpm

    def to_dict(self) -> dict:
        hrv = self.hrv.to_dict()
        return {
            "hr_bpm": _num(self.hr.bpm),
            "hr_confidence": _num(self.hr.confidence),
            "hr_reliable": bool(self.hr.reliable),
            "hr_reason": self.hr.reason,
            "hrv": hrv,
            "respiration_bpm": _num(self.respiration_bpm),
            "snr_db": _num(self.snr_db),
            "quality": _num(self.quality),
            "band_hz": [float(self.band_hz[0]), float(self.band_hz[1])],
            "method": self.method,
            "fs": float(self.fs),
            "duration_s": _num(self.duration_s),
            "hr_series": None if self.hr_series is None else self.hr_series.to_dict(),
        }
