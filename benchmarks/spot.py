"""Benchmark of ``micropulse spot``: fps of ME feature extraction + inference on a 640x480 30-fps video.

Makes a synthetic micro-expression video (a 480x480 face clip rendered by :mod:`micropulse.synth.me`,
padded to 640x480 and played forwards/backwards to the requested length; MJPG .avi so decoding is
cheap), then measures, in this one process on whatever cores the machine has (2 in CI):

* ``decode``: iterating the frames with :func:`micropulse.io.open_video` (RGB), the baseline;
* ``spot`` per flow backend (Farneback = the published setting, DIS = the fast option): decode + face
  tracking + ROI flow window features + ME-TST forward + decoding (random-init weights: speed only),
  with timers around face tracking, each optical-flow call, the window features and the model;
  ``flow`` is the summed time inside flow calls (thread-seconds when the flows of a frame run on two
  threads), ``features_other`` the rest of the window-feature time (crops, resizes, pooling),
  ``decode_and_other`` what remains of the wall time (video decoding, grey conversion, generators).

Prints one JSON object. Target (issue 4): spot >= 60 fps (2x real time at 30 fps) on 2 cores. The
ratio ``spot_fps / decode_fps`` is what to compare across machines and loads.

Usage: python benchmarks/spot.py [--seconds 20] [--flows farneback dis] [--threads 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections import defaultdict
from pathlib import Path

SIZE = (640, 480)
FPS = 30.0
FACE = 480  # rendered face clip is FACE x FACE, padded to SIZE
CLIP_SECONDS = 5.0  # distinct rendered frames; longer videos play them forwards and backwards


def make_video(path: Path, seconds: float) -> None:
    import cv2
    import numpy as np

    from micropulse.synth.me import MESettings, material_with_landmarks, render_me_clip, subject_variant

    img, lm = material_with_landmarks()
    face, flm = subject_variant(img, lm, 0, size=FACE)
    clip = render_me_clip(face, flm, MESettings(seconds=CLIP_SECONDS, fps=FPS, n_micro=2, n_macro=0, seed=3))
    pad = (SIZE[0] - FACE) // 2
    frames = [
        cv2.copyMakeBorder(cv2.cvtColor(f, cv2.COLOR_RGB2BGR), 0, 0, pad, SIZE[0] - FACE - pad, cv2.BORDER_REFLECT)
        for f in clip.frames
    ]
    cycle = frames + frames[-2:0:-1]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, SIZE)
    try:
        for i in range(int(round(seconds * FPS))):
            writer.write(cycle[i % len(cycle)])
    finally:
        writer.release()


def decode_fps(path: Path) -> tuple[float, int]:
    from micropulse.io import open_video

    t0 = time.perf_counter()
    n = 0
    with open_video(path) as src:
        for _ in src:
            n += 1
    return n / (time.perf_counter() - t0), n


class Timers:
    """Wrap functions with accumulating wall-clock timers (seconds)."""

    def __init__(self) -> None:
        self.t: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def wrap(self, name: str, fn):  # noqa: ANN001, ANN201
        def timed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.t[name] += time.perf_counter() - t0
                self.calls[name] += 1

        return timed


def spot_fps(path: Path, flow: str) -> dict:
    import torch

    import micropulse.face.tracker as tracker_mod
    import micropulse.me.features as feat_mod
    from micropulse.me.extract import FeatureConfig, extract_me_features
    from micropulse.me.infer import DecodeSettings, decode_video, window_outputs
    from micropulse.me.models import create_me_model

    timers = Timers()
    orig_update, orig_window, orig_create = (
        tracker_mod.FaceTracker.update, feat_mod.WindowFeaturizer.window, feat_mod.create_flow
    )  # fmt: skip
    tracker_mod.FaceTracker.update = timers.wrap("face_tracking", orig_update)
    feat_mod.WindowFeaturizer.window = timers.wrap("window_features", orig_window)
    feat_mod.create_flow = lambda name: timers.wrap("flow", orig_create(name))
    try:
        torch.manual_seed(0)
        model = create_me_model("me-tst").eval()
        t0 = time.perf_counter()
        feats = extract_me_features(path, FeatureConfig(roi_set="me-tst", k=50, flow=flow))
        t1 = time.perf_counter()
        spot, logits = window_outputs(model, feats.features.windows)
        t2 = time.perf_counter()
        decode_video(spot, logits, DecodeSettings())
        t3 = time.perf_counter()
    finally:
        tracker_mod.FaceTracker.update = orig_update
        feat_mod.WindowFeaturizer.window = orig_window
        feat_mod.create_flow = orig_create
    wall = t3 - t0
    n = feats.features.n_frames
    parts = {
        "flow": timers.t["flow"],
        "features_other": timers.t["window_features"] - timers.t["flow"],
        "face_tracking": timers.t["face_tracking"],
        "model": t2 - t1,
        "decoding_intervals": t3 - t2,
    }
    parts["decode_and_other"] = wall - sum(v for k, v in parts.items() if k != "flow") - timers.t["flow"]
    return {
        "flow_backend": flow,
        "frames": n,
        "wall_s": round(wall, 3),
        "fps": round(n / wall, 2),
        "seconds": {k: round(v, 3) for k, v in parts.items()},
        "share": {k: round(v / wall, 3) for k, v in parts.items()},
        "flow_calls": timers.calls["flow"],
        "flow_ms_per_call": round(1e3 * timers.t["flow"] / max(timers.calls["flow"], 1), 3),
        "face_coverage": round(feats.face_coverage, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--flows", nargs="+", default=["farneback", "dis"])
    ap.add_argument("--threads", type=int, default=2, help="cv2 / torch threads (the target is for 2 cores)")
    ap.add_argument("--keep", type=Path, default=None, help="keep / reuse the video in this folder")
    args = ap.parse_args()

    import cv2
    import torch

    cv2.setNumThreads(args.threads)
    torch.set_num_threads(args.threads)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="mp_spot_bench_"))
    folder.mkdir(parents=True, exist_ok=True)
    video = folder / f"me_{SIZE[0]}x{SIZE[1]}_{args.seconds:g}s.avi"
    if not video.exists():
        make_video(video, args.seconds)
    base_fps, n = decode_fps(video)
    runs = [spot_fps(video, flow) for flow in args.flows]
    for r in runs:
        r["ratio_to_decode"] = round(r["fps"] / base_fps, 4)
        r["realtime_factor_at_30fps"] = round(r["fps"] / FPS, 3)
        r["meets_60fps_target"] = r["fps"] >= 60.0
    load = os.getloadavg()
    print(json.dumps({
        "video": {"size": list(SIZE), "fps": FPS, "frames": n, "codec": "MJPG", "synthetic": True},
        "cores": os.cpu_count(), "threads": args.threads, "load_avg_1m": round(load[0], 2),
        "decode_only_fps": round(base_fps, 2),
        "spot": runs,
        "note": "random-init ME-TST (speed only); numbers scale with machine load, compare ratio_to_decode",
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
