"""Evaluation runner benchmark: prints one JSON document (issue 3, "Done when"). Synthetic data.

    python benchmarks/evaluate.py [--videos 4] [--seconds 20] [--short-s 60] [--long-s 600] [--size 96]

* ``wall``: ``micropulse evaluate --method pos`` over a synthetic UBFC-rPPG tree of ``--videos`` videos
  with 1 worker (in-process) and with 2 workers (spawned process pool); ``speedup`` = t1 / t2. On a
  2-core machine shared with other jobs the ideal is 2; ``loadavg`` is recorded.
* ``rss``: peak resident memory (``ru_maxrss``) of the worker process that evaluated one video of
  ``--short-s`` seconds and one of ``--long-s`` seconds (face tracking + POS + recipe), as the worker
  itself reports it in the per-video JSON. Target: <= 500 MB and flat in video length (frames are
  streamed, never held whole).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from micropulse.synth.rppg_trees import make_ubfc_tree
from micropulse.eval.runner import run_evaluation
from micropulse.eval.task import EvalConfig


def _run(root: Path, out: Path, workers: int) -> float:
    cfg = EvalConfig(dataset="ubfc-rppg", root=str(root), method="pos")
    t0 = time.perf_counter()
    summary = run_evaluation(cfg, out, workers=workers)
    if summary.failed:
        raise SystemExit(f"videos failed: {summary.failed}")
    return time.perf_counter() - t0


def _worker_rss(seconds: float, size: int, tmp: Path) -> dict:
    root = tmp / f"rss_{int(seconds)}s"
    t0 = time.perf_counter()
    make_ubfc_tree(root, n_videos=1, seconds=seconds, size=(size, size), seed=11)
    made = time.perf_counter() - t0
    out = tmp / f"out_rss_{int(seconds)}s"
    wall = _run(root, out, workers=2)  # a spawned worker evaluates the video and reports its own peak
    res = json.loads((out / "videos" / "subject1.json").read_text())
    return {
        "seconds": seconds,
        "frames": res["n_frames"],
        "peak_rss_mb": round(res["peak_rss_mb"], 1),
        "video_mb": round((root / "subject1" / "vid.avi").stat().st_size / 2**20, 1),
        "synth_s": round(made, 1),
        "eval_wall_s": round(wall, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--videos", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--short-s", type=float, default=60.0)
    ap.add_argument("--long-s", type=float, default=600.0)
    ap.add_argument("--size", type=int, default=96)
    ap.add_argument("--skip-rss", action="store_true", help="only the 1 vs 2 workers timing")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        root = tmp / "tree"
        make_ubfc_tree(root, n_videos=args.videos, seconds=args.seconds, size=(args.size, args.size), seed=5)
        t1 = _run(root, tmp / "out1", workers=1)
        t2 = _run(root, tmp / "out2", workers=2)
        if not args.skip_rss:
            short = _worker_rss(args.short_s, args.size, tmp)
            long = _worker_rss(args.long_s, args.size, tmp)
    doc = {
        "benchmark": "evaluate",
        "synthetic": True,
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "wall": {
            "videos": args.videos,
            "seconds_each": args.seconds,
            "size": args.size,
            "workers_1_s": round(t1, 2),
            "workers_2_s": round(t2, 2),
            "speedup": round(t1 / t2, 2),
        },
    }
    if not args.skip_rss:
        doc["rss"] = {
            "short": short,
            "long": long,
            "target_mb": 500,
            "long_over_short": round(long["peak_rss_mb"] / short["peak_rss_mb"], 3),
            "within_target": max(short["peak_rss_mb"], long["peak_rss_mb"]) <= 500,
        }
    print(json.dumps(doc, indent=1))


if __name__ == "__main__":
    main()
