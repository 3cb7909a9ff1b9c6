"""Contact frames (numpy): the networks see trajectories in a frame attached to the contact point.

The frame's forward axis is the inward surface normal at the contact (``-normal``) and its up axis is the
world's up as far as the normal allows (:func:`~vatmart.sim.trajectory.orientation_from`). Expressed in
that frame, "push 10 cm into the surface" or "pull the handle straight out" is the same numbers at every
point of every object, whatever the camera; only what depends on the shape (the lever of a door, where
its hinge is) is left to the point features. Every 3-vector of a (5, 6) trajectory (the 6-D orientation's
two axes, waypoint offsets and rotation vectors) turns with the frame, so the change is a rotation of each
3-vector and exactly invertible. This is a deviation from VAT-Mart (which feeds camera-frame trajectories),
chosen because the CPU budget allows ~100x less data and training; the README says so.

The networks also see waypoints *per unit of task* (:func:`per_unit`): offsets and rotation vectors divided
by the task amount (rad or m). Measured on the default data: with raw waypoints the cVAE's latent carried the
motion's size, so prior samples ignored the asked amount and undershot it by about half (z = 0 at expert
contact points: 0.45-0.64 of the amount on pull-drawer, 0.5-0.9 on push-door). Per unit of task, "pull the
drawer by the amount" is one constant trajectory, and a door's is its lever arm.
"""

from __future__ import annotations

import numpy as np

from vatmart.sim.trajectory import orientation_from

WORLD_UP = np.array([0.0, 0.0, 1.0])
#: A contact frame's normal is the mean of this many nearest cloud normals: single normals on handles
#: (2-3 points of a 512-point cloud) are unreliable (a quarter of them are > 50 degrees off the pulling
#: direction, measured), the surrounding face's are not.
FRAME_NEIGHBOURS = 12


def camera_up(cam2world: np.ndarray) -> np.ndarray:
    """The world's up axis in the camera frame (3,) of a 4×4 ``cam2world`` pose."""
    return np.asarray(cam2world, dtype=np.float64)[:3, :3].T @ WORLD_UP


def frame_normals(points: np.ndarray, normals: np.ndarray, *, k: int = FRAME_NEIGHBOURS) -> np.ndarray:
    """Unit normals (N, 3) for contact frames: the mean normal of each point's ``k`` nearest neighbours in
    its cloud (``points``/``normals`` (N, 3), camera frame)."""
    from scipy.spatial import cKDTree

    pts = np.asarray(points, dtype=np.float64)
    _, nb = cKDTree(pts).query(pts, k=min(k, len(pts)))
    mean = np.asarray(normals, dtype=np.float64)[nb.reshape(len(pts), -1)].sum(axis=1)
    return mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-9)


def contact_frames(normals: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Rotations (M, 3, 3) whose columns are the contact frames' axes in the camera frame, for unit
    ``normals`` (M, 3) and up vectors ``up`` (M, 3) or (3,), both camera frame."""
    normals = np.asarray(normals, dtype=np.float64).reshape(-1, 3)
    up = np.broadcast_to(np.asarray(up, dtype=np.float64), normals.shape)
    return np.stack([orientation_from(-n, u) for n, u in zip(normals, up, strict=True)])


def to_local(traj: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """Camera-frame trajectories (M, 5, 6) -> contact-frame ones, with ``frames`` (M, 3, 3)."""
    t = np.asarray(traj, dtype=np.float64).reshape(-1, 5, 2, 3)
    return np.einsum("mji,mkcj->mkci", frames, t).reshape(-1, 5, 6)


def from_local(traj: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """Inverse of :func:`to_local`."""
    t = np.asarray(traj, dtype=np.float64).reshape(-1, 5, 2, 3)
    return np.einsum("mij,mkcj->mkci", frames, t).reshape(-1, 5, 6)


def per_unit(traj: np.ndarray, amount: np.ndarray | float) -> np.ndarray:
    """Trajectories (M, 5, 6) with their waypoint rows divided by the task ``amount`` ((M,) or scalar,
    rad or m, > 0); the orientation row is unchanged."""
    out = np.array(traj, dtype=np.float64).reshape(-1, 5, 6)
    out[:, 1:] /= np.broadcast_to(np.asarray(amount, dtype=np.float64), (len(out),))[:, None, None]
    return out


def from_per_unit(traj: np.ndarray, amount: np.ndarray | float) -> np.ndarray:
    """Inverse of :func:`per_unit`."""
    out = np.array(traj, dtype=np.float64).reshape(-1, 5, 6)
    out[:, 1:] *= np.broadcast_to(np.asarray(amount, dtype=np.float64), (len(out),))[:, None, None]
    return out
