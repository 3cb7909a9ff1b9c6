"""VAT-Mart's trajectory format and rotation helpers (numpy).

A trajectory is a (5, 6) array in the camera frame, attached to a contact point (3,), metres/radians:

* row 0: the initial gripper orientation as a 6-D rotation (forward axis, up axis; Gram-Schmidt'ed);
* rows 1-4: waypoints, each ``(dx, dy, dz, rx, ry, rz)``: the gripper tip's offset from the contact point
  and its rotation (axis-angle vector) relative to the initial orientation, both cumulative.

The gripper frame has +x forward (the approach direction, the tip is at the front face) and +z up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

TRAJ_SHAPE = (5, 6)
N_WAYPOINTS = 4


def rot6d_to_matrix(r6: np.ndarray) -> np.ndarray:
    """(..., 6) forward/up vectors -> (..., 3, 3) rotation matrices with columns (forward, left, up)."""
    r6 = np.asarray(r6, dtype=np.float64)
    a, b = r6[..., :3], r6[..., 3:]
    x = a / np.maximum(np.linalg.norm(a, axis=-1, keepdims=True), 1e-9)
    b = b - np.sum(b * x, axis=-1, keepdims=True) * x
    z = b / np.maximum(np.linalg.norm(b, axis=-1, keepdims=True), 1e-9)
    y = np.cross(z, x)
    return np.stack([x, y, z], axis=-1)


def matrix_to_rot6d(m: np.ndarray) -> np.ndarray:
    """(..., 3, 3) -> (..., 6): the forward (first) and up (third) columns."""
    m = np.asarray(m, dtype=np.float64)
    return np.concatenate([m[..., :, 0], m[..., :, 2]], axis=-1)


def orientation_from(forward: np.ndarray, up_hint: np.ndarray = np.array([0.0, 0.0, 1.0])) -> np.ndarray:
    """A rotation matrix whose forward axis is ``forward`` and whose up axis is closest to ``up_hint``."""
    f = np.asarray(forward, dtype=np.float64)
    up = np.asarray(up_hint, dtype=np.float64)
    if abs(np.dot(f, up)) > 0.95 * np.linalg.norm(f) * np.linalg.norm(up):
        up = np.array([1.0, 0.0, 0.0]) if abs(f[0]) < 0.9 * np.linalg.norm(f) else np.array([0.0, 1.0, 0.0])
    return rot6d_to_matrix(np.concatenate([f, up]))


@dataclass(frozen=True)
class WorldTrajectory:
    """A trajectory in the world frame: tip ``contact`` (3,), initial ``orientation`` (3, 3), waypoint
    tip ``positions`` (4, 3) and ``orientations`` (4, 3, 3)."""

    contact: np.ndarray
    orientation: np.ndarray
    positions: np.ndarray
    orientations: np.ndarray


def to_world(contact_cam: np.ndarray, traj: np.ndarray, cam2world: np.ndarray) -> WorldTrajectory:
    """Map a camera-frame (contact, trajectory) to the world frame with the 4×4 ``cam2world`` pose."""
    traj = np.asarray(traj, dtype=np.float64).reshape(TRAJ_SHAPE)
    rc, tc = cam2world[:3, :3], cam2world[:3, 3]
    r0_cam = rot6d_to_matrix(traj[0])
    contact_w = rc @ np.asarray(contact_cam, dtype=np.float64) + tc
    pos = contact_w + traj[1:, :3] @ rc.T
    rots = Rotation.from_rotvec(traj[1:, 3:]).as_matrix()  # relative rotations, camera frame
    ori = np.stack([rc @ r @ r0_cam for r in rots])
    return WorldTrajectory(contact_w, rc @ r0_cam, pos, ori)


def from_world(wt: WorldTrajectory, cam2world: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`to_world`: (contact (3,), trajectory (5, 6)) in the camera frame."""
    rc, tc = cam2world[:3, :3], cam2world[:3, 3]
    r0_cam = rc.T @ wt.orientation
    contact = rc.T @ (wt.contact - tc)
    out = np.zeros(TRAJ_SHAPE)
    out[0] = matrix_to_rot6d(r0_cam)
    out[1:, :3] = (wt.positions - wt.contact) @ rc
    rel = [rc.T @ o @ r0_cam.T for o in wt.orientations]
    out[1:, 3:] = Rotation.from_matrix(np.stack(rel)).as_rotvec()
    return contact, out
