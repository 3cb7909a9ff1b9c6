"""Logit checks and margins (numpy): the quantities every defense and attack is written in.

* top-1 margin ``m = z(1) - z(2) >= 0``: the gap between the two largest logits of a row;
* true-label margin ``m_y = z_y - max_{j != y} z_j``: the attacker's loss; the label is flipped iff
  ``m_y <= 0`` (specs/trust-and-vatmart.md §2.2).

Logits are unitless scores (pre-softmax); every array is (N, C) with N samples and C >= 2 classes.
"""

from __future__ import annotations

import numpy as np

from micropulse.errors import InputError


def check_logits(logits: object, what: str = "logits") -> np.ndarray:
    """Return ``logits`` as a float64 (N, C) array; :class:`InputError` when it is not one.

    Raises on: not 2-D (a single row must be passed as shape (1, C)), fewer than 2 classes, NaN or inf.
    """
    z = np.asarray(logits)
    if z.dtype == object or not (np.issubdtype(z.dtype, np.number) or z.dtype == bool):
        raise InputError(f"{what} must be a numeric array, got dtype {z.dtype}")
    z = z.astype(np.float64, copy=False)
    if z.ndim != 2:
        raise InputError(f"{what} must be a 2-D array (N samples, C classes), got shape {z.shape}")
    if z.shape[1] < 2:
        raise InputError(f"{what} need at least 2 classes, got shape {z.shape}")
    if not np.all(np.isfinite(z)):
        bad = int(np.sum(~np.all(np.isfinite(z), axis=1)))
        raise InputError(f"{what} contain NaN or inf in {bad} of {z.shape[0]} rows")
    return z


def top2(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index of the top-1 logit (first on ties, like ``argmax``), its value and the runner-up value."""
    idx = np.argmax(logits, axis=1)
    rows = np.arange(logits.shape[0])
    z1 = logits[rows, idx]
    rest = logits.copy()
    rest[rows, idx] = -np.inf
    z2 = rest.max(axis=1) if logits.shape[0] else np.zeros(0)
    return idx, z1, z2


def top1_margin(logits: np.ndarray) -> np.ndarray:
    """``z(1) - z(2)`` per row (>= 0; 0 on ties)."""
    _, z1, z2 = top2(np.asarray(logits, dtype=np.float64))
    return z1 - z2


def true_margin(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Margin of the true label ``z_y - max_{j != y} z_j`` per row; <= 0 means misclassified."""
    z = np.asarray(logits, dtype=np.float64)
    rows = np.arange(z.shape[0])
    zy = z[rows, y]
    rest = z.copy()
    rest[rows, y] = -np.inf
    return zy - rest.max(axis=1) if z.shape[0] else np.zeros(0)


def with_top1_margin(logits: np.ndarray, new_margin: np.ndarray) -> np.ndarray:
    """Copy of ``logits`` whose top-1 logit is moved so that the top-1 margin equals ``new_margin``.

    Only the top-1 logit changes (``z'(1) = z(2) + m'``, i.e. ``z(1) + (m' - m)``). ``new_margin`` must be
    > 0; the top-1 logit is kept strictly above the runner-up even where ``z(2) + m'`` rounds to ``z(2)``,
    so the argmax never changes.
    """
    idx, _, z2 = top2(logits)
    new_top = z2 + new_margin
    new_top = np.maximum(new_top, np.nextafter(z2, np.inf))
    out = logits.copy()
    out[np.arange(logits.shape[0]), idx] = new_top
    return out
