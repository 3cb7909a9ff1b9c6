"""Sample-success-rate evaluation: every method acts once in each of the same test scenes (novel
instances and/or the novel category, per task); results per job are written as JSON (atomic) and reused
by a rerun. Rates come with a Wilson 95 % binomial confidence interval.
"""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vatmart.data.interact import observe_scene, run_interaction
from vatmart.data.scenes import make_scene, set_object_cache
from vatmart.errors import InputError
from vatmart.evaluation.methods import METHODS, NEEDS_MODEL
from vatmart.objects.splits import SPLITS
from vatmart.sim.tasks import TASK_KINDS

log = logging.getLogger(__name__)
#: Test scenes are drawn with this seed, the same for every method.
EVAL_SEED = 20_220_425
Z95 = 1.959963984540054


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial rate (95 % by default)."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class EvalJob:
    """``count`` test scenes from index ``first`` of ``split`` for ``task``, acted on by ``method``."""

    out: str
    method: str
    checkpoint: str
    split: str
    task: str
    first: int
    count: int
    cache_dir: str = ""
    n_points: int = 512


_STATE: dict = {}


def _model(path: str):
    if not path:
        return None
    if _STATE.get("ckpt") != path:
        import torch

        from vatmart.perception.train import load_checkpoint

        torch.set_num_threads(1)
        _STATE["model"], _ = load_checkpoint(path)
        _STATE["ckpt"] = path
    return _STATE["model"]


def run_eval_job(job: EvalJob) -> str:
    """Run one evaluation job in this process and write its JSON results."""
    from vatmart.sim.world import Simulator

    if job.cache_dir:
        set_object_cache(job.cache_dir)
    sim = _STATE.setdefault("sim", Simulator())
    model = _model(job.checkpoint) if job.method in NEEDS_MODEL else None
    method = METHODS.get(job.method)
    episodes = []
    for i in range(job.first, job.first + job.count):
        scene = make_scene(job.split, job.task, i, seed=EVAL_SEED)
        cloud = observe_scene(sim, scene, n_points=job.n_points)
        rng = np.random.default_rng([EVAL_SEED, i, TASK_KINDS.index(job.task)])
        point, traj = method(model, cloud, scene.task, rng)
        res = run_interaction(sim, scene, cloud.points[point], traj, cloud.cam2world)
        episodes.append(
            {
                "index": i,
                "amount": scene.amount,
                "achieved": res.achieved,
                "success": res.success,
                "on_target": bool(cloud.target[point]),
                "grasped": res.outcome.grasped,
            }
        )
    p = Path(job.out)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.")
    with os.fdopen(fd, "w") as fh:
        json.dump({"job": {k: v for k, v in job.__dict__.items()}, "episodes": episodes}, fh)
    os.replace(tmp, p)
    return job.out


def plan_eval(
    out_dir: str | Path,
    *,
    methods: list[str],
    checkpoints: dict[str, str],
    splits: list[str],
    tasks: list[str],
    episodes: int,
    per_job: int = 10,
    cache_dir: str = "",
    n_points: int = 512,
) -> list[EvalJob]:
    """Jobs for every (label, split, task); ``checkpoints`` maps a label to (method, checkpoint) via
    ``label -> checkpoint`` for model methods, labels default to method names."""
    for s in splits:
        SPLITS.get(s)
    bad = [t for t in tasks if t not in TASK_KINDS]
    if bad:
        raise InputError(f"unknown task(s) {bad}; known: {', '.join(TASK_KINDS)}")
    if episodes < 1:
        raise InputError(f"episodes must be >= 1, got {episodes}")
    jobs = []
    for label in methods:
        method = label.split("@")[0]
        METHODS.get(method)
        ckpt = checkpoints.get(label, "")
        if method in NEEDS_MODEL and not ckpt:
            from vatmart.errors import CheckpointError

            raise CheckpointError(f"method {method!r} needs a checkpoint")
        for s in splits:
            for t in tasks:
                for f in range(0, episodes, per_job):
                    n = min(per_job, episodes - f)
                    out = Path(out_dir) / label / s / t / f"job-{f:05d}.json"
                    jobs.append(EvalJob(str(out), method, ckpt, s, t, f, n, cache_dir, n_points))
    return jobs


def run_eval(jobs: list[EvalJob], *, workers: int = 2, show_progress: bool = False) -> float:
    """Run the jobs whose results are missing (process pool when ``workers`` > 1); returns seconds."""
    from micropulse.progress import progress

    todo = [j for j in jobs if not Path(j.out).is_file()]
    t0 = time.perf_counter()
    with progress(len(todo), "evaluating", enabled=show_progress) as advance:
        if workers <= 1:
            for j in todo:
                run_eval_job(j)
                advance(1)
        elif todo:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor, as_completed

            with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as ex:
                for f in as_completed([ex.submit(run_eval_job, j) for j in todo]):
                    f.result()
                    advance(1)
    return time.perf_counter() - t0


def summarise(out_dir: str | Path) -> dict:
    """Table ``label -> split -> task -> {episodes, successes, rate, ci95}`` (plus ``mean`` over tasks)."""
    table: dict = {}
    for p in sorted(Path(out_dir).rglob("job-*.json")):
        label, split, task = p.parts[-4], p.parts[-3], p.parts[-2]
        eps = json.loads(p.read_text())["episodes"]
        cell = (
            table.setdefault(label, {})
            .setdefault(split, {})
            .setdefault(task, {"episodes": 0, "successes": 0})
        )
        cell["episodes"] += len(eps)
        cell["successes"] += sum(e["success"] for e in eps)
    for label in table.values():
        for split in label.values():
            n = s = 0
            for cell in split.values():
                cell["rate"] = cell["successes"] / cell["episodes"]
                cell["ci95"] = list(wilson_interval(cell["successes"], cell["episodes"]))
                n += cell["episodes"]
                s += cell["successes"]
            split["mean"] = {
                "episodes": n,
                "successes": s,
                "rate": s / n,
                "ci95": list(wilson_interval(s, n)),
            }
    return table
