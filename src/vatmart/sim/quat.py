"""Tiny quaternion helpers (x, y, z, w order, as pybullet) for the per-step inner loop, where scipy's
``Rotation`` objects cost more than the physics step itself."""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial.transform import Rotation


def from_matrix(m: np.ndarray) -> np.ndarray:
    """Rotation matrix (3, 3) -> unit quaternion (4,), (x, y, z, w)."""
    return Rotation.from_matrix(m).as_quat()


def slerp(q0: np.ndarray, q1: np.ndarray, s: float) -> np.ndarray:
    """Spherical interpolation between unit quaternions at fraction ``s`` in [0, 1]."""
    d = float(np.dot(q0, q1))
    if d < 0.0:
        q1, d = -q1, -d
    if d > 0.9995:
        q = q0 + s * (q1 - q0)
        return q / np.linalg.norm(q)
    th = math.acos(d)
    return (math.sin((1 - s) * th) * q0 + math.sin(s * th) * q1) / math.sin(th)


def forward_axis(q: np.ndarray) -> np.ndarray:
    """The first column (the rotated +x axis) of the rotation of ``q``."""
    x, y, z, w = q
    return np.array([1 - 2 * (y * y + z * z), 2 * (x * y + w * z), 2 * (x * z - w * y)])


def slerp_many(q0: np.ndarray, q1: np.ndarray, s: np.ndarray) -> np.ndarray:
    """:func:`slerp` at every fraction of ``s`` (K,) -> (K, 4)."""
    d = float(np.dot(q0, q1))
    if d < 0.0:
        q1, d = -q1, -d
    s = np.asarray(s, dtype=np.float64)[:, None]
    if d > 0.9995:
        q = q0[None, :] + s * (q1 - q0)[None, :]
    else:
        th = math.acos(d)
        q = (np.sin((1 - s) * th) * q0[None, :] + np.sin(s * th) * q1[None, :]) / math.sin(th)
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def forward_axes(q: np.ndarray) -> np.ndarray:
    """:func:`forward_axis` for (K, 4) quaternions -> (K, 3)."""
    x, y, z, w = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    return np.stack([1 - 2 * (y * y + z * z), 2 * (x * y + w * z), 2 * (x * z - w * y)], axis=1)
