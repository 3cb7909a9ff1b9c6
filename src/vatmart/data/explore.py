"""Exploration data for one scene: the clean expert, the noisy expert (positives and near misses) and
random trajectories (mostly negatives), all recorded in VAT-Mart's camera-frame format."""

from __future__ import annotations

import numpy as np

from vatmart.data.expert import expert_contacts, expert_trajectory, perturb, random_trajectory, world_cloud
from vatmart.data.interact import Result, run_interaction, run_world
from vatmart.data.scenes import Scene, open_scene
from vatmart.sim.camera import PointCloud
from vatmart.sim.trajectory import from_world
from vatmart.sim.world import Simulator

#: Noise of the noisy expert: position (m) and rotation (rad) random-walk steps, task-amount scale range.
NOISE_POS = 0.02
NOISE_ROT = 0.08
AMOUNT_SCALE = (0.6, 1.4)
#: Default mix per scene: (source, count).
DEFAULT_MIX = (("expert", 1), ("noisy-expert", 2), ("random", 1))


def explore_scene(
    sim: Simulator, scene: Scene, cloud: PointCloud, rng: np.random.Generator, mix=DEFAULT_MIX
) -> list[tuple[str, int, np.ndarray, Result]]:
    """Run the exploration mix in ``scene``; returns (source, contact index, (5, 6) trajectory, result)."""
    _, part = open_scene(sim, scene)
    task = scene.task
    good = expert_contacts(cloud, task, part, sim)
    target = cloud.require_target(f"cloud of scene {scene.split}/{scene.task_kind}/{scene.index}")
    pts_w, nrm_w = world_cloud(cloud)
    out = []
    for source, count in mix:
        for _ in range(count):
            if source == "random" or good.size == 0:
                idx = int(rng.choice(target))
                traj = random_trajectory(cloud.normals[idx], rng)
                res = run_interaction(sim, scene, cloud.points[idx], traj, cloud.cam2world)
                out.append(("random" if source == "random" else source, idx, traj, res))
                continue
            use_good = source == "expert" or rng.random() < 0.5
            idx = int(rng.choice(good if use_good else target))
            amount = task.amount if source == "expert" else task.amount * rng.uniform(*AMOUNT_SCALE)
            open_scene(sim, scene)  # joint frames at the start state
            wt = expert_trajectory(sim, part, task, pts_w[idx], nrm_w[idx], amount=amount)
            if source != "expert":
                wt = perturb(wt, rng, pos_sigma=NOISE_POS * rng.uniform(0.2, 1.5), rot_sigma=NOISE_ROT)
            res = run_world(sim, scene, wt)
            _, traj = from_world(wt, cloud.cam2world)
            out.append((source, idx, traj, res))
    return out
