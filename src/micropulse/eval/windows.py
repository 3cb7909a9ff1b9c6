"""Per-video evaluation of a predicted BVP against the label waveform with a named recipe.

Whole video (default) or non-overlapping windows of ``window_s`` seconds (spec §4.1). The toolbox
keeps a last, shorter window when it has >= 9 samples; its order-1 ``filtfilt`` then fails on
exactly 9 (trap §9.17), so here the last window is kept when it has >= :data:`MIN_WINDOW` samples.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from micropulse.errors import InputError, SignalError
from micropulse.signals.recipes import get_recipe

MIN_WINDOW = 10  # samples; filtfilt with an order-1 band-pass needs more than 9


@dataclass(frozen=True)
class WindowResult:
    """HRs of one window (or the whole video): times in seconds from the first evaluated frame."""

    start_s: float
    end_s: float
    hr_pred_bpm: float
    hr_gt_bpm: float
    snr_db: float
    macc: float

    def to_dict(self) -> dict:
        return {k: float(v) for k, v in asdict(self).items()}


def window_bounds(n: int, fs: float, window_s: float | None) -> list[tuple[int, int]]:
    """Sample ranges [start, stop) of the evaluation windows over ``n`` samples at ``fs`` Hz."""
    if window_s is None or window_s <= 0:
        return [(0, n)]
    size = int(round(window_s * fs))
    if size < MIN_WINDOW:
        raise InputError(f"window of {window_s} s at {fs} Hz is shorter than {MIN_WINDOW} samples")
    out = [(s, min(s + size, n)) for s in range(0, n, size)]
    return [(a, b) for a, b in out if b - a >= MIN_WINDOW]


def evaluate_waveforms(
    pred: np.ndarray,
    label: np.ndarray,
    fs: float,
    recipe: str = "toolbox-2023",
    window_s: float | None = None,
    diff_normalized: bool = False,
) -> list[WindowResult]:
    """HR of prediction and label per window by the recipe, SNR of the prediction, MACC.

    Args:
        pred, label: BVP and ground-truth waveform on the same frames (same length), any units.
        fs: their sampling rate (the video's frame rate), Hz.
        recipe: ``toolbox-2023``, ``toolbox-2025`` or ``rhythm`` (see :mod:`micropulse.signals.recipes`).
        window_s: window length in seconds, or None for the whole video.
        diff_normalized: both are DiffNormalized (cumulative sum first, as the toolbox does).
    """
    pred = np.asarray(pred, dtype=np.float64).ravel()
    label = np.asarray(label, dtype=np.float64).ravel()
    if pred.size != label.size:
        raise SignalError(f"prediction has {pred.size} samples but the label {label.size}")
    rec = get_recipe(recipe)
    out = []
    for a, b in window_bounds(pred.size, fs, window_s):
        r = rec.evaluate(pred[a:b], label[a:b], fs, diff_normalized=diff_normalized)
        out.append(WindowResult(a / fs, b / fs, r["hr_pred_bpm"], r["hr_gt_bpm"], r["snr_db"], r["macc"]))
    if not out:
        raise SignalError(f"{pred.size} samples are too few for one evaluation window")
    return out
