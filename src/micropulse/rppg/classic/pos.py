"""POS (Wang et al. 2017): Plane-Orthogonal-to-Skin projection with alpha tuning, overlap-added."""

from __future__ import annotations

import math

import numpy as np

from micropulse.rppg.classic._numeric import safe_ratio
from micropulse.rppg.classic._windows import covering_sum, quad_form, window_moments
from micropulse.rppg.classic.registry import MethodInfo, register_method
from micropulse.signals.filters import bandpass, detrend

WINDOW_S = 1.6  # seconds
BAND_HZ = (0.75, 3.0)
DETREND_LAMBDA = 100.0
FILTER_ORDER = 1
#: Projection onto the plane orthogonal to the (normalised) skin tone [1, 1, 1].
PROJECTION = np.array([[0.0, 1.0, -1.0], [-2.0, 1.0, 1.0]])


def window_frames(fs: float) -> int:
    """Window length l = ceil(1.6 * fs) frames (toolbox ``POS_WANG``)."""
    return max(2, math.ceil(WINDOW_S * fs))


def pos_raw(rgb: np.ndarray, fs: float) -> np.ndarray:
    """The overlap-added POS signal H (T,) before detrending and filtering.

    For every window [w, w + l): Cn = c / mean_window(c); S = PROJECTION @ Cn;
    h = S1 + (std S1 / std S2) S2 minus its mean; H accumulates h. Since Cn has mean exactly 1 per
    channel, h is the linear map ``coef_w . c(t)`` with ``coef_w = (P1 + alpha_w P2) / mean_w``; its
    window statistics come from :func:`window_moments`, the overlap-add from :func:`covering_sum`.

    Every frame is covered: windows start at 0 .. T - l, as in the paper's algorithm (the toolbox loop
    stops one window early and leaves the last frame at 0).
    """
    n = rgb.shape[0]
    length = window_frames(fs)
    mean, cov = window_moments(rgb, length)
    q1 = PROJECTION[0] / mean
    q2 = PROJECTION[1] / mean
    alpha = safe_ratio(np.sqrt(quad_form(q1, cov)), np.sqrt(quad_form(q2, cov)))
    coef = q1 + alpha[:, None] * q2
    window_mean = np.einsum("wi,wi->w", coef, mean)  # zero up to rounding: subtracted for fidelity
    return np.einsum("ti,ti->t", covering_sum(coef, length, n), rgb) - covering_sum(window_mean, length, n)


@register_method(
    MethodInfo(
        name="pos",
        title="Plane-Orthogonal-to-Skin",
        paper="Wang, den Brinker, Stuijk & de Haan (2017), Algorithmic principles of remote PPG, "
        "IEEE TBME 64(7):1479-1491",
        window="l = ceil(1.6 * fs) frames, hop 1 frame",
        band_hz=BAND_HZ,
        filtering="built in: detrend lambda=100, then Butterworth order 1, 0.75-3.0 Hz, zero-phase",
        notes="Windows cover every frame (paper's algorithm); the toolbox loop leaves the last frame 0.",
    ),
    min_frames=window_frames,
)
def pos(rgb: np.ndarray, fs: float) -> np.ndarray:
    """POS BVP (T,) from an RGB trace (T, 3) at ``fs`` Hz (spec rppg.md section 5)."""
    raw = pos_raw(rgb, fs)
    return bandpass(detrend(raw, DETREND_LAMBDA), fs, BAND_HZ, order=FILTER_ORDER)
