"""PCA (Lewandowska et al. 2011): principal components of the RGB channels, pick the pulse one."""

from __future__ import annotations

import numpy as np

from micropulse.rppg.classic._numeric import pick_by_spectral_peak, standardise_channels
from micropulse.rppg.classic.green import MIN_FRAMES
from micropulse.rppg.classic.registry import MethodInfo, register_method

DETREND_LAMBDA = 100.0


@register_method(
    MethodInfo(
        name="pca",
        title="Principal Component Analysis",
        paper="Lewandowska, Ruminski, Kocejko & Nowak (2011), Measuring pulse rate with a webcam - a non-contact "
        "method for evaluating cardiac activity, FedCSIS 405-410",
        notes="Not in the toolbox. Channels standardised like ICA (detrend lambda 100, z-score); PCA over the "
        "3 channels; the component with the largest normalised spectral peak is returned (the paper inspects "
        "the components, pyVHR returns the first or second one). Sign arbitrary.",
    ),
    min_frames=lambda fs: MIN_FRAMES,
)
def pca(rgb: np.ndarray, fs: float) -> np.ndarray:
    """PCA BVP (T,) from an RGB trace (T, 3): the best of the 3 principal components, unfiltered."""
    z = standardise_channels(rgb, DETREND_LAMBDA)
    _, evecs = np.linalg.eigh(z.T @ z / z.shape[0])
    components = (z @ evecs[:, ::-1]).T  # (3, T), largest variance first
    return components[pick_by_spectral_peak(components)]
