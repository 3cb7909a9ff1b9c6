"""One RL episode on privileged state, its state features, rewards and hindsight relabelling (numpy only,
so collection workers need no torch).

The policy sees the task, the joint axis and origin, the contact point's normal, how far the part has moved,
where the tip is relative to the (moving) contact point, and the step; it outputs a residual waypoint
``(dx, dy, dz, rx, ry, rz)`` in [-1, 1]^6, scaled by :data:`ACTION_POS` (m) and :data:`ACTION_ROT` (rad).
Rewards follow VAT-Mart: 300 × reduction of |remaining task|, -150 × tip-to-contact distance, -300 when that
distance exceeds :data:`FAR_DISTANCE`, +500 on success (10 % rule) — the last reduced by the curiosity term.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from vatmart.data.scenes import Scene, open_scene
from vatmart.sim.tasks import RL_TOLERANCE, TASK_KINDS, TASK_RANGES
from vatmart.sim.trajectory import N_WAYPOINTS, WorldTrajectory, orientation_from
from vatmart.sim.world import Simulator

ACTION_DIM = 6
ACTION_POS = 0.12  # m per unit action
ACTION_ROT = 0.3  # rad per unit action
STATIC_DIM = 4 + 3 + 3 + 3 + 2  # task one-hot, axis, origin - contact, normal, touched/grasped
STATE_DIM = STATIC_DIM + 1 + 1 + 3 + 3 + N_WAYPOINTS  # + amount, progress, tip-contact, tip-start, step
#: Task units: doors in rad, drawers in m × 4 (so 25 cm counts like 1 rad) for the guidance reward.
UNIT_SCALE = {"door": 1.0, "drawer": 4.0}
GUIDE_REWARD = 300.0
DIST_PENALTY = 150.0
FAR_PENALTY = 300.0
FAR_DISTANCE = 0.1  # m (VAT-Mart uses 0.3-0.4 at its object scale)
SUCCESS_REWARD = 500.0


def mlp_forward(weights: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray) -> np.ndarray:
    """A ReLU MLP with a tanh output, from (W, b) pairs (W: out × in) — the actor, in numpy."""
    h = x
    for i, (w, b) in enumerate(weights):
        h = h @ w.T + b
        h = np.maximum(h, 0.0) if i < len(weights) - 1 else np.tanh(h)
    return h


def build_states(static: np.ndarray, dyn: np.ndarray, amount: float, kind: str) -> np.ndarray:
    """States (5, STATE_DIM) of an episode for task ``amount``: ``static`` (STATIC_DIM,), ``dyn`` (5, 7) =
    per step (achieved so far, tip - contact (3), tip - start (3))."""
    amax = TASK_RANGES[kind.split("-")[1]][1]
    out = np.zeros((N_WAYPOINTS + 1, STATE_DIM), dtype=np.float32)
    for t in range(N_WAYPOINTS + 1):
        step = np.zeros(N_WAYPOINTS)
        if t < N_WAYPOINTS:
            step[t] = 1.0
        out[t] = np.concatenate(
            [static, [amount / amax, dyn[t, 0] / amount], dyn[t, 1:4] * 5.0, dyn[t, 4:7] * 5.0, step]
        )
    return out


def rewards(dyn: np.ndarray, amount: float, kind: str, curiosity: float = 0.0) -> tuple[np.ndarray, bool]:
    """Per-step rewards (4,) and RL success for task ``amount``; ``curiosity`` (0-1, the scorer's success
    probability) lowers the success reward by ``500 × curiosity``."""
    scale = UNIT_SCALE[kind.split("-")[1]]
    rem = np.abs(amount - dyn[:, 0]) * scale
    dist = np.linalg.norm(dyn[1:, 1:4], axis=1)
    r = GUIDE_REWARD * (rem[:-1] - rem[1:]) - DIST_PENALTY * dist - FAR_PENALTY * (dist > FAR_DISTANCE)
    success = abs(dyn[-1, 0] - amount) <= RL_TOLERANCE * amount
    if success:
        r[-1] += SUCCESS_REWARD * (1.0 - curiosity)
    return r.astype(np.float32), bool(success)


def run_episode(
    sim: Simulator,
    scene: Scene,
    contact_w: np.ndarray,
    normal_w: np.ndarray,
    actor,
    noise: float,
    rng: np.random.Generator,
) -> dict:
    """Execute one episode with ``actor`` (state -> action in [-1, 1]) plus Gaussian ``noise``.

    Returns the static features, per-step dynamics (5, 7), actions (4, 6), the world trajectory and the
    final achieved amount (rad or m). The last dynamics row is measured after the settle phase.
    """
    _, part = open_scene(sim, scene)
    task = scene.task
    axis, origin = sim.joint_frame(part)
    link = sim.link_index[part.link]
    r0 = orientation_from(-np.asarray(normal_w, dtype=np.float64))
    q_start = sim.joint_value(part)
    touched, grasped = sim.begin(contact_w, r0, part, grasp=task.direction > 0)
    lpos, lrot = sim.link_pose(link)
    local = lrot.T @ (np.asarray(contact_w) - lpos)
    onehot = np.eye(len(TASK_KINDS))[TASK_KINDS.index(task.kind)]
    rel_origin = np.zeros(3) if part.joint_type == "prismatic" else origin - contact_w
    static = np.concatenate([onehot, axis, rel_origin, normal_w, [float(touched), float(grasped)]]).astype(
        np.float32
    )
    start = sim._last[0].copy()

    def dyn_row() -> np.ndarray:
        lp, lr = sim.link_pose(link)
        tip = sim.tip()
        achieved = task.direction * (sim.joint_value(part) - q_start)
        return np.concatenate([[achieved], tip - (lp + lr @ local), tip - start])

    dyn = [dyn_row()]
    actions, positions, orientations = [], [], []
    tip, rot = start.copy(), r0
    for t in range(N_WAYPOINTS):
        state = build_states(
            static, np.stack(dyn + [dyn[-1]] * (N_WAYPOINTS + 1 - len(dyn))), task.amount, task.kind
        )[t]
        a = np.clip(actor(state) + rng.normal(0.0, noise, ACTION_DIM), -1.0, 1.0)
        tip = tip + a[:3] * ACTION_POS
        rot = Rotation.from_rotvec(a[3:] * ACTION_ROT).as_matrix() @ rot
        sim.move_to(tip, rot, first=t == 0, last=t == N_WAYPOINTS - 1)
        if t == N_WAYPOINTS - 1:
            sim.settle()
        dyn.append(dyn_row())
        actions.append(a)
        positions.append(tip.copy())
        orientations.append(rot)
    # the stored trajectory is relative to the contact point, as the tip started there
    shift = np.asarray(contact_w) - start
    wt = WorldTrajectory(
        np.asarray(contact_w, dtype=np.float64), r0, np.stack(positions) + shift, np.stack(orientations)
    )
    return {
        "static": static,
        "dyn": np.stack(dyn).astype(np.float32),
        "actions": np.stack(actions).astype(np.float32),
        "world": wt,
        "achieved": float(dyn[-1][0]),
    }
