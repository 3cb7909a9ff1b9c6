"""Batch-mode benchmark: prints one JSON document (issue 10, "Done when"). Synthetic data.

    python benchmarks/batch.py [--videos 50,200] [--workers 1,2] [--seconds 3] [--size 96] [--cache DIR]

Short synthetic FFV1 videos (``--seconds`` long, ``--size`` square, distinct HR and seed each) are
generated once into ``--cache`` (kept between runs) in groups of 50. Each (videos, workers) run is
``run_batch(..., settings={"method": "pos"})`` into an empty output folder, in a fresh Python process
(so peak memory figures are that run's own):

* ``videos_per_s``: videos computed per second of wall-clock time of the whole run (worker start-up
  included).
* ``worker_peak_rss_mb``: peak resident memory (VmHWM) of each process that analysed videos, as the
  worker reported it; with 1 worker that process is the driver itself. Flat memory means the 200-video
  figure equals the 50-video one.
* ``driver_peak_rss_mb``: peak resident memory of the driver process (with 2 workers it only writes
  results), which must be flat too.

``loadavg`` is recorded: on a machine shared with other jobs the 2-worker speed-up is below 2.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GROUP = 50


def _cache_dir(args: argparse.Namespace) -> Path:
    if args.cache:
        return Path(args.cache)
    return Path(tempfile.gettempdir()) / f"micropulse-bench-batch-{args.size}px-{args.seconds:g}s"


def make_videos(cache: Path, n: int, seconds: float, size: int) -> tuple[list[str], float]:
    """Make (or reuse) ``n`` videos under ``cache/gK/vNNN``; returns the inputs (group folders), seconds spent."""
    from micropulse.synth import make_pulse_video

    if n % GROUP:
        raise SystemExit(f"--videos must be multiples of {GROUP}, got {n}")
    t0 = time.perf_counter()
    groups = []
    for i in range(n):
        group = cache / f"g{i // GROUP}"
        folder = group / f"v{i:03d}"
        if not (folder / "meta.json").exists():  # meta.json is written last
            make_pulse_video(
                folder, seconds=seconds, hr_bpm=55 + (i * 7) % 70, seed=1000 + i, size=(size, size)
            )
        if str(group) not in groups:
            groups.append(str(group))
    return groups, time.perf_counter() - t0


def child(inputs: list[str], out: str, workers: int) -> None:
    """One run in this process; prints its JSON."""
    from micropulse.pipeline.batch import run_batch
    from micropulse.pipeline.batch_task import memory_mb

    summary = run_batch(inputs, out, {"method": "pos"}, workers=workers, progress=False)
    doc = summary.to_dict()
    doc["driver_peak_rss_mb"] = round(memory_mb()[1], 1)
    print(json.dumps(doc))


def run(inputs: list[str], workers: int, tmp: Path) -> dict:
    out = tmp / f"out_{len(inputs) * GROUP}_{workers}w"
    cmd = [sys.executable, __file__, "--child", "--out", str(out), "--workers", str(workers), *inputs]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"run failed ({' '.join(cmd)}):\n{proc.stderr[-3000:]}")
    doc = json.loads(proc.stdout.strip().splitlines()[-1])
    if doc["failed"]:
        raise SystemExit(f"videos failed: {doc['failures']}")
    peaks = doc["worker_peak_rss_mb"]
    return {
        "videos": doc["n_videos"],
        "workers": workers,
        "wall_s": doc["wall_s"],
        "videos_per_s": doc["videos_per_s"],
        "worker_peak_rss_mb": peaks,
        "max_worker_peak_rss_mb": max(peaks),
        "driver_peak_rss_mb": doc["driver_peak_rss_mb"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inputs", nargs="*", help=argparse.SUPPRESS)
    ap.add_argument("--videos", default="50,200", help="video counts, multiples of 50")
    ap.add_argument("--workers", default="1,2", help="worker counts")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--size", type=int, default=96)
    ap.add_argument("--cache", default=None, help="folder for the generated videos (kept)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.inputs, args.out, int(args.workers))
        return
    counts = [int(x) for x in args.videos.split(",")]
    workers = [int(x) for x in args.workers.split(",")]
    cache = _cache_dir(args)
    groups, made_s = make_videos(cache, max(counts), args.seconds, args.size)
    runs = []
    with tempfile.TemporaryDirectory() as d:
        for n in counts:
            for w in workers:
                runs.append(run(groups[: n // GROUP], w, Path(d)))
    by = {(r["videos"], r["workers"]): r for r in runs}
    ratios = {}
    for n in counts:
        if (n, 1) in by and (n, 2) in by:
            ratios[f"speedup_2w_over_1w_{n}"] = round(
                by[(n, 2)]["videos_per_s"] / by[(n, 1)]["videos_per_s"], 3
            )
    for w in workers:
        if (min(counts), w) in by and (max(counts), w) in by and min(counts) != max(counts):
            lo, hi = by[(min(counts), w)], by[(max(counts), w)]
            ratios[f"worker_rss_{max(counts)}_over_{min(counts)}_{w}w"] = round(
                hi["max_worker_peak_rss_mb"] / lo["max_worker_peak_rss_mb"], 3
            )
    doc = {
        "benchmark": "batch",
        "synthetic": True,
        "video": {"seconds": args.seconds, "size": [args.size, args.size], "fps": 30, "codec": "ffv1"},
        "settings": {"method": "pos"},
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "generate_s": round(made_s, 1),
        "runs": runs,
        "ratios": ratios,
    }
    print(json.dumps(doc, indent=1))


if __name__ == "__main__":
    main()
