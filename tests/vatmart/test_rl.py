"""RL pieces: VAT-Mart's rewards with the curiosity term, hindsight relabelling, the numpy actor, TD3."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vatmart.data.expert import world_cloud
from vatmart.data.interact import observe_scene
from vatmart.data.scenes import make_scene
from vatmart.rl.episode import (
    ACTION_DIM,
    FAR_DISTANCE,
    STATE_DIM,
    STATIC_DIM,
    build_states,
    mlp_forward,
    rewards,
    run_episode,
)
from vatmart.rl.td3 import TD3, Replay, TD3Settings


def _dyn(final: float, dist: float = 0.0) -> np.ndarray:
    d = np.zeros((5, 7), np.float32)
    d[:, 0] = np.linspace(0, final, 5)
    d[1:, 1] = dist
    return d


def test_rewards_follow_vat_mart():
    amount = 0.5
    r, ok = rewards(_dyn(0.5), amount, "pull-door")
    assert ok and r.sum() == pytest.approx(300 * 0.5 + 500, rel=1e-5)
    r_c, _ = rewards(_dyn(0.5), amount, "pull-door", curiosity=0.8)
    assert r.sum() - r_c.sum() == pytest.approx(500 * 0.8, rel=1e-5)  # curiosity lowers the success reward
    r_f, ok_f = rewards(_dyn(0.2), amount, "pull-door", curiosity=0.8)
    assert not ok_f and r_f.sum() == pytest.approx(300 * 0.2, rel=1e-5)  # no success, no curiosity
    r_d, _ = rewards(_dyn(0.0, FAR_DISTANCE + 0.05), amount, "pull-door")
    assert r_d.sum() == pytest.approx(4 * (-150 * (FAR_DISTANCE + 0.05) - 300), rel=1e-5)
    assert rewards(_dyn(0.1), 0.1, "pull-drawer")[0].sum() == pytest.approx(300 * 0.1 * 4 + 500, rel=1e-5)


def test_hindsight_relabel_turns_a_miss_into_a_success():
    static = np.zeros(STATIC_DIM, np.float32)
    dyn = _dyn(0.3)
    assert not rewards(dyn, 0.6, "pull-door")[1]
    assert rewards(dyn, 0.3, "pull-door")[1]
    s_orig, s_her = build_states(static, dyn, 0.6, "pull-door"), build_states(static, dyn, 0.3, "pull-door")
    assert s_orig.shape == (5, STATE_DIM) and not np.allclose(s_orig, s_her)


def test_numpy_actor_matches_torch_and_td3_learns_a_bandit():
    td3 = TD3(TD3Settings(hidden=64, batch_size=64), seed=0)
    s = np.random.default_rng(0).normal(size=(8, STATE_DIM)).astype(np.float32)
    with torch.no_grad():
        ref = td3.actor(torch.as_tensor(s)).numpy()
    assert np.allclose(mlp_forward(td3.actor_weights(), s), ref, atol=1e-5)
    # one-step problem: reward = -|a - 0.5|; TD3 should push the action towards 0.5
    replay, rng = Replay(5000), np.random.default_rng(1)
    for _ in range(400):
        a = rng.uniform(-1, 1, (1, ACTION_DIM)).astype(np.float32)
        st = np.zeros((2, STATE_DIM), np.float32)
        replay.add_episode(st, a, np.array([-100 * np.abs(a - 0.5).sum()], np.float32))
    td3.update(replay, 600, rng)
    with torch.no_grad():
        act = td3.actor(torch.zeros(1, STATE_DIM)).numpy()[0]
    assert np.abs(act - 0.5).mean() < 0.2, act


def test_rl_episode_runs_in_the_simulator(sim):
    scene = make_scene("train", "pull-drawer", 3, seed=0)
    cloud = observe_scene(sim, scene)
    pts, nrm = world_cloud(cloud)
    i = int(np.flatnonzero(cloud.grasp)[0])
    ep = run_episode(
        sim, scene, pts[i], nrm[i], lambda s: np.zeros(ACTION_DIM), 0.3, np.random.default_rng(0)
    )
    assert (
        ep["static"].shape == (STATIC_DIM,)
        and ep["dyn"].shape == (5, 7)
        and ep["actions"].shape == (4, ACTION_DIM)
    )
    assert ep["static"][-1] == 1.0  # the handle was grasped
    assert ep["achieved"] == pytest.approx(float(ep["dyn"][-1, 0]))
    assert ep["world"].positions.shape == (4, 3)
