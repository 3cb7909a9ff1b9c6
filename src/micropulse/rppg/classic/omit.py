"""OMIT (Casado & Lopez 2023): project out the first QR direction, keep the green row."""

from __future__ import annotations

import numpy as np

from micropulse.rppg.classic.green import MIN_FRAMES
from micropulse.rppg.classic.lgi import remove_direction
from micropulse.rppg.classic.registry import MethodInfo, register_method


@register_method(
    MethodInfo(
        name="omit",
        title="Orthogonal Matrix Image Transformation",
        paper="Alvarez Casado & Bordallo Lopez (2023), Face2PPG: an unsupervised pipeline for blood volume "
        "pulse extraction from faces, IEEE JBHI",
        notes="As in the toolbox code: reduced QR of X (3, T), so q1 is the colour direction of the first "
        "frame.",
    ),
    min_frames=lambda fs: MIN_FRAMES,
)
def omit(rgb: np.ndarray, fs: float) -> np.ndarray:
    """Reduced QR X = QR of X = rgb^T (3, T); BVP = green row of (I - q1 q1^T) X (spec rppg.md 5)."""
    x = rgb.T
    q, _ = np.linalg.qr(x, mode="reduced")
    return remove_direction(x, q[:, 0])[1]
