"""Short gaps in per-frame face data: linear interpolation over gaps up to a maximum duration."""

from __future__ import annotations

import numpy as np


def fill_short_gaps(
    values: np.ndarray, valid: np.ndarray, times_s: np.ndarray, max_gap_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Interpolate (linearly in time) rows of ``values`` where ``valid`` is False, gap by gap.

    A gap is filled only when it has valid frames on both sides and lasts at most ``max_gap_s``
    seconds (counted from the first to the last missing frame, plus one frame interval). Longer gaps,
    and gaps at the start or end, stay NaN.

    Args:
        values: (T, ...) float array; rows of invalid frames are ignored.
        valid: (T,) bool.
        times_s: (T,) frame times in seconds, increasing.
        max_gap_s: longest gap to fill, seconds.

    Returns:
        (filled copy of ``values`` with NaN in unfilled gaps, (T,) bool mask of the filled frames).
    """
    out = np.array(values, dtype=np.float64, copy=True)
    valid = np.asarray(valid, dtype=bool)
    filled = np.zeros(len(valid), dtype=bool)
    out[~valid] = np.nan
    if valid.all() or not valid.any():
        return out, filled
    dt = float(np.median(np.diff(times_s))) if len(times_s) > 1 else 0.0
    edges = np.flatnonzero(np.diff(valid.astype(np.int8)))
    # gap runs: start after a valid->invalid edge, end at an invalid->valid edge
    starts = edges[valid[edges]] + 1
    ends = edges[~valid[edges]] + 1  # first valid index after a gap
    for s, k in zip(starts, np.searchsorted(ends, starts), strict=True):
        if k >= len(ends):
            break  # the video ends inside this gap
        e = int(ends[k])
        before, after = s - 1, e
        if times_s[e - 1] - times_s[s] + dt > max_gap_s + 1e-9:
            continue
        w = (times_s[s:e] - times_s[before]) / (times_s[after] - times_s[before])
        shape = (-1,) + (1,) * (out.ndim - 1)
        out[s:e] = out[before] + w.reshape(shape) * (out[after] - out[before])
        filled[s:e] = True
    return out, filled
