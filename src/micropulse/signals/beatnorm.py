"""Per-beat amplitude normalisation of a pulse wave, as open-rppg 0.1.1 does before its HR (``norm_bvp``).

open-rppg post-processes a model's BVP with a band-pass, then this normalisation, then a Welch spectrum.
The normalisation is not cosmetic for the HR: it rescales every half-cycle between consecutive extrema to
the same height, which flattens large slow or irregular swings and so changes which spectral peak is the
tallest when a clip's BVP has two comparable ones (measured on the real clip WolfgangLanger_Pexels.mp4:
open-rppg's RhythmMamba RLAP output gives 79.5 bpm with it and 46.4 without). The ``open-rppg`` recipe
(:mod:`micropulse.signals.recipes`) applies it so that open-rppg's weights give open-rppg's answers.

Steps (open-rppg's constants): smoothness-priors detrend with ``lambda = 50 (fs/30)^2`` (squared inside, as
:func:`~micropulse.signals.filters.detrend` does), z-score, extrema = peaks of the signal and of its negative
with prominence >= 1.5 and at least 0.25 s apart, each stretch between consecutive extrema mapped to
``(x - mid) / range``, the joined stretches z-scored, the rest of the signal left as detrended and z-scored,
then clipped below at -2.
"""

from __future__ import annotations

import numpy as np

from micropulse.errors import SignalError
from micropulse.signals.filters import as_signal, check_fs, detrend

#: open-rppg's detrend smoothing at 30 fps (scaled by (fs / 30)^2 at other rates).
DETREND_LAMBDA_30FPS = 50.0
#: Extrema: minimum prominence (in units of the z-scored signal) and minimum spacing (s).
EXTREMUM_PROMINENCE = 1.5
EXTREMUM_SPACING_S = 0.25
#: Lower clip of the result (z units).
CLIP_LOW = -2.0


def beat_normalise(bvp: np.ndarray, fs: float) -> np.ndarray:
    """open-rppg's per-beat normalisation of a band-passed pulse wave (unitless in, z units out).

    Raises:
        SignalError: fewer than two extrema (no beat to normalise) or a flat signal; open-rppg then keeps
            the band-passed signal as it is, and so does the ``open-rppg`` recipe.
    """
    from scipy.signal import find_peaks  # scipy.signal is heavy to import; only this recipe needs it here

    fs = check_fs(fs)
    x = as_signal(bvp, "BVP", min_len=4)
    y = detrend(x, DETREND_LAMBDA_30FPS * (fs / 30.0) ** 2)
    sd = y.std()
    if not sd > 0:
        raise SignalError("flat pulse wave: nothing to normalise")
    y = (y - y.mean()) / sd
    spacing = EXTREMUM_SPACING_S * fs
    tops = find_peaks(y, prominence=(EXTREMUM_PROMINENCE, None), distance=spacing)[0]
    bottoms = find_peaks(-y, prominence=(EXTREMUM_PROMINENCE, None), distance=spacing)[0]
    ext = np.sort(np.concatenate([tops, bottoms]))
    if ext.size < 2:
        raise SignalError(f"{ext.size} extrema: no beat to normalise")
    parts = []
    for k, (a, b) in enumerate(zip(ext[:-1], ext[1:], strict=True)):
        seg = y[a : b + 1]
        lo, hi = seg.min(), seg.max()
        if not hi > lo:
            raise SignalError("flat stretch between extrema")
        seg = (seg - (hi + lo) / 2) / (hi - lo)
        parts.append(seg if k == len(ext) - 2 else seg[:-1])  # shared end points counted once
    joined = np.concatenate(parts)
    joined = (joined - joined.mean()) / joined.std()
    y[ext[0] : ext[-1] + 1] = joined
    return np.clip(y, CLIP_LOW, y.max())
