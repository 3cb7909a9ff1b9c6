"""Ways to pick (contact point, trajectory) from an observation — the pipeline and the baselines.

* ``vatmart``: VAT-Mart's test procedure — argmax-actionability point on the movable (target) part,
  ``n`` proposals from the cVAE there, execute the best-scored one;
* ``random``: a random target-part point and a random trajectory (the exploration distribution);
* ``normal``: at a handle point (a random target point when no handle is visible) push along the inward
  normal or pull along the outward normal, by the task's distance (doors: angle × estimated lever);
* ``scorer-random``: the scorer alone, ranking ``n`` random (point, trajectory) pairs.

Each method maps (model, cloud, task, rng) to (point index, (5, 6) camera-frame trajectory).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from micropulse.registry import Registry
from vatmart.data.expert import random_trajectory
from vatmart.errors import CheckpointError
from vatmart.sim.camera import PointCloud
from vatmart.sim.tasks import Task
from vatmart.sim.trajectory import N_WAYPOINTS, TRAJ_SHAPE, matrix_to_rot6d, orientation_from

METHODS: Registry[Callable] = Registry("evaluation method")
#: Methods that need a trained checkpoint.
NEEDS_MODEL = ("vatmart", "scorer-random")
N_PROPOSALS = 100  # VAT-Mart samples 100 proposals at test time
#: The normal heuristic's lever for doors, as a fraction of the part's visible horizontal extent.
HEURISTIC_LEVER = 0.85


def _need(model, name: str):
    if model is None:
        raise CheckpointError(f"method {name!r} needs a trained checkpoint (--checkpoint)")
    return model


@METHODS.register("vatmart")
def vatmart(model, cloud: PointCloud, task: Task, rng: np.random.Generator) -> tuple[int, np.ndarray]:
    from vatmart.perception.infer import analyse

    res = analyse(
        _need(model, "vatmart"), cloud, task, n_proposals=N_PROPOSALS, seed=int(rng.integers(2**31))
    )
    return res["point"], res["proposals"][0]


@METHODS.register("random")
def random_method(model, cloud: PointCloud, task: Task, rng: np.random.Generator) -> tuple[int, np.ndarray]:
    idx = int(rng.choice(cloud.require_target()))
    return idx, random_trajectory(cloud.normals[idx], rng)


def normal_trajectory(cloud: PointCloud, idx: int, task: Task) -> np.ndarray:
    """The normal-direction heuristic's (5, 6) trajectory at point ``idx`` (camera frame)."""
    n = cloud.normals[idx].astype(np.float64)
    n /= max(np.linalg.norm(n), 1e-9)
    if task.part_kind == "drawer":
        dist = task.amount
    else:  # lever: the visible part's extent across the normal, in the horizontal plane
        pts = cloud.points[cloud.target].astype(np.float64)
        up = cloud.cam2world[:3, :3].T @ np.array([0.0, 0.0, 1.0])
        across = np.cross(up, n)
        across /= max(np.linalg.norm(across), 1e-9)
        extent = float(np.ptp(pts @ across)) if len(pts) else 0.3
        dist = task.amount * HEURISTIC_LEVER * extent
    traj = np.zeros(TRAJ_SHAPE)
    up_cam = cloud.cam2world[:3, :3].T @ np.array([0.0, 0.0, 1.0])
    traj[0] = matrix_to_rot6d(orientation_from(-n, up_cam))
    direction = n if task.direction > 0 else -n
    for k in range(1, N_WAYPOINTS + 1):
        traj[k, :3] = direction * dist * k / N_WAYPOINTS
    return traj


@METHODS.register("normal")
def normal_method(model, cloud: PointCloud, task: Task, rng: np.random.Generator) -> tuple[int, np.ndarray]:
    target = cloud.require_target()
    handles = np.flatnonzero(cloud.grasp & cloud.target)
    idx = int(rng.choice(handles if handles.size else target))
    return idx, normal_trajectory(cloud, idx, task)


@METHODS.register("scorer-random")
def scorer_random(model, cloud: PointCloud, task: Task, rng: np.random.Generator) -> tuple[int, np.ndarray]:
    from vatmart.perception.infer import score_candidates

    target = cloud.require_target()
    pts = rng.choice(target, N_PROPOSALS)
    trajs = np.stack([random_trajectory(cloud.normals[i], rng) for i in pts])
    scores = score_candidates(_need(model, "scorer-random"), cloud, task, pts, trajs)
    best = int(np.argmax(scores))
    return int(pts[best]), trajs[best]


def list_methods() -> list[str]:
    """Names of the registered evaluation methods."""
    return METHODS.names()
