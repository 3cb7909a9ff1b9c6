"""Test-only synthetic PPG with known beat times (Gaussian systolic + diastolic waves)."""

from __future__ import annotations

import numpy as np


def beat_times(ibi_s: np.ndarray, t0: float = 0.5) -> np.ndarray:
    """Beat onset times (s) from a sequence of inter-beat intervals (s)."""
    return t0 + np.concatenate([[0.0], np.cumsum(ibi_s)])


def ppg_from_beats(
    times_s: np.ndarray,
    fs: float,
    duration_s: float,
    noise: float = 0.0,
    resp_hz: float | None = None,
    resp_depth: float = 0.0,
    seed: int = 0,
) -> np.ndarray:
    """A PPG-like wave: each beat is a fast rise to a systolic peak plus a smaller diastolic wave.

    The steepest upstroke of each beat is at ``t_beat`` (the rise is a Gaussian flank centred
    there). ``resp_hz``/``resp_depth`` add baseline and amplitude modulation.
    """
    t = np.arange(int(round(duration_s * fs))) / fs
    x = np.zeros_like(t)
    for tb in times_s:
        # Rise: a Gaussian peak 0.1 s after the steepest point (sigma 0.1 s).
        x += np.exp(-0.5 * ((t - (tb + 0.1)) / 0.1) ** 2)
        x += 0.35 * np.exp(-0.5 * ((t - (tb + 0.42)) / 0.12) ** 2)
    if resp_hz is not None:
        mod = np.sin(2 * np.pi * resp_hz * t)
        x = x * (1 + resp_depth * mod) + resp_depth * mod
    rng = np.random.default_rng(seed)
    return x + noise * rng.standard_normal(t.size)


def regular_ppg(hr_bpm: float, fs: float, duration_s: float, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """A PPG with a constant heart rate (bpm)."""
    n = int(duration_s * hr_bpm / 60.0) + 2
    return ppg_from_beats(beat_times(np.full(n, 60.0 / hr_bpm)), fs, duration_s, noise=noise, seed=seed)
