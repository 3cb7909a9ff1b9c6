"""ICA (Poh, McDuff & Picard 2010/2011): JADE on the standardised RGB channels, pick the pulse source."""

from __future__ import annotations

import numpy as np

from micropulse.rppg.classic._numeric import pick_by_spectral_peak, standardise_channels
from micropulse.rppg.classic.jade import jade
from micropulse.rppg.classic.registry import MethodInfo, register_method
from micropulse.signals.filters import bandpass

N_SOURCES = 3
DETREND_LAMBDA = 100.0
BAND_HZ = (0.7, 2.5)
FILTER_ORDER = 3
#: the order-3 zero-phase band-pass pads 21 samples and needs more than that.
MIN_FRAMES = 22


@register_method(
    MethodInfo(
        name="ica",
        title="Independent Component Analysis (JADE)",
        paper="Poh, McDuff & Picard (2010), Non-contact, automated cardiac pulse measurements using video "
        "imaging and blind source separation, Optics Express 18(10):10762-10774",
        band_hz=BAND_HZ,
        filtering="built in: Butterworth order 3, 0.7-2.5 Hz, zero-phase, on the chosen source",
        notes="Real-valued JADE (the toolbox uses the complex variant; same separation for real data). "
        "The source's sign is arbitrary.",
    ),
    min_frames=lambda fs: MIN_FRAMES,
)
def ica(rgb: np.ndarray, fs: float) -> np.ndarray:
    """ICA BVP (T,) from an RGB trace (T, 3) at ``fs`` Hz (spec rppg.md section 5).

    Each channel detrended (lambda 100) and z-scored; JADE with 3 sources; the source with the largest
    normalised power-spectrum peak (DC excluded) is band-passed.
    """
    sources = jade(standardise_channels(rgb, DETREND_LAMBDA).T, N_SOURCES)
    if sources.shape[0] == 0:  # a flat trace: nothing to separate
        return np.zeros(rgb.shape[0])
    best = sources[pick_by_spectral_peak(sources)]
    return bandpass(best, fs, BAND_HZ, order=FILTER_ORDER)
