"""The deep path end to end (``micropulse pulse --model``), stage by stage: prints one JSON document.

    python benchmarks/deep_path.py [--weights FILE] [--model rhythmmamba] [--short-s 60] [--long-s 600]
                                   [--size 160x120] [--threads 0] [--skip-long] [--timeout 7200]

Synthetic lossless videos (``micropulse.synth.make_pulse_video``, 30 fps, ``--size``) of ``--short-s`` and
``--long-s`` seconds are analysed by :func:`micropulse.analyse_video` with ``--model`` and ``--weights``
(default: open-rppg's ``RhythmMamba.pure`` weights shipped inside the ``rppg`` package, when installed).
Each video runs in its own process, so ``peak_rss_mb`` is that process's peak resident memory.

Per video: stage times in seconds — ``read_crops`` (decode + face tracking + crops, decoding overlapped
with the face work), ``model_rate`` (the frame-rate policy's index), ``windows`` (model-rate frames
gathered + normalisation, per chunk), ``model`` (the network's forwards), ``post`` (overlap-add, HR
summary and the rest), the in-process and whole-process fps, and peak RSS. ``network`` is the same
loaded network on one chunk of random input (frames/s of the forward alone); ``deep_py`` is
``benchmarks/deep.py``'s own measurement (random-init registry model, one forward of ``chunk`` frames)
in the same run. ``checks``: whole-video fps / network fps (goal >= 0.5) and the long/short peak RSS ratio
(goal <= 1.10). The machine may be loaded: compare ratios within one run only (``loadavg`` is recorded).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def default_weights() -> str | None:
    spec = importlib.util.find_spec("rppg")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "weights" / "RhythmMamba.pure.weights.h5"
    return str(path) if path.exists() else None


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def child_analyse(video: str, model: str, weights: str, threads: int) -> dict:
    """Analyse ``video`` with the deep model, timing each stage by wrapping the functions that do it."""
    t_start = time.perf_counter()
    import torch

    if threads > 0:
        torch.set_num_threads(threads)
    from micropulse.frontend import clock, predict
    from micropulse.pipeline.pulse import analyse_video
    from micropulse.rppg.deep import inference, transforms

    times = {"read_crops": 0.0, "model_rate": 0.0, "windows": 0.0, "model": 0.0, "deep_from_face": 0.0}

    def timed(name, fn):  # noqa: ANN001, ANN202
        def wrapper(*a, **k):  # noqa: ANN002, ANN003, ANN202
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                times[name] += time.perf_counter() - t0

        return wrapper

    predict.read_crops = timed("read_crops", predict.read_crops)
    predict.deep_from_face = timed("deep_from_face", predict.deep_from_face)
    clock.model_rate_index = timed("model_rate", clock.model_rate_index)
    inference._run = timed("model", inference._run)
    transforms.PreparedVideo.window = timed("windows", transforms.PreparedVideo.window)
    t_imported = time.perf_counter()
    t0 = time.perf_counter()
    result = analyse_video(video, model=model, weights=weights)
    total = time.perf_counter() - t0
    n = int(result.n_frames)
    stages = {k: round(v, 3) for k, v in times.items() if k != "deep_from_face"}
    stages["post"] = round(total - times["read_crops"] - times["deep_from_face"], 3)
    stages["deep_other"] = round(times["deep_from_face"] - times["model_rate"] - times["windows"] - times["model"], 3)
    return {
        "frames": n,
        "hr_bpm": result.hr_bpm,
        "import_s": round(t_imported - t_start, 3),
        "analyse_s": round(total, 3),
        "stages_s": stages,
        "fps_in_process": round(n / total, 2),
        "torch_threads": torch.get_num_threads(),
        "peak_rss_mb": round(_peak_mb(), 1),
    }


def child_network(model: str, weights: str, threads: int) -> dict:
    """The loaded network alone: one forward of one training chunk of random input, after a warm-up."""
    import torch

    if threads > 0:
        torch.set_num_threads(threads)
    from micropulse.rppg.deep import create_model

    net = create_model(model, weights=weights).eval()
    info = net.weights_info
    n, s = int(info.chunk_length), int(info.input_size)
    with torch.no_grad():
        net(torch.randn(1, n, 3, s, s))
        x = torch.randn(1, n, 3, s, s)
        t0 = time.perf_counter()
        net(x)
        dt = time.perf_counter() - t0
    return {"chunk": n, "size": s, "seconds": round(dt, 3), "fps": round(n / dt, 2), "torch_threads": torch.get_num_threads()}


def _spawn(args: list[str], timeout: float) -> dict:
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_wall_s"] = round(wall, 3)
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--weights", default=None)
    p.add_argument("--model", default="rhythmmamba")
    p.add_argument("--short-s", type=float, default=60.0)
    p.add_argument("--long-s", type=float, default=600.0)
    p.add_argument("--size", default="160x120", help="synthetic video size WxH")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    p.add_argument("--skip-long", action="store_true")
    p.add_argument("--timeout", type=float, default=7200.0)
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        out = child_analyse(rest[0], args.model, rest[1], args.threads) if kind == "analyse" else child_network(
            args.model, rest[0], args.threads
        )
        print(json.dumps(out))
        return
    weights = args.weights or default_weights()
    if weights is None:
        sys.exit("no --weights given and open-rppg's RhythmMamba.pure weights are not installed")
    from micropulse.synth import make_pulse_video

    w, h = (int(v) for v in args.size.split("x"))
    work = Path(tempfile.mkdtemp(prefix="micropulse-deep-path-"))
    me = [sys.executable, str(Path(__file__).resolve()), "--model", args.model, "--threads", str(args.threads)]
    doc: dict = {"model": args.model, "weights": weights, "size": args.size, "loadavg": list(os.getloadavg())}
    doc["network"] = _spawn([*me, "--child", "network", weights], args.timeout)
    chunk = doc["network"].get("chunk", 160)
    deep_threads = args.threads if args.threads > 0 else os.cpu_count() or 1
    dp = [sys.executable, str(HERE / "deep.py"), "--threads", str(deep_threads), "--child", "model", args.model,
          str(chunk), str(doc["network"].get("size", 128))]  # fmt: skip
    doc["deep_py"] = _spawn(dp, args.timeout)
    lengths = {"short": args.short_s} if args.skip_long else {"short": args.short_s, "long": args.long_s}
    for name, seconds in lengths.items():
        v = make_pulse_video(work / name, seconds=seconds, size=(w, h))
        doc[name] = _spawn([*me, "--child", "analyse", str(v.video_path), weights], args.timeout)
        doc[name]["video_s"] = seconds
        doc[name]["process_fps"] = (
            round(doc[name]["frames"] / doc[name]["process_wall_s"], 2) if "frames" in doc[name] else None
        )
        Path(v.video_path).unlink(missing_ok=True)
    checks: dict = {}
    net_fps = doc["network"].get("fps")
    if net_fps and "fps_in_process" in doc["short"]:
        checks["whole_fps_over_network_fps"] = round(doc["short"]["fps_in_process"] / net_fps, 3)
        checks["whole_fps_goal_0_5_met"] = checks["whole_fps_over_network_fps"] >= 0.5
    if doc["deep_py"].get("fps") and "fps_in_process" in doc["short"]:
        checks["whole_fps_over_deep_py_fps"] = round(doc["short"]["fps_in_process"] / doc["deep_py"]["fps"], 3)
    if "long" in doc and "peak_rss_mb" in doc["long"] and "peak_rss_mb" in doc["short"]:
        checks["rss_long_over_short"] = round(doc["long"]["peak_rss_mb"] / doc["short"]["peak_rss_mb"], 3)
        checks["rss_goal_1_10_met"] = checks["rss_long_over_short"] <= 1.10
    doc["checks"] = checks
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
