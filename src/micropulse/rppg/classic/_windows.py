"""Sliding-window statistics and overlap-add in O(N) with cumulative sums.

POS and SSR process every window of ``length`` frames (hop 1) and overlap-add a per-window linear
projection of the frames. Done window by window this is O(N * length) Python work; here each window
statistic comes from differences of cumulative sums and the overlap-add of a per-window
coefficient from one more cumulative sum, so the cost is O(N) numpy work. The tests check the
result against a plain per-window loop.
"""

from __future__ import annotations

import numpy as np


def n_windows(n_frames: int, length: int) -> int:
    """Number of windows ``[w, w + length)`` inside ``n_frames`` frames (hop 1)."""
    return n_frames - length + 1


def window_moments(x: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean (W, C) and population covariance (W, C, C) of every window ``x[w:w + length]``.

    Args:
        x: (N, C) samples.
        length: window length in frames (1 <= length <= N).
    """
    offset = x.mean(axis=0)
    xc = (x - offset).T  # (C, N); centring first keeps the cumulative sums small (less cancellation)
    c, n = xc.shape
    iu, ju = np.triu_indices(c)
    rows = np.concatenate([xc, xc[iu] * xc[ju]])  # first moments, then the unique second moments
    sums = np.zeros((rows.shape[0], n + 1))
    np.cumsum(rows, axis=1, out=sums[:, 1:])
    win = (sums[:, length:] - sums[:, :-length]) / length
    mean_c = win[:c].T  # (W, C)
    cov = np.empty((mean_c.shape[0], c, c))
    cov[:, iu, ju] = win[c:].T - mean_c[:, iu] * mean_c[:, ju]
    cov[:, ju, iu] = cov[:, iu, ju]
    return mean_c + offset, cov


def covering_sum(values: np.ndarray, length: int, n_frames: int) -> np.ndarray:
    """Overlap-add of per-window values: ``out[i] = sum of values[w]`` over windows covering frame i.

    Window ``w`` covers frames ``w .. w + length - 1``; ``values`` has one row per window
    (W = n_frames - length + 1 rows, any trailing shape). Returns shape (n_frames, ...).
    """
    n_win = values.shape[0]
    ref = values.mean(axis=0)
    zero = np.zeros((1, *values.shape[1:]))
    cs = np.concatenate([zero, np.cumsum(values - ref, axis=0)])
    i = np.arange(n_frames)
    hi = np.minimum(i, n_win - 1) + 1
    lo = np.maximum(0, i - length + 1)
    count = (hi - lo).reshape(-1, *([1] * (values.ndim - 1)))
    return cs[hi] - cs[lo] + count * ref


def quad_form(vec: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """``vec[w] @ cov[w] @ vec[w]`` for every window w, clipped at 0 (a variance)."""
    return np.maximum(np.einsum("wi,wij,wj->w", vec, cov, vec), 0.0)
