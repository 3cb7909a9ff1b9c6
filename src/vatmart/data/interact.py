"""Observe a scene and run one interaction in it (the unit of all data collection and evaluation)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vatmart.data.scenes import Scene, open_scene
from vatmart.sim.camera import N_POINTS, PointCloud, point_cloud
from vatmart.sim.tasks import EVAL_TOLERANCE, achieved_amount, is_success
from vatmart.sim.trajectory import WorldTrajectory, to_world
from vatmart.sim.world import Outcome, Simulator


@dataclass(frozen=True)
class Result:
    """Outcome of one interaction: ``achieved`` in rad or m (task direction), VAT-Mart ``success``."""

    achieved: float
    success: bool
    outcome: Outcome


def observe_scene(sim: Simulator, scene: Scene, *, n_points: int = N_POINTS) -> PointCloud:
    """Load ``scene`` and render its labelled partial point cloud (``n_points`` points, camera frame)."""
    info, part = open_scene(sim, scene)
    movable = set().union(*(sim.links_of(p.part_links) for p in info.parts))
    return point_cloud(
        sim.bc,
        sim.body,
        scene.camera,
        movable_links=movable,
        target_links=sim.links_of(part.part_links),
        grasp_links=sim.links_of(part.grasp_links),
        n_points=n_points,
        rng=np.random.default_rng([scene.seed, 7]),
    )


def run_world(
    sim: Simulator, scene: Scene, wt: WorldTrajectory, *, tolerance: float = EVAL_TOLERANCE
) -> Result:
    """Reload ``scene`` and execute a world-frame trajectory."""
    _, part = open_scene(sim, scene)
    task = scene.task
    out = sim.execute(wt, part, grasp=task.direction > 0)
    achieved = achieved_amount(task, out.q_start, out.q_end)
    return Result(achieved, is_success(task.amount, achieved, tolerance=tolerance), out)


def run_interaction(
    sim: Simulator, scene: Scene, contact_cam: np.ndarray, traj_cam: np.ndarray, cam2world: np.ndarray
) -> Result:
    """Reload ``scene`` and execute a camera-frame (contact, trajectory) pair."""
    return run_world(sim, scene, to_world(contact_cam, traj_cam, cam2world))
