"""A scripted expert with privileged joint information, plus noisy and random trajectories for exploration.

The expert acts at a contact point whose surface faces the motion (push) or on a handle (pull), approaches
along the inward surface normal, and moves the tip along the arc about the hinge (doors) or the line along
the slide (drawers) through the task amount, split into 4 equal waypoints. World frame, metres/radians.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from vatmart.objects.partnet import PartInfo
from vatmart.sim.camera import PointCloud
from vatmart.sim.tasks import Task
from vatmart.sim.trajectory import N_WAYPOINTS, TRAJ_SHAPE, WorldTrajectory, matrix_to_rot6d, orientation_from
from vatmart.sim.world import Simulator

#: A push contact's surface normal must oppose the motion this much (cosine).
PUSH_NORMAL_COS = 0.7
#: Push contacts on doors must be at least this fraction of the farthest visible point's hinge distance.
PUSH_MIN_LEVER = 0.45
#: Push contacts keep this clearance (m) from handles, which stick out and would be hit first.
HANDLE_CLEARANCE = 0.045


def motion_directions(
    points_w: np.ndarray, part: PartInfo, axis: np.ndarray, origin: np.ndarray, direction: int
) -> np.ndarray:
    """Unit velocity (N, 3) of each world point when the part moves in ``direction`` (+1 open, -1 close),
    and the hinge distance folded into the norm for doors (returned unnormalised: m per rad or m per m)."""
    if part.joint_type == "prismatic":
        return np.repeat((direction * axis)[None, :], len(points_w), axis=0)
    return direction * np.cross(axis[None, :], points_w - origin[None, :])


def world_cloud(cloud: PointCloud) -> tuple[np.ndarray, np.ndarray]:
    """(points, normals) of ``cloud`` in the world frame."""
    r, t = cloud.cam2world[:3, :3], cloud.cam2world[:3, 3]
    return cloud.points @ r.T + t, cloud.normals @ r.T


def expert_contacts(cloud: PointCloud, task: Task, part: PartInfo, sim: Simulator) -> np.ndarray:
    """Indices of cloud points where the expert would act (may be empty)."""
    pts, nrm = world_cloud(cloud)
    if task.direction > 0:
        idx = np.flatnonzero(cloud.grasp & cloud.target)
        if idx.size:
            return idx
    axis, origin = sim.joint_frame(part)
    vel = motion_directions(pts, part, axis, origin, task.direction)
    speed = np.linalg.norm(vel, axis=1)
    cos = np.sum(nrm * vel, axis=1) / np.maximum(speed, 1e-9)
    ok = cloud.target & (cos < -PUSH_NORMAL_COS)
    handles = pts[cloud.grasp & cloud.target]
    if len(handles):
        near = (
            np.min(np.linalg.norm(pts[:, None, :] - handles[None, :, :], axis=-1), axis=1) < HANDLE_CLEARANCE
        )
        ok &= ~near | cloud.grasp
    if part.joint_type != "prismatic" and ok.any():
        ok &= speed >= PUSH_MIN_LEVER * speed[cloud.target].max()
    return np.flatnonzero(ok)


def expert_trajectory(
    sim: Simulator,
    part: PartInfo,
    task: Task,
    contact_w: np.ndarray,
    normal_w: np.ndarray,
    *,
    amount: float | None = None,
) -> WorldTrajectory:
    """The expert's world trajectory from ``contact_w`` for ``amount`` (default: the task's amount)."""
    amount = task.amount if amount is None else amount
    axis, origin = sim.joint_frame(part)
    r0 = orientation_from(-np.asarray(normal_w, dtype=np.float64))
    pos, ori = [], []
    for k in range(1, N_WAYPOINTS + 1):
        step = task.direction * amount * k / N_WAYPOINTS
        if part.joint_type == "prismatic":
            pos.append(contact_w + axis * step)
            ori.append(r0)
        else:
            rot = Rotation.from_rotvec(axis * step).as_matrix()
            pos.append(origin + rot @ (contact_w - origin))
            ori.append(rot @ r0)
    return WorldTrajectory(np.asarray(contact_w, dtype=np.float64), r0, np.stack(pos), np.stack(ori))


def perturb(
    wt: WorldTrajectory, rng: np.random.Generator, *, pos_sigma: float, rot_sigma: float
) -> WorldTrajectory:
    """Add a random walk (m, rad per waypoint) to a trajectory's positions and orientations."""
    dp = np.cumsum(rng.normal(0.0, pos_sigma, (N_WAYPOINTS, 3)), axis=0)
    dr = np.cumsum(rng.normal(0.0, rot_sigma, (N_WAYPOINTS, 3)), axis=0)
    ori = np.stack([Rotation.from_rotvec(dr[k]).as_matrix() @ wt.orientations[k] for k in range(N_WAYPOINTS)])
    return WorldTrajectory(wt.contact, wt.orientation, wt.positions + dp, ori)


def random_trajectory(
    normal_cam: np.ndarray, rng: np.random.Generator, *, step: float = 0.08, tilt: float = 0.6
) -> np.ndarray:
    """A random (5, 6) camera-frame trajectory: approach near the inward normal (tilted by up to ``tilt``
    rad), then a random walk of ``step`` m and 0.15 rad per waypoint."""
    fwd = -np.asarray(normal_cam, dtype=np.float64)
    tilt_rot = Rotation.from_rotvec(rng.normal(0.0, tilt / 2.0, 3)).as_matrix()
    up = np.array([0.0, 0.0, 1.0])
    r0 = tilt_rot @ orientation_from(fwd, up)
    out = np.zeros(TRAJ_SHAPE)
    out[0] = matrix_to_rot6d(r0)
    out[1:, :3] = np.cumsum(rng.normal(0.0, step, (N_WAYPOINTS, 3)), axis=0)
    out[1:, 3:] = np.cumsum(rng.normal(0.0, 0.15, (N_WAYPOINTS, 3)), axis=0)
    return out
