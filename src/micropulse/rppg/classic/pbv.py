"""PBV (de Haan & van Leest 2014): project onto the blood-volume-pulse signature."""

from __future__ import annotations

import numpy as np

from micropulse.rppg.classic._numeric import safe_ratio
from micropulse.rppg.classic.green import MIN_FRAMES
from micropulse.rppg.classic.registry import MethodInfo, register_method


@register_method(
    MethodInfo(
        name="pbv",
        title="Blood Volume Pulse signature",
        paper="de Haan & van Leest (2014), Improved motion robustness of remote-PPG by using the blood volume "
        "pulse signature, Physiological Measurement 35(9):1913",
        notes="As in the toolbox code: the signature is estimated from the trace itself (normalised channel "
        "standard deviations) and Cn is not mean-centred. A singular Cn Cn^T is solved by least squares.",
    ),
    min_frames=lambda fs: MIN_FRAMES,
)
def pbv(rgb: np.ndarray, fs: float) -> np.ndarray:
    """Cn = rgb / temporal mean; pbv = std(Cn) / sqrt(sum var(Cn)); W = (Cn Cn^T)^-1 pbv;
    BVP = Cn^T W / (pbv^T W) (spec rppg.md section 5)."""
    cn = rgb / rgb.mean(axis=0)
    sd = cn.std(axis=0)
    signature = safe_ratio(sd, np.sqrt(np.sum(sd**2)))
    gram = cn.T @ cn
    weights = np.linalg.lstsq(gram, signature, rcond=None)[0]
    return safe_ratio(cn @ weights, signature @ weights)
