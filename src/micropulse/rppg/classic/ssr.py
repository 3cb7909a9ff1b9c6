"""SSR / 2SR (Wang, Stuijk & de Haan 2016): spatial subspace rotation of the skin-pixel distribution."""

from __future__ import annotations

import numpy as np

from micropulse.rppg.classic._numeric import safe_ratio
from micropulse.rppg.classic._windows import covering_sum, quad_form, window_moments
from micropulse.rppg.classic.registry import MethodInfo, register_method

WINDOW_S = 1.0  # seconds: l = fs frames
#: eigenvalues are floored at this fraction of the largest, so a flat pixel cloud stays finite.
EIG_FLOOR = 1e-12


def window_frames(fs: float) -> int:
    """Window length l = round(fs) frames (one second), at least 2."""
    return max(2, int(round(WINDOW_S * fs)))


def skin_subspace(pixels: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per frame: eigenvalues (T, 3), descending, and eigenvectors (T, 3, 3) (columns) of the
    uncentred colour correlation matrix C = V^T V / N of the usable pixels.

    The sign of the first eigenvector is fixed (non-negative component sum) so that the rotation
    signal does not flip from frame to frame.
    """
    weights = valid / valid.sum(axis=1, keepdims=True)
    corr = np.matmul(pixels.transpose(0, 2, 1), weights[:, :, None] * pixels)  # (T, 3, 3)
    evals, evecs = np.linalg.eigh(corr)
    evals, evecs = evals[:, ::-1], evecs[:, :, ::-1]
    evals = np.maximum(evals, EIG_FLOOR * evals[:, :1] + 1e-300)
    sign = np.where(evecs[:, :, 0].sum(axis=1) < 0, -1.0, 1.0)
    evecs = evecs.copy()
    evecs[:, :, 0] *= sign[:, None]
    return evals, evecs


@register_method(
    MethodInfo(
        name="ssr",
        title="Spatial Subspace Rotation (2SR)",
        paper="Wang, Stuijk & de Haan (2016), A novel algorithm for remote photoplethysmography: spatial "
        "subspace rotation, IEEE TBME 63(9):1974-1984",
        needs_pixels=True,
        window="l = round(fs) frames (1 s), hop 1 frame",
        notes="Input: skin pixels (T, N, 3) or (T, H, W, 3); all-zero pixels are masked out. Windows cover every "
        "frame (pyVHR's loop leaves the last frame 0). First eigenvector's sign fixed per frame.",
    ),
    min_frames=window_frames,
)
def ssr(pixels: np.ndarray, valid: np.ndarray, fs: float) -> np.ndarray:
    """SSR BVP (T,) from skin pixels (T, N, 3) at ``fs`` Hz, unfiltered.

    For each window with reference frame tau and frames t in [tau, tau + l): the rotation of u1(t)
    onto u2(tau), u3(tau), scaled by sqrt(lambda1(t) / lambda_j(tau)) and back-projected to RGB:
    SR(t) = M_tau a(t) with a(t) = sqrt(lambda1(t)) u1(t) and M_tau = sum_j u_j u_j^T / sqrt(lambda_j)
    (j = 2, 3). Then p = SR_R - (std SR_R / std SR_G) SR_G, mean removed, overlap-added.
    """
    n = pixels.shape[0]
    length = window_frames(fs)
    evals, evecs = skin_subspace(pixels, valid)
    a = np.sqrt(evals[:, :1]) * evecs[:, :, 0]  # (T, 3)
    n_win = n - length + 1
    plane = evecs[:n_win, :, 1:]  # (W, 3, 2): u2, u3 at the reference frames
    back = np.einsum("wij,wkj->wik", plane / np.sqrt(evals[:n_win, None, 1:]), plane)  # M_tau (W, 3, 3)
    mean_a, cov_a = window_moments(a, length)
    r_row, g_row = back[:, 0, :], back[:, 1, :]
    beta = safe_ratio(np.sqrt(quad_form(r_row, cov_a)), np.sqrt(quad_form(g_row, cov_a)))
    coef = r_row - beta[:, None] * g_row  # p(t; tau) = coef_tau . (a(t) - mean_a(tau))
    offset = np.einsum("wi,wi->w", coef, mean_a)
    return np.einsum("ti,ti->t", covering_sum(coef, length, n), a) - covering_sum(offset, length, n)
