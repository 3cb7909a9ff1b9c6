"""LGI (Pilz et al. 2018): project out the dominant colour direction, keep the green row."""

from __future__ import annotations

import numpy as np

from micropulse.rppg.classic.green import MIN_FRAMES
from micropulse.rppg.classic.registry import MethodInfo, register_method


def remove_direction(x: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """``(I - d d^T) x`` for a unit vector ``d`` (3,) and colours ``x`` (3, T)."""
    return x - np.outer(direction, direction @ x)


@register_method(
    MethodInfo(
        name="lgi",
        title="Local Group Invariance",
        paper="Pilz, Zaunseder, Krajewski & Blazek (2018), Local group invariance for heart rate estimation "
        "from face videos in the wild, CVPR Workshops 1254-1262",
    ),
    min_frames=lambda fs: MIN_FRAMES,
)
def lgi(rgb: np.ndarray, fs: float) -> np.ndarray:
    """SVD of X = rgb^T (3, T); BVP = green row of (I - u1 u1^T) X (spec rppg.md section 5)."""
    x = rgb.T
    u, _, _ = np.linalg.svd(x, full_matrices=False)
    return remove_direction(x, u[:, 0])[1]
