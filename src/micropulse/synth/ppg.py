"""A physiologically shaped photoplethysmogram (PPG) with known heart rate, for synthetic videos.

Each beat is the sum of two Gaussian waves in cardiac phase: the systolic wave and a smaller, later
diastolic (reflected) wave, with a dicrotic notch between them. The instantaneous heart rate varies
beat to beat: respiratory sinus arrhythmia at the breathing rate, a slow Mayer wave near 0.1 Hz and a
small random component; breathing also modulates the baseline (intensity variation) and the pulse
amplitude. Everything is deterministic by seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from micropulse.errors import InputError

# Beat shape in cardiac phase (0..1 of one beat): centre, width (both in phase units), amplitude.
SYSTOLIC = (0.20, 0.10, 1.00)
DIASTOLIC = (0.50, 0.11, 0.35)
MAYER_HZ = 0.1  # slow blood-pressure (Mayer) wave that modulates heart rate, Hz


@dataclass(frozen=True)
class PPGWave:
    """A synthetic PPG sampled at ``t_s``.

    Attributes:
        t_s: sample times, seconds.
        bvp: the pulse waveform, zero mean, about unit peak-to-peak (unitless).
        hr_bpm: instantaneous heart rate at each sample, beats per minute.
        resp_bpm: breathing rate, breaths per minute.
    """

    t_s: np.ndarray
    bvp: np.ndarray
    hr_bpm: np.ndarray
    resp_bpm: float

    @property
    def mean_hr_bpm(self) -> float:
        """Mean instantaneous heart rate, bpm (the truth the spectral peak converges to)."""
        return float(np.mean(self.hr_bpm))

    def to_dict(self) -> dict:
        return {
            "t_s": self.t_s.tolist(),
            "bvp": self.bvp.tolist(),
            "hr_bpm": self.hr_bpm.tolist(),
            "resp_bpm": self.resp_bpm,
        }


def _beat_shape(phase: np.ndarray) -> np.ndarray:
    """One beat per unit of ``phase``: systolic + diastolic Gaussian waves (wrapped in phase)."""
    frac = phase - np.floor(phase)
    out = np.zeros_like(frac)
    for centre, width, amp in (SYSTOLIC, DIASTOLIC):
        d = frac - centre
        d -= np.round(d)  # wrap to [-0.5, 0.5) so a wave spills smoothly into the next beat
        out += amp * np.exp(-0.5 * (d / width) ** 2)
    return out


def _smooth_noise(rng: np.random.Generator, t_s: np.ndarray, cutoff_hz: float) -> np.ndarray:
    """Zero-mean, unit-std random signal band-limited below ``cutoff_hz`` (sum of random sinusoids)."""
    n_waves = 12
    freqs = rng.uniform(0.2 * cutoff_hz, cutoff_hz, n_waves)
    phases = rng.uniform(0, 2 * np.pi, n_waves)
    sig = np.sin(2 * np.pi * freqs[:, None] * t_s[None, :] + phases[:, None]).sum(axis=0)
    return sig / np.sqrt(n_waves / 2)


def ppg_waveform(
    t_s: np.ndarray,
    hr_bpm: float = 72.0,
    *,
    hr_series: np.ndarray | None = None,
    seed: int = 0,
    hrv_bpm: float = 1.5,
    resp_bpm: float = 15.0,
    rsa_bpm: float = 2.0,
    baseline_depth: float = 0.15,
    amplitude_depth: float = 0.15,
) -> PPGWave:
    """Synthesise a PPG at the sample times ``t_s``.

    Args:
        t_s: increasing sample times, seconds (need not be uniform).
        hr_bpm: mean heart rate, bpm; the variability added below has zero mean, so the mean of the
            returned instantaneous HR equals ``hr_bpm`` exactly.
        hr_series: instead of ``hr_bpm`` + variability, the instantaneous HR at each sample, bpm.
        seed: random seed (phases of the variability components, beat phase).
        hrv_bpm: std of the slow (Mayer-wave + random) heart-rate variability, bpm.
        resp_bpm: breathing rate, breaths per minute.
        rsa_bpm: amplitude of respiratory sinus arrhythmia (HR modulation at the breathing rate), bpm.
        baseline_depth: breathing-driven baseline wander, as a fraction of the pulse peak-to-peak.
        amplitude_depth: breathing-driven pulse amplitude modulation (fraction, 0..1).

    Returns:
        :class:`PPGWave` with the BVP (zero mean, about unit peak-to-peak) and the instantaneous HR.
    """
    t = np.asarray(t_s, dtype=np.float64)
    if t.ndim != 1 or t.size < 2 or not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
        raise InputError("t_s must be a 1-D, finite, strictly increasing array of >= 2 times (seconds)")
    if not 0 < resp_bpm < 60:
        raise InputError(f"resp_bpm must be in (0, 60) breaths/min, got {resp_bpm}")
    rng = np.random.default_rng(seed)
    resp_hz = resp_bpm / 60.0
    resp_phase = rng.uniform(0, 2 * np.pi)
    resp = np.sin(2 * np.pi * resp_hz * t + resp_phase)

    if hr_series is not None:
        hr = np.asarray(hr_series, dtype=np.float64)
        if hr.shape != t.shape or not np.all(np.isfinite(hr)) or np.any(hr <= 0):
            raise InputError("hr_series must be positive, finite and have one value per sample of t_s")
    else:
        if not 20 <= hr_bpm <= 250:
            raise InputError(f"hr_bpm must be within 20..250 bpm, got {hr_bpm}")
        mayer = np.sin(2 * np.pi * MAYER_HZ * t + rng.uniform(0, 2 * np.pi))
        slow = 0.5 * mayer + 0.5 * _smooth_noise(rng, t, cutoff_hz=0.15)
        hr = hr_bpm + hrv_bpm * slow / max(np.std(slow), 1e-9) + rsa_bpm * resp
        hr += hr_bpm - np.mean(hr)  # the mean instantaneous HR is exactly hr_bpm
    # Phase = integral of the instantaneous frequency (trapezoid rule over the sample times).
    f = hr / 60.0
    phase = np.concatenate([[0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(t))])
    phase += rng.uniform(0, 1)
    beat = _beat_shape(phase)
    beat = (beat - beat.mean()) / max(np.ptp(beat), 1e-9)
    bvp = beat * (1.0 + amplitude_depth * resp) + baseline_depth * resp
    bvp -= bvp.mean()
    return PPGWave(t_s=t, bvp=bvp, hr_bpm=hr, resp_bpm=float(resp_bpm))
