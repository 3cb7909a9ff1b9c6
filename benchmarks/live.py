"""Benchmark of ``micropulse live``: frame->HR latency, sustainable fps on one core, flat memory.

Makes a 60-s synthetic face video (lossless FFV1, 72 bpm, default 320x240 at 30 fps), pins this process to
one CPU core, and measures:

* ``decode``: iterating the frames with :func:`micropulse.io.open_video` only — the ceiling;
* ``live``: :func:`micropulse.pipeline.live.run_live` as fast as possible (decode + face tracking + skin
  regions per frame; POS + pulse summary on the 10-s window every second). ``sustainable_fps`` is
  frames / wall time: the highest camera rate the loop keeps up with on one core. ``cpu_ms_per_frame``
  (process CPU time) is reported too, since wall-clock rates follow the load of a shared machine.
* ``latency_ms``: wall time from a frame's arrival to the HR update it completes (median, p95), i.e. the
  pulse summary's cost plus that frame's own tracking;
* ``rss``: peak resident memory (``ru_maxrss``) of a fresh process replaying a 1-min stream and of
  another replaying a 10-min stream (the 60-s file looped 10 times, times running on), HR checked.

Prints one JSON object. Goal (issue 16): the two peak RSS differ by < 10 %.

Usage: python benchmarks/live.py [--seconds 60] [--loops 10] [--size 320x240] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


def pin_one_core() -> int | None:
    """Run on one CPU core (Linux); returns the core, or None where affinity cannot be set."""
    try:
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return core
    except (AttributeError, OSError):
        return None


def looped(path: Path, loops: int):  # noqa: ANN201 - a VideoSource
    """The file played ``loops`` times as one stream, frame times running on."""
    from micropulse.io import Frame, VideoSource, open_video

    class Looped(VideoSource):
        def __init__(self) -> None:
            super().__init__()
            first = open_video(path)
            self.fps, self.width, self.height, self.codec = first.fps, first.width, first.height, first.codec
            self.n_frames = (first.n_frames or 0) * loops
            first.close()

        @property
        def name(self) -> str:
            return f"{path.name} x{loops}"

        def _frames(self) -> Iterator[Frame]:
            index, offset = 0, 0.0
            for _ in range(loops):
                src = open_video(path)
                last = 0.0
                for f in src:
                    last = f.time_s
                    yield Frame(index, offset + f.time_s, f.rgb)
                    index += 1
                offset += last + 1.0 / src.fps

    return Looped()


def child(video: Path, loops: int) -> None:
    """One replay in this process; prints its summary and peak RSS as JSON."""
    pin_one_core()
    from micropulse.pipeline.live import LiveEstimator, run_live

    est = LiveEstimator(method="pos", window_s=10)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    summary = run_live(looped(video, loops), est, realtime=False)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    est.close()
    out = summary.to_dict()
    out.update(
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        sustainable_fps=summary.frames / wall,
        cpu_ms_per_frame=1000 * cpu / max(1, summary.frames),
    )
    print(json.dumps(out))


def decode_only(video: Path) -> dict:
    from micropulse.io import open_video

    src = open_video(video)
    cpu0, t0 = time.process_time(), time.perf_counter()
    n = sum(1 for _ in src)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return {"frames": n, "fps": n / wall, "cpu_ms_per_frame": 1000 * cpu / n}


def run_child(video: Path, loops: int) -> dict:
    cmd = [sys.executable, __file__, "--child", str(video), "--loops", str(loops)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--loops", type=int, default=10)
    ap.add_argument("--size", default="320x240")
    ap.add_argument("--keep", type=Path, default=None, help="folder to keep the synthetic video in")
    ap.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        child(args.child, args.loops)
        return
    core = pin_one_core()
    from micropulse.synth import make_pulse_video

    w, h = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        video = folder / "video.mkv"
        if not video.exists():
            make_pulse_video(folder, seconds=args.seconds, hr_bpm=72.0, seed=11, size=(w, h))
        decode = decode_only(video)
        short = run_child(video, 1)
        long = run_child(video, args.loops)
    print(json.dumps({
        "video": {"seconds": args.seconds, "size": [w, h], "fps": 30.0, "hr_bpm": 72.0, "codec": "FFV1"},
        "cpu_core": core,
        "load_average": os.getloadavg(),
        "decode_only": decode,
        "live_1min": short,
        "live_long": long,
        "latency_ms": {"median": short["latency_ms_median"], "p95": short["latency_ms_p95"]},
        "sustainable_fps_1_core": short["sustainable_fps"],
        "decode_fps_1_core": decode["fps"],
        "peak_rss_mb": {"1min": short["peak_rss_mb"], f"{args.loops}min": long["peak_rss_mb"]},
        "rss_ratio_long_vs_short": long["peak_rss_mb"] / short["peak_rss_mb"],
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
