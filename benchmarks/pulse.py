"""Benchmark of ``micropulse pulse``: end-to-end fps vs decode-only fps, and peak memory vs video length.

Makes synthetic 640x480, 30-fps face videos in a temp dir (MJPG .avi and lossless FFV1 .mkv, 60 s;
plus a 10-min MJPG video for the memory check), then runs each measurement in its own subprocess
(so each has its own peak RSS; the videos are made in subprocesses too):

* decode-only: iterate the frames with ``micropulse.io.open_video`` (the decoder the pipeline uses);
* end-to-end: ``micropulse.pipeline.pulse.analyse_video`` (decode + face + regions + POS + HR), timed
  after the imports (reported apart as ``import_startup_s``); the face models are built inside the call.

Prints one JSON object. Targets (issue 6): end-to-end >= 50% of decode-only fps for every codec,
>= 300 fps on MJPG, peak RSS of the 10-min run within 10% of the 1-min run.

Throughput is the best of ``--repeat`` alternating runs (the machine may be shared). The FFV1 file
carries sensor noise (std 1 grey level), so it compresses little and decodes slowly.

Usage: python benchmarks/pulse.py [--seconds 60] [--long-seconds 600] [--codecs mjpg ffv1] [--repeat 2]
       [--keep DIR] [--skip-memory]

``ratio`` is best e2e fps / best decode fps; ``ratio_paired_median`` the median over the alternating
(decode, e2e) pairs of e2e fps / decode fps (each pair measured back to back).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CODECS = {"mjpg": ("MJPG", ".avi"), "ffv1": ("FFV1", ".mkv")}
SIZE = (640, 480)
FPS = 30.0
HR_BPM = 72.0  # a 25-frame period at 30 fps: the looped material below stays in pulse phase
LOOP_FRAMES = 150  # distinct rendered frames (5 s = 6 beats), written cyclically


def make_video(path: Path, seconds: float, fourcc: str) -> None:
    """Write a synthetic face video by cycling LOOP_FRAMES rendered frames (fast to make, any length)."""
    import cv2
    import numpy as np

    from micropulse.io import write_video
    from micropulse.synth.ppg import ppg_waveform
    from micropulse.synth.pulse_video import SynthSettings, render_frames

    settings = SynthSettings(width=SIZE[0], height=SIZE[1], noise_std=1.0)
    t = np.arange(LOOP_FRAMES) / FPS
    wave = ppg_waveform(t, HR_BPM, seed=0, hrv_bpm=0.0, rsa_bpm=0.0, baseline_depth=0.0, amplitude_depth=0.0)
    frames = list(render_frames(LOOP_FRAMES, FPS, wave.bvp, settings, 0))
    n = int(round(seconds * FPS))
    if fourcc == "FFV1":
        write_video(path, (frames[i % LOOP_FRAMES] for i in range(n)), FPS)
        return
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), FPS, SIZE)
    try:
        bgr = [cv2.cvtColor(f, cv2.COLOR_RGB2BGR) for f in frames]
        for i in range(n):
            writer.write(bgr[i % LOOP_FRAMES])
    finally:
        writer.release()


def _peak_rss_mb() -> float:
    """This process's peak resident memory, MiB.

    VmHWM from /proc (Linux) rather than ru_maxrss: ru_maxrss survives fork + exec, so a child would
    report its parent's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def child(mode: str, path: str) -> None:
    """Run one measurement in this process and print its JSON (``make``: write a video, ``path:seconds:fourcc``)."""
    if mode == "make":
        target, seconds, fourcc = path.rsplit(":", 2)
        make_video(Path(target), float(seconds), fourcc)
        print(json.dumps({"made": target}))
        return
    if mode == "decode":
        from micropulse.io import open_video

        t0 = time.perf_counter()
        n = 0
        with open_video(path) as src:
            for _ in src:
                n += 1
        dt = time.perf_counter() - t0
        out = {"frames": n, "seconds": dt, "fps": n / dt}
    else:
        t_import = time.perf_counter()
        # imports (mediapipe, scipy) are start-up, not per frame (the CLI loads both lazily)
        import scipy.signal  # noqa: F401

        import micropulse.face.mediapipe as mpface
        import micropulse.rppg.classic  # noqa: F401
        import micropulse.signals  # noqa: F401

        getattr(mpface, "import_mediapipe", lambda: __import__("mediapipe"))()  # older trees: plain import
        from micropulse.pipeline.pulse import analyse_video

        startup = time.perf_counter() - t_import
        t0 = time.perf_counter()
        res = analyse_video(path, method="pos")  # models are built inside: counted
        dt = time.perf_counter() - t0
        out = {
            "frames": res.n_frames,
            "seconds": dt,
            "startup_s": startup,
            "fps": res.n_frames / dt,
            "hr_bpm": res.hr_bpm,
            "face_coverage": res.face_coverage,
        }
    out["peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps(out))


def _run_child(mode: str, path: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} on {path} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the throughput videos, s")
    ap.add_argument("--long-seconds", type=float, default=600.0, help="length of the memory-check video, s")
    ap.add_argument("--codecs", nargs="+", default=list(CODECS), choices=list(CODECS))
    ap.add_argument("--repeat", type=int, default=2, help="throughput runs per codec (best is kept)")
    ap.add_argument("--keep", type=Path, default=None, help="make/keep the videos in this folder")
    ap.add_argument("--skip-memory", action="store_true", help="skip the long-video memory check")
    ap.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return

    tmp = tempfile.TemporaryDirectory() if args.keep is None else None
    folder = Path(tmp.name) if tmp else args.keep
    folder.mkdir(parents=True, exist_ok=True)
    report: dict = {
        "synthetic": True,
        "size": list(SIZE),
        "fps": FPS,
        "truth_hr_bpm": HR_BPM,
        "repeat": args.repeat,
        "load_avg_1min": round(os.getloadavg()[0], 2),
        "codecs": {},
    }
    try:
        for name in args.codecs:
            fourcc, ext = CODECS[name]
            path = folder / f"bench_{int(args.seconds)}s_{name}{ext}"
            if not path.exists():
                _run_child("make", f"{path}:{args.seconds}:{fourcc}")
            # best of --repeat runs, alternating, so a burst of load on a shared machine hits both alike
            runs = [(_run_child("decode", path), _run_child("e2e", path)) for _ in range(args.repeat)]
            dec = max((r[0] for r in runs), key=lambda r: r["fps"])
            e2e = max((r[1] for r in runs), key=lambda r: r["fps"])
            report["codecs"][name] = {
                "decode_fps": round(dec["fps"], 1),
                "end_to_end_fps": round(e2e["fps"], 1),
                "import_startup_s": round(e2e["startup_s"], 2),
                "ratio": round(e2e["fps"] / dec["fps"], 3),
                "ratio_paired_median": round(statistics.median(r[1]["fps"] / r[0]["fps"] for r in runs), 3),
                "ratios_paired": [round(r[1]["fps"] / r[0]["fps"], 3) for r in runs],
                "frames": e2e["frames"],
                "hr_bpm": round(e2e["hr_bpm"], 2),
                "face_coverage": e2e["face_coverage"],
                "peak_rss_mb": round(e2e["peak_rss_mb"], 1),
                "decode_peak_rss_mb": round(dec["peak_rss_mb"], 1),
                "meets_ratio_target": e2e["fps"] >= 0.5 * dec["fps"],
            }
        if "mjpg" in report["codecs"]:
            report["codecs"]["mjpg"]["meets_300fps_target"] = (
                report["codecs"]["mjpg"]["end_to_end_fps"] >= 300
            )
        if args.skip_memory:
            return _finish(report, tmp)
        long_path = folder / f"bench_{int(args.long_seconds)}s_mjpg.avi"
        if not long_path.exists():
            _run_child("make", f"{long_path}:{args.long_seconds}:MJPG")
        short_path = folder / f"bench_{int(args.seconds)}s_mjpg.avi"
        if not short_path.exists():
            _run_child("make", f"{short_path}:{args.seconds}:MJPG")
        short = _run_child("e2e", short_path)
        long = _run_child("e2e", long_path)
        report["memory"] = {
            "codec": "mjpg",
            "short_s": args.seconds,
            "long_s": args.long_seconds,
            "short_peak_rss_mb": round(short["peak_rss_mb"], 1),
            "long_peak_rss_mb": round(long["peak_rss_mb"], 1),
            "ratio": round(long["peak_rss_mb"] / short["peak_rss_mb"], 3),
            "long_end_to_end_fps": round(long["fps"], 1),
            "long_hr_bpm": round(long["hr_bpm"], 2),
            "meets_target": long["peak_rss_mb"] <= 1.10 * short["peak_rss_mb"],
        }
    except BaseException:
        if tmp:
            tmp.cleanup()
        raise
    _finish(report, tmp)


def _finish(report: dict, tmp: tempfile.TemporaryDirectory | None) -> None:
    if tmp:
        tmp.cleanup()
    report["load_avg_1min_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
