"""JADE independent component analysis for real signals (Cardoso & Souloumiac 1993), numpy only.

Whitening, fourth-order cumulant matrices, the ``m`` most significant eigen-matrices, and their
joint approximate diagonalisation by Jacobi (Givens) rotations. Used by the ICA method with 3
sources, as Poh et al. (spec rppg.md section 5). The toolbox ships the complex-valued variant; for
real data the real variant reaches the same separation (up to order and sign of the sources).
"""

from __future__ import annotations

import logging
import math

import numpy as np

logger = logging.getLogger(__name__)

#: Eigenvalues of the covariance below this fraction of the largest are treated as zero (rank loss).
RANK_TOL = 1e-12
MAX_SWEEPS = 100


def _whitener(x: np.ndarray, n_sources: int) -> np.ndarray:
    """Whitening matrix (m, n) for centred ``x`` (n, T); m <= n_sources drops null directions."""
    n, t = x.shape
    evals, evecs = np.linalg.eigh(x @ x.T / t)
    top = evals[-1] if evals.size else 0.0
    keep = np.flatnonzero(evals > RANK_TOL * max(top, 0.0)) if top > 0 else np.array([], dtype=int)
    keep = keep[::-1][:n_sources]  # largest first
    if keep.size == 0:
        return np.zeros((0, n))
    scale = 1.0 / np.sqrt(evals[keep])
    if keep.size == n:
        # symmetric whitening E D^-1/2 E^T, as the toolbox's sqrtm-inverse when m == n
        return (evecs[:, keep] * scale) @ evecs[:, keep].T
    return scale[:, None] * evecs[:, keep].T


def _cumulant_eigenmatrices(y: np.ndarray) -> np.ndarray:
    """The m most significant eigen-matrices (m, m, m) of the 4th-order cumulant tensor of ``y`` (m, T)."""
    m, t = y.shape
    pairs = (y[:, None, :] * y[None, :, :]).reshape(m * m, t)
    moment4 = (pairs @ pairs.T / t).reshape(m, m, m, m)
    r = y @ y.T / t
    cum = (
        moment4
        - np.einsum("ij,kl->ijkl", r, r)
        - np.einsum("ik,jl->ijkl", r, r)
        - np.einsum("il,jk->ijkl", r, r)
    )
    evals, evecs = np.linalg.eigh(cum.reshape(m * m, m * m))
    order = np.argsort(np.abs(evals))[::-1][:m]
    return np.stack([evals[k] * evecs[:, k].reshape(m, m) for k in order])


def _joint_diagonalise(mats: np.ndarray, threshold: float) -> np.ndarray:
    """Orthogonal V that jointly (approximately) diagonalises ``V^T M_k V`` for all k; mats (K, m, m)."""
    mats = mats.copy()
    m = mats.shape[1]
    v = np.eye(m)
    for _ in range(MAX_SWEEPS):
        rotated = False
        for p in range(m - 1):
            for q in range(p + 1, m):
                g = np.stack([mats[:, p, p] - mats[:, q, q], mats[:, p, q] + mats[:, q, p]])
                gg = g @ g.T
                ton = gg[0, 0] - gg[1, 1]
                toff = gg[0, 1] + gg[1, 0]
                theta = 0.5 * math.atan2(toff, ton + math.hypot(ton, toff))
                if abs(theta) <= threshold:
                    continue
                rotated = True
                c, s = math.cos(theta), math.sin(theta)
                rot = np.array([[c, -s], [s, c]])
                idx = [p, q]
                v[:, idx] = v[:, idx] @ rot
                mats[:, idx, :] = np.einsum("ab,kbj->kaj", rot.T, mats[:, idx, :])
                mats[:, :, idx] = mats[:, :, idx] @ rot
        if not rotated:
            return v
    logger.warning("JADE: joint diagonalisation did not converge in %d sweeps", MAX_SWEEPS)
    return v


def jade(x: np.ndarray, n_sources: int = 3) -> np.ndarray:
    """Separate ``x`` (n_channels, T) into at most ``n_sources`` independent sources (m, T).

    Sources come out whitened (unit variance), in no particular order and with arbitrary sign.
    Fewer than ``n_sources`` rows are returned when ``x`` has lower rank (none for all-constant x:
    shape (0, T)). Deterministic: no random initialisation.
    """
    x = np.asarray(x, dtype=np.float64)
    t = x.shape[1]
    x = x - x.mean(axis=1, keepdims=True)
    y = _whitener(x, n_sources) @ x
    if y.shape[0] < 2:
        return y
    v = _joint_diagonalise(_cumulant_eigenmatrices(y), threshold=1.0 / math.sqrt(t) / 100.0)
    return v.T @ y
