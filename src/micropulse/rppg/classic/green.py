"""GREEN (Verkruysse, Svaasand & Nelson 2008): the green channel is the pulse signal."""

from __future__ import annotations

import numpy as np

from micropulse.rppg.classic.registry import MethodInfo, register_method

MIN_FRAMES = 3  # whole-trace methods: anything shorter carries no pulse information


@register_method(
    MethodInfo(
        name="green",
        title="GREEN",
        paper="Verkruysse, Svaasand & Nelson (2008), Remote plethysmographic imaging using ambient light, "
        "Optics Express 16(26):21434-21445",
    ),
    min_frames=lambda fs: MIN_FRAMES,
)
def green(rgb: np.ndarray, fs: float) -> np.ndarray:
    """BVP = the green channel of the RGB trace (T, 3), unfiltered (spec rppg.md section 5)."""
    return rgb[:, 1].copy()
