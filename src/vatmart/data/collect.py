"""Interaction collection: jobs -> shards, on a local process pool (default) or Ray actors.

Each job covers a range of scene indices and writes one shard when it finishes (atomically); a rerun skips
jobs whose shard exists, so an interrupted collection resumes where it stopped. Workers hold one pybullet
client each and need no torch (the RL actor runs in numpy).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from micropulse.registry import Registry
from vatmart.data.expert import world_cloud
from vatmart.data.explore import explore_scene
from vatmart.data.interact import observe_scene
from vatmart.data.scenes import make_scene, set_object_cache
from vatmart.data.shards import SOURCES, save_shard
from vatmart.errors import InputError
from vatmart.sim.tasks import TASK_KINDS, is_success
from vatmart.sim.trajectory import from_world
from vatmart.sim.world import Simulator

log = logging.getLogger(__name__)
ENGINES: Registry[Callable] = Registry("collection engine")
#: Share of RL episodes whose contact point is on a handle in pull tasks (the rest: anywhere on the part).
RL_HANDLE_SHARE = 0.5


@dataclass(frozen=True)
class CollectJob:
    """Scenes ``first .. first+count-1`` of ``split`` (task kinds cycled), collected with ``policy``
    (``explore`` or ``rl``) into the shard ``out``. ``actor`` holds RL actor weights ((W, b) pairs)."""

    out: str
    split: str
    tasks: tuple[str, ...]
    first: int
    count: int
    seed: int = 0
    policy: str = "explore"
    n_points: int = 512
    cache_dir: str = ""
    episodes: int = 4
    noise: float = 0.3
    actor: tuple = field(default=(), compare=False, repr=False)


_STATE: dict = {}


def _sim() -> Simulator:
    if "sim" not in _STATE:
        _STATE["sim"] = Simulator()
    return _STATE["sim"]


def _rl_scene(sim, scene, cloud, job, rng, rows, extra) -> None:
    from vatmart.rl.episode import mlp_forward

    weights = [(np.asarray(w), np.asarray(b)) for w, b in job.actor]
    target = cloud.require_target()
    handles = np.flatnonzero(cloud.grasp & cloud.target)
    pts_w, nrm_w = world_cloud(cloud)
    task = scene.task
    for _ in range(job.episodes):
        pool = handles if task.direction > 0 and handles.size and rng.random() < RL_HANDLE_SHARE else target
        idx = int(rng.choice(pool))
        ep = _run_rl(sim, scene, pts_w[idx], nrm_w[idx], lambda s: mlp_forward(weights, s), job.noise, rng)
        _, traj = from_world(ep["world"], cloud.cam2world)
        rows.append(("rl", idx, traj, ep["achieved"], is_success(task.amount, ep["achieved"])))
        for k in ("static", "dyn", "actions"):
            extra.setdefault(k, []).append(ep[k])


def _run_rl(*args):
    from vatmart.rl.episode import run_episode

    return run_episode(*args)


def run_job(job: CollectJob) -> str:
    """Collect one shard (in the calling process) and return its path."""
    if job.cache_dir:
        set_object_cache(job.cache_dir)
    sim = _sim()
    scenes, clouds, rows, extra = [], [], [], {}
    for i in range(job.first, job.first + job.count):
        kind = job.tasks[i % len(job.tasks)]
        scene = make_scene(job.split, kind, i, seed=job.seed)
        cloud = observe_scene(sim, scene, n_points=job.n_points)
        rng = np.random.default_rng([job.seed, i, SOURCES.index("rl") if job.policy == "rl" else 0])
        n0 = len(rows)
        if job.policy == "rl":
            _rl_scene(sim, scene, cloud, job, rng, rows, extra)
        else:
            for source, idx, traj, res in explore_scene(sim, scene, cloud, rng):
                rows.append((source, idx, traj, res.achieved, res.success))
        rows[n0:] = [(len(scenes), *r) for r in rows[n0:]]
        scenes.append(scene)
        clouds.append(cloud)
    cols = {
        "scene": np.array([r[0] for r in rows], dtype=np.int32),
        "source": np.array([SOURCES.index(r[1]) for r in rows], dtype=np.int8),
        "contact": np.array([r[2] for r in rows], dtype=np.int32),
        "traj": np.array([r[3] for r in rows], dtype=np.float32).reshape(-1, 5, 6),
        "achieved": np.array([r[4] for r in rows], dtype=np.float32),
        "success": np.array([r[5] for r in rows], dtype=bool),
    }
    cols["task"] = np.array([TASK_KINDS.index(scenes[s].task_kind) for s in cols["scene"]], dtype=np.int8)
    cols["amount"] = np.array([scenes[s].amount for s in cols["scene"]], dtype=np.float32)
    ext = {k: np.stack(v) for k, v in extra.items()}
    save_shard(job.out, scenes=[s.to_json() for s in scenes], clouds=clouds, rows=cols, extra=ext)
    return job.out


def plan_jobs(
    out_dir: str | Path,
    *,
    split: str,
    tasks: Iterable[str],
    scenes: int,
    per_shard: int = 8,
    first: int = 0,
    **kw,
) -> list[CollectJob]:
    """Split ``scenes`` scenes into jobs of ``per_shard`` scenes writing ``out_dir/shard-NNNNN.npz``."""
    tasks = tuple(tasks)
    bad = [t for t in tasks if t not in TASK_KINDS]
    if bad or not tasks:
        raise InputError(f"unknown task(s) {bad or '(none)'}; known: {', '.join(TASK_KINDS)}")
    if scenes < 1 or per_shard < 1:
        raise InputError(f"scenes and per_shard must be >= 1, got {scenes}, {per_shard}")
    out = Path(out_dir)
    jobs = []
    for k, s in enumerate(range(first, first + scenes, per_shard)):
        n = min(per_shard, first + scenes - s)
        jobs.append(
            CollectJob(out=str(out / f"shard-{k:05d}.npz"), split=split, tasks=tasks, first=s, count=n, **kw)
        )
    return jobs


@ENGINES.register("pool")
def _pool(jobs: list[CollectJob], workers: int, advance) -> None:
    if workers <= 1:
        for j in jobs:
            run_job(j)
            advance(1)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as ex:
        futures = [ex.submit(run_job, j) for j in jobs]
        for f in as_completed(futures):
            f.result()
            advance(1)


@ENGINES.register("ray")
def _ray(jobs: list[CollectJob], workers: int, advance) -> None:
    import ray  # optional extra `dist`

    if not ray.is_initialized():
        ray.init(
            num_cpus=max(1, workers), include_dashboard=False, ignore_reinit_error=True, log_to_driver=False
        )

    @ray.remote(num_cpus=1)
    class Collector:  # an actor keeps its pybullet client (and object cache) across jobs
        def run(self, job: CollectJob) -> str:
            return run_job(job)

    actors = [Collector.remote() for _ in range(max(1, workers))]
    pending = [actors[i % len(actors)].run.remote(j) for i, j in enumerate(jobs)]
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        ray.get(done[0])
        advance(1)


def collect(
    jobs: list[CollectJob],
    *,
    engine: str = "pool",
    workers: int = 2,
    show_progress: bool = False,
    cache_dir: str | Path | None = None,
) -> dict:
    """Run the ``jobs`` whose shards do not exist yet; returns counts and timing."""
    from micropulse.progress import progress

    run = ENGINES.get(engine)
    if cache_dir is not None:
        jobs = [replace(j, cache_dir=str(cache_dir)) for j in jobs]
    todo = [j for j in jobs if not Path(j.out).is_file()]
    log.info("%d of %d shards to collect (%s, %d workers)", len(todo), len(jobs), engine, workers)
    t0 = time.perf_counter()
    with progress(len(todo), "collecting", enabled=show_progress) as advance:
        if todo:
            run(todo, workers, advance)
    return {
        "shards": len(jobs),
        "collected": len(todo),
        "skipped": len(jobs) - len(todo),
        "seconds": time.perf_counter() - t0,
    }
