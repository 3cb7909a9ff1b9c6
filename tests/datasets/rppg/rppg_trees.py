"""Fixture trees in the layouts of the eight rPPG datasets, written by :mod:`micropulse.synth.rppg_trees`
(small: 64x64 pixels, a few seconds), and test-side HR estimators."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from micropulse.synth import rppg_trees as W
from micropulse.synth.rppg_trees import PulseClip as Clip

__all__ = ["Clip", "beat_hr", "check_truth", "hr_of", "make_clip", "make_tree"]


def make_clip(tmp: Path, hr_bpm: float, seed: int, seconds: float = 8.0, fps: float = 30.0) -> Clip:
    """A 64x64 synthetic clip in memory (``tmp`` is unused: kept for the fixtures' call signature)."""
    return W.make_clip(hr_bpm, seed, seconds=seconds, fps=fps, size=64)


def make_tree(name: str, root: Path, clips: dict[float, Clip]) -> dict[str, Clip]:
    """Write the named dataset's layout under ``root``; return {video id: clip (its truth)}."""
    a, b, c = clips[58.0], clips[74.0], clips[96.0]
    writers = {
        "ubfc-rppg": lambda: W.write_ubfc2(root, {10: a, 2: b, 1: c}),
        "ubfc-rppg-1": lambda: W.write_ubfc1(root, {11: a, 5: b}),
        "pure": lambda: W.write_pure(root, {(1, 1): a, (1, 2): b, (10, 1): c}),
        "mmpd": lambda: W.write_mmpd(root, {(1, 0): a, (1, 1): b, (2, 0): c}),
        "ubfc-phys": lambda: W.write_ubfc_phys(
            root, {(1, 1): clips[35.0], (1, 2): clips[35.0], (3, 1): clips[35.0]}
        ),
        "ibvp": lambda: W.write_ibvp(root, {(1, "a"): a, (1, "b"): b, (2, "a"): c}),
        "scamps": lambda: W.write_scamps(root, {("Train", 1): a, ("Test", 2): b}),
        "cohface": lambda: W.write_cohface(root, {(1, 0): clips[20.0], (12, 3): clips[20.0]}),
        "vipl-hr": lambda: W.write_vipl(root, {(1, "v1", 1): a, (1, "v1", 2): b, (2, "v9-2", 3): c}),
    }
    return writers[name]()


def hr_of(values: np.ndarray, times: np.ndarray, band=(0.7, 3.0)) -> float:
    """Test-side spectral HR (bpm): uniform 30 Hz resampling, then the zero-padded periodogram peak."""
    t = np.arange(times[0], times[-1], 1 / 30.0)
    x = np.interp(t, times, values)
    x = (x - x.mean()) * np.hanning(x.size)
    nfft = 2**18
    spec = np.abs(np.fft.rfft(x, nfft)) ** 2
    f = np.fft.rfftfreq(nfft, 1 / 30.0)
    m = (f >= band[0]) & (f <= band[1])
    return float(f[m][np.argmax(spec[m])] * 60)


def beat_hr(values: np.ndarray, times: np.ndarray) -> tuple[float, float, float]:
    """Test-side beat HR: systolic peaks (cubic resampling to 300 Hz, parabolic refinement).

    Returns (bpm, first peak s, last peak s); bpm = beats / time between first and last peak, which
    equals the time-average of the instantaneous HR over that span.
    """
    from scipy.interpolate import CubicSpline
    from scipy.signal import find_peaks

    fs = 300.0
    t = np.arange(times[0], times[-1], 1 / fs)
    x = CubicSpline(times, values)(t)
    idx, _ = find_peaks(x, distance=int(fs * 0.4), prominence=0.4 * np.ptp(x))
    idx = idx[(idx > 0) & (idx < x.size - 1)]
    a, b, c = x[idx - 1], x[idx], x[idx + 1]
    tp = t[idx] + 0.5 * (a - c) / (a - 2 * b + c) / fs
    return 60.0 * (tp.size - 1) / (tp[-1] - tp[0]), float(tp[0]), float(tp[-1])


def check_truth(values: np.ndarray, times: np.ndarray, clip: Clip, tol: float = 0.5) -> None:
    """HR from loaded ground truth within ``tol`` bpm of the HR the synthetic clip put in."""
    bpm, t0, t1 = beat_hr(values, times)
    assert abs(bpm - clip.mean_hr(t0, t1)) <= tol, (bpm, clip.mean_hr(t0, t1))
    assert abs(hr_of(values, times) - clip.hr_bpm) <= 3.0  # spectral peak near the nominal HR (HRV moves it)
