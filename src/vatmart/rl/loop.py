"""VAT-Mart's interaction-for-perception loop: rounds of (collect RL episodes with the current actor,
lower their success rewards by the scorer's predicted success — the curiosity term —, add them and their
hindsight relabels to the replay buffer, update TD3, train the perception networks on all data so far).

After every round the loop's state (TD3, replay buffer, perception weights and optimiser) is saved
atomically, so a rerun continues with the next round; the round's shards are reused.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from vatmart.data.collect import collect, plan_jobs
from vatmart.data.shards import Dataset, load_dataset, shard_paths
from vatmart.perception.data import build_table, task_vectors
from vatmart.perception.frames import from_per_unit, per_unit
from vatmart.perception.infer import score_examples
from vatmart.perception.model import VatMartNet
from vatmart.perception.train import PerceptionSettings, fit_perception
from vatmart.rl.episode import build_states, rewards
from vatmart.rl.td3 import TD3, Replay
from vatmart.sim.tasks import TASK_KINDS, TASK_RANGES

log = logging.getLogger(__name__)
#: RL scenes use training-split indices far from the exploration data's.
RL_SCENE_OFFSET = 500_000


@dataclass(frozen=True)
class LoopSettings:
    """``rounds`` of ``scenes`` scenes × ``episodes`` RL episodes; ``td3_updates`` gradient steps and
    ``perception_epochs`` epochs per round; exploration ``noise`` (std of the action noise); ``curiosity``
    switches the curiosity term (VAT-Mart: on)."""

    rounds: int = 4
    scenes: int = 48
    episodes: int = 4
    td3_updates: int = 300
    perception_epochs: int = 4
    noise: float = 0.3
    curiosity: bool = True
    seed: int = 0


def _episode_tables(ds: Dataset):
    """Yield (row index, static, dyn, actions) for every RL row of ``ds``, in row order."""
    rl_rows = np.flatnonzero(ds.rows.source == 3)
    static = (
        np.concatenate([e["static"] for e in ds.extras if "static" in e]) if len(rl_rows) else np.zeros((0,))
    )
    dyn = np.concatenate([e["dyn"] for e in ds.extras if "dyn" in e]) if len(rl_rows) else np.zeros((0,))
    actions = (
        np.concatenate([e["actions"] for e in ds.extras if "actions" in e])
        if len(rl_rows)
        else np.zeros((0,))
    )
    return rl_rows, static, dyn, actions


def feed_replay(replay: Replay, ds: Dataset, model: VatMartNet | None, *, curiosity: bool) -> dict:
    """Add the RL episodes of ``ds`` (and their hindsight relabels) to ``replay``; returns counts."""
    rows, static, dyn, actions = _episode_tables(ds)
    if len(rows) == 0:
        return {"episodes": 0, "successes": 0, "relabelled": 0}
    r = ds.rows
    kinds = [TASK_KINDS[t] for t in r.task[rows]]
    amounts = r.amount[rows].astype(np.float64)
    achieved = dyn[:, -1, 0].astype(np.float64)
    lo = np.array([TASK_RANGES[k.split("-")[1]][0] for k in kinds])
    hi = np.array([TASK_RANGES[k.split("-")[1]][1] for k in kinds])
    relabel = (achieved >= lo) & (achieved <= hi)
    cur = np.zeros(len(rows))
    cur_h = np.zeros(len(rows))
    if curiosity and model is not None:
        table = build_table(ds, relabel=False)
        xyz = table.xyz
        idx = r.scene[rows]
        tv = task_vectors(r.task[rows], amounts)
        # the table's rows are the dataset's rows (no relabelling), its trajectories as the networks take them
        traj = table.traj[rows]
        cur = score_examples(model, xyz, table.normals, idx, r.contact[rows], traj, tv)
        tvh = task_vectors(r.task[rows], np.where(relabel, achieved, amounts))
        traj_h = per_unit(from_per_unit(traj, amounts), np.where(relabel, achieved, amounts))
        cur_h = score_examples(model, xyz, table.normals, idx, r.contact[rows], traj_h, tvh)
    n_succ = 0
    for i in range(len(rows)):
        rew, ok = rewards(dyn[i], amounts[i], kinds[i], curiosity=float(cur[i]))
        n_succ += ok
        replay.add_episode(build_states(static[i], dyn[i], amounts[i], kinds[i]), actions[i], rew)
        if relabel[i]:
            rew_h, _ = rewards(dyn[i], achieved[i], kinds[i], curiosity=float(cur_h[i]))
            replay.add_episode(build_states(static[i], dyn[i], achieved[i], kinds[i]), actions[i], rew_h)
    return {
        "episodes": int(len(rows)),
        "successes": int(n_succ),
        "relabelled": int(relabel.sum()),
        "mean_curiosity": float(cur.mean()),
    }


def _save_state(path: Path, state: dict) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    torch.save(state, tmp)
    os.replace(tmp, path)


def interaction_loop(
    model: VatMartNet,
    data_paths: list[Path],
    out_dir: str | Path,
    loop: LoopSettings,
    perception: PerceptionSettings,
    *,
    epoch0: int,
    total_epochs: int,
    engine: str = "pool",
    workers: int = 2,
    cache_dir: str | Path | None = None,
    n_points: int = 512,
    tasks: tuple[str, ...] = TASK_KINDS,
    advance=None,
) -> dict:
    """Run the rounds; trains ``model`` in place and returns a per-round log and the RL shard paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    state_path = out / "loop_state.pt"
    td3 = TD3(seed=loop.seed)
    replay = Replay(td3.cfg.buffer_size)
    rng = np.random.default_rng(loop.seed)
    history, start = [], 0
    if state_path.is_file():
        st = torch.load(state_path, weights_only=False)
        if st.get("settings") == json.dumps(loop.__dict__, sort_keys=True):
            td3.actor.load_state_dict(st["actor"])
            for name in ("actor_t", "q1", "q2", "q1_t", "q2_t"):
                getattr(td3, name).load_state_dict(st[name])
            replay, rng, history, start = st["replay"], st["rng"], st["history"], st["round"] + 1
            model.load_state_dict(st["model"])
            log.info("resuming the interaction loop at round %d", start)
    rl_paths: list[Path] = []
    for k in range(loop.rounds):
        rdir = out / "rl" / f"round-{k:03d}"
        if k < start:
            rl_paths += shard_paths(rdir)
            continue
        jobs = plan_jobs(
            rdir,
            split="train",
            tasks=tasks,
            scenes=loop.scenes,
            per_shard=max(1, loop.scenes // (2 * workers)),
            first=RL_SCENE_OFFSET + k * loop.scenes,
            seed=loop.seed + k,
            policy="rl",
            episodes=loop.episodes,
            noise=loop.noise,
            actor=td3.actor_weights(),
            n_points=n_points,
        )
        collect(jobs, engine=engine, workers=workers, cache_dir=cache_dir)
        paths = shard_paths(rdir)
        rl_paths += paths
        counts = feed_replay(replay, load_dataset(paths), model, curiosity=loop.curiosity)
        losses = td3.update(replay, loop.td3_updates, rng)
        table = build_table(load_dataset(list(data_paths) + rl_paths))
        ps = PerceptionSettings(**{**perception.__dict__, "epochs": loop.perception_epochs})
        hist = fit_perception(
            model,
            table,
            ps,
            start_epoch=epoch0 + k * loop.perception_epochs,
            total_epochs=total_epochs,
            advance=advance,
        )
        history.append({"round": k, **counts, **losses, "perception": hist[-1] if hist else {}})
        log.info("interaction round %d: %s", k, history[-1])
        _save_state(
            state_path,
            {
                "settings": json.dumps(loop.__dict__, sort_keys=True),
                "round": k,
                "replay": replay,
                "rng": rng,
                "history": history,
                "model": model.state_dict(),
                "actor": td3.actor.state_dict(),
                **{n: getattr(td3, n).state_dict() for n in ("actor_t", "q1", "q2", "q1_t", "q2_t")},
            },
        )
    return {"rounds": history, "rl_paths": [str(p) for p in rl_paths]}
