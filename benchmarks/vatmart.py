"""vatmart benchmark: one default training run and the sample-success-rate table, plus simulator speed.

Prints JSON:
* ``speed``: physics steps/s of one simulator, and interactions/s of collection on 1 and 2 workers;
* ``run``: what the default training run did (interactions per source, seconds per stage);
* ``table``: sample-success-rate per method × split (novel instances, novel category) × task, with the
  episodes, successes and a Wilson 95 % interval. Methods: ``vatmart`` (full pipeline: exploration data +
  curiosity-driven TD3 data), ``vatmart@no-rl`` (the ablation: the same number of interactions, all from
  exploration, same training schedule), and the baselines ``random``, ``normal``, ``scorer-random``
  (the last one uses the full pipeline's scorer).

Usage: python benchmarks/vatmart.py --work /tmp/vatmart-bench [--scenes 320 --rounds 3 --rl-scenes 24
--eval-episodes 20]. Finished stages are reused when rerun with the same --work (shards, checkpoints,
per-job evaluation results), so an interrupted run resumes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

# this script is called vatmart.py: keep its folder off the path so `import vatmart` finds the package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]


def speed(work: Path, cache: Path, scenes: int) -> dict:
    """Physics steps/s in one process, and interactions/s of collection with 1 and 2 workers."""
    import numpy as np

    from vatmart.data.collect import collect, plan_jobs
    from vatmart.data.explore import explore_scene
    from vatmart.data.interact import observe_scene
    from vatmart.data.scenes import make_scene, set_object_cache
    from vatmart.sim.tasks import TASK_KINDS
    from vatmart.sim.world import Simulator

    set_object_cache(cache)
    sim = Simulator()
    sim.on_step = None
    stepped = 0.0
    n_inter = 0
    t_all = time.perf_counter()
    for i in range(8):
        scene = make_scene("train", TASK_KINDS[i % 4], 900_000 + i, seed=1)
        cloud = observe_scene(sim, scene)
        _s0, t0 = sim.steps, time.perf_counter()
        n_inter += len(explore_scene(sim, scene, cloud, np.random.default_rng(i)))
        stepped += time.perf_counter() - t0
    steps = sim.steps
    t_all = time.perf_counter() - t_all
    # steps/s of the physics alone: time stepSimulation directly on the last loaded scene
    t0 = time.perf_counter()
    for _ in range(2000):
        sim._step()
    raw = 2000 / (time.perf_counter() - t0)
    out = {
        "physics_steps_per_s": raw,
        "steps_per_interaction": steps / n_inter,
        "in_process_interactions_per_s": n_inter / t_all,
    }
    for w in (1, 2):
        shutil.rmtree(work / f"speed-{w}", ignore_errors=True)  # timed afresh on every run, never reused
        jobs = plan_jobs(
            work / f"speed-{w}",
            split="train",
            tasks=TASK_KINDS,
            scenes=scenes,
            per_shard=max(1, scenes // 4),
            first=800_000,
            seed=5,
        )
        res = collect(jobs, workers=w, cache_dir=cache)
        if res["collected"]:
            out[f"interactions_per_s_{w}_workers"] = scenes * 4 / res["seconds"]
            out[f"sim_steps_per_s_{w}_workers"] = scenes * 4 * out["steps_per_interaction"] / res["seconds"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/vatmart-bench"))
    ap.add_argument("--scenes", type=int, default=320, help="exploration scenes (4 interactions each)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rl-scenes", type=int, default=24, help="scenes per RL round")
    ap.add_argument("--episodes", type=int, default=4, help="RL episodes per scene")
    ap.add_argument("--warm-epochs", type=int, default=16)
    ap.add_argument("--round-epochs", type=int, default=4)
    ap.add_argument("--final-epochs", type=int, default=12)
    ap.add_argument("--eval-episodes", type=int, default=20, help="test scenes per (split, task)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--speed-scenes", type=int, default=12)
    args = ap.parse_args()

    import torch

    from vatmart.data.collect import collect, plan_jobs
    from vatmart.evaluation.evaluate import plan_eval, run_eval, summarise
    from vatmart.pipeline import TrainPlan, train
    from vatmart.rl.loop import LoopSettings
    from vatmart.sim.tasks import TASK_KINDS

    work, cache = args.work, args.work / "objects"
    work.mkdir(parents=True, exist_ok=True)
    report: dict = {"settings": vars(args) | {"work": str(work)}}
    t = time.perf_counter()
    report["speed"] = speed(work, cache, args.speed_scenes)
    report["seconds_speed"] = time.perf_counter() - t

    # exploration data, then the same number of extra exploration scenes for the ablation
    t = time.perf_counter()
    kw = dict(split="train", tasks=TASK_KINDS, per_shard=8)
    collect(plan_jobs(work / "explore", scenes=args.scenes, **kw), workers=args.workers, cache_dir=cache)
    extra_scenes = args.rounds * args.rl_scenes * args.episodes // 4
    collect(
        plan_jobs(work / "explore-extra", scenes=extra_scenes, first=args.scenes, **kw),
        workers=args.workers,
        cache_dir=cache,
    )
    report["seconds_collect"] = time.perf_counter() - t

    torch.set_num_threads(1)  # see TrainPlan.threads
    loop = LoopSettings(
        rounds=args.rounds, scenes=args.rl_scenes, episodes=args.episodes, perception_epochs=args.round_epochs
    )
    plan = TrainPlan(loop=loop, warm_epochs=args.warm_epochs, final_epochs=args.final_epochs)
    runs = {}
    for label, dirs, p in (
        ("vatmart", [work / "explore"], plan),
        (
            "vatmart@no-rl",
            [work / "explore", work / "explore-extra"],
            TrainPlan(
                loop=loop,
                warm_epochs=args.warm_epochs,
                rl=False,
                final_epochs=args.final_epochs + args.rounds * args.round_epochs,
            ),
        ),
    ):
        out = work / label.replace("@", "-")
        if not (out / "model.pt").is_file():
            s = train(dirs, out, p, workers=args.workers, cache_dir=cache)
            runs[label] = {
                "seconds": s["seconds"],
                "data": s["all"],
                "epochs": p.total_epochs(),
                "rl_rounds": [
                    {k: v for k, v in r.items() if k != "perception"} for r in s.get("rl_rounds", [])
                ],
            }
        else:
            meta = torch.load(out / "model.pt", weights_only=False)["meta"]
            runs[label] = {
                "seconds": meta["seconds"],
                "data": meta["all"],
                "epochs": p.total_epochs(),
                "reused": True,
            }
    report["run"] = runs

    t = time.perf_counter()
    ckpt = {
        "vatmart": str(work / "vatmart" / "model.pt"),
        "vatmart@no-rl": str(work / "vatmart-no-rl" / "model.pt"),
        "scorer-random": str(work / "vatmart" / "model.pt"),
    }
    jobs = plan_eval(
        work / "eval",
        methods=["vatmart", "vatmart@no-rl", "random", "normal", "scorer-random"],
        checkpoints=ckpt,
        splits=["novel-instance", "novel-category"],
        tasks=list(TASK_KINDS),
        episodes=args.eval_episodes,
        per_job=max(1, args.eval_episodes // 2),
        cache_dir=str(cache),
    )
    run_eval(jobs, workers=args.workers)
    report["seconds_eval"] = time.perf_counter() - t
    table = summarise(work / "eval")
    report["table"] = table
    base = ("random", "normal", "scorer-random")
    report["full_beats_baselines_on_novel_instances"] = all(
        table["vatmart"]["novel-instance"]["mean"]["rate"] > table[b]["novel-instance"]["mean"]["rate"]
        for b in base
    )
    print(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
