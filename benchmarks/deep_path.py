"""The deep path end to end (``micropulse pulse --model``), stage by stage: prints one JSON document.

    python benchmarks/deep_path.py [--weights FILE] [--model rhythmmamba] [--video FILE ...] [--short-s 60]
                                   [--long-s 600] [--size 160x120] [--threads 0] [--skip-long] [--runs 1]
                                   [--no-cli] [--baseline-src DIR] [--timeout 7200]

Videos: the real clips given with ``--video`` (default: ``../shared/data/video/WolfgangLanger_Pexels.mp4``
when present) and synthetic lossless videos (``micropulse.synth.make_pulse_video``, 30 fps, ``--size``) of
``--short-s`` and ``--long-s`` seconds. Each is analysed by :func:`micropulse.analyse_video` with ``--model``
and ``--weights`` (default: open-rppg's ``RhythmMamba.pure`` weights shipped inside the ``rppg`` package,
when installed) in its own process, so ``peak_rss_mb`` is that process's peak resident memory; and (unless
``--no-cli``) the real clips also by the command itself, ``micropulse pulse VIDEO --model M --weights W --json
--no-plot``, whose whole-process wall gives ``cli_fps`` (imports, model load, decode, face, network, HR: what
a user waits for).

Per video: stage times in seconds — ``read_crops`` (decode + face tracking + crops, decoding overlapped
with the face work), ``model_rate`` (the frame-rate policy's index), ``windows`` (model-rate frames
gathered + normalisation, per chunk), ``model`` (the network's forwards), ``post`` (model load, HR summary
and the rest), ``deep_other``; the in-process and whole-process fps, and peak RSS. ``network`` is the same
loaded network on one chunk of random input (frames/s of the forward alone); ``deep_py`` is
``benchmarks/deep.py``'s own measurement (random-init registry model, one forward of ``chunk`` frames)
in the same run. ``--runs N`` repeats everything N times, interleaved, and reports medians.

``checks`` (ratios within one round, median over rounds): per video, in-process fps / network fps,
command fps / network fps and the same over ``deep_py`` fps (goal >= 0.5), and the long/short peak RSS
ratio (goal <= 1.10). The machine may be loaded: compare ratios within one run only (``loadavg`` is recorded).
``--baseline-src DIR`` runs every measurement also with ``PYTHONPATH=DIR`` (another ``src/``, e.g. before
a change), interleaved, and adds ``baseline`` and ``current_over_baseline`` (speed ratios, > 1 = faster).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_VIDEOS = (HERE.parents[1] / "shared" / "data" / "video" / "WolfgangLanger_Pexels.mp4",)


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
    stages["deep_other"] = round(
        times["deep_from_face"] - times["model_rate"] - times["windows"] - times["model"], 3
    )
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
    return {
        "chunk": n,
        "size": s,
        "seconds": round(dt, 3),
        "fps": round(n / dt, 2),
        "torch_threads": torch.get_num_threads(),
    }


def _spawn(args: list[str], timeout: float, env: dict | None = None, parse: bool = True) -> dict:
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    text = proc.stdout
    out = json.loads(text.strip().splitlines()[-1]) if parse else json.loads(text[text.index("{") :])
    out["process_wall_s"] = round(wall, 3)
    return out


def run_cli(
    video: str, model: str, weights: str, threads: int, out_dir: Path, timeout: float, env: dict
) -> dict:
    """``micropulse pulse VIDEO --model --weights --json --no-plot`` as a user runs it: whole-process wall."""
    env = dict(env)
    if threads > 0:
        env["OMP_NUM_THREADS"] = str(threads)  # torch's intra-op threads in that process
    cmd = [sys.executable, "-m", "micropulse", "pulse", video, "--model", model, "--weights", weights]
    r = _spawn([*cmd, "--json", "--no-plot", "--out", str(out_dir)], timeout, env=env, parse=False)
    if "error" in r:
        return r
    frames = int(r.get("n_frames", 0))
    wall = r["process_wall_s"]
    return {"frames": frames, "hr_bpm": r.get("hr_bpm"), "wall_s": wall, "cli_fps": round(frames / wall, 2)}


def _median(values: list[float]) -> float | None:
    vals = [v for v in values if v is not None]
    return round(statistics.median(vals), 3) if vals else None


def _summary(runs: list[dict]) -> dict:
    """The last run's details, with the numeric fields that vary replaced by their medians over runs."""
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return runs[-1]
    out = dict(ok[-1])
    for key in (
        "fps",
        "seconds",
        "fps_in_process",
        "process_fps",
        "cli_fps",
        "wall_s",
        "analyse_s",
        "peak_rss_mb",
    ):
        if key in out:
            out[key] = _median([r.get(key) for r in ok])
            out[f"{key}_all"] = [r.get(key) for r in ok]
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--weights", default=None)
    p.add_argument("--model", default="rhythmmamba")
    p.add_argument("--video", nargs="*", default=None, help="real videos (default: the shared Pexels clip)")
    p.add_argument("--short-s", type=float, default=60.0)
    p.add_argument("--long-s", type=float, default=600.0)
    p.add_argument("--size", default="160x120", help="synthetic video size WxH")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    p.add_argument("--skip-long", action="store_true")
    p.add_argument("--runs", type=int, default=1, help="rounds, interleaved; medians are reported")
    p.add_argument("--no-cli", action="store_true", help="skip the whole-command runs")
    p.add_argument("--baseline-src", default=None, help="another src/ to compare with, interleaved")
    p.add_argument("--timeout", type=float, default=7200.0)
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        out = (
            child_analyse(rest[0], args.model, rest[1], args.threads)
            if kind == "analyse"
            else child_network(args.model, rest[0], args.threads)
        )
        print(json.dumps(out))
        return
    weights = args.weights or default_weights()
    if weights is None:
        sys.exit("no --weights given and open-rppg's RhythmMamba.pure weights are not installed")
    from micropulse.synth import make_pulse_video

    w, h = (int(v) for v in args.size.split("x"))
    work = Path(tempfile.mkdtemp(prefix="micropulse-deep-path-"))
    me = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--model",
        args.model,
        "--threads",
        str(args.threads),
    ]
    doc: dict = {"model": args.model, "weights": weights, "size": args.size, "runs": args.runs}
    doc["loadavg_start"] = list(os.getloadavg())
    videos: dict[str, dict] = {}
    real = args.video if args.video is not None else [str(v) for v in DEFAULT_VIDEOS if v.exists()]
    for path in real:
        videos[Path(path).stem] = {"path": str(path)}
    lengths = {"short": args.short_s} if args.skip_long else {"short": args.short_s, "long": args.long_s}
    for name, seconds in lengths.items():
        v = make_pulse_video(work / name, seconds=seconds, size=(w, h))
        videos[name] = {"path": str(v.video_path), "video_s": seconds, "synthetic": True}
    variants = {"current": dict(os.environ, PYTHONPATH=str(HERE.parent / "src"))}
    if args.baseline_src is not None:
        variants["baseline"] = dict(os.environ, PYTHONPATH=str(Path(args.baseline_src).resolve()))
    rounds: dict[str, list[dict]] = {name: [] for name in variants}
    deep_threads = args.threads if args.threads > 0 else os.cpu_count() or 1
    for _ in range(max(1, args.runs)):
        for variant, env in variants.items():
            rounds[variant].append(
                {"network": _spawn([*me, "--child", "network", weights], args.timeout, env)}
            )
        for variant, env in variants.items():
            net = rounds[variant][-1]["network"]
            dp = [sys.executable, str(HERE / "deep.py"), "--threads", str(deep_threads), "--child", "model",
                  args.model, str(net.get("chunk", 160)), str(net.get("size", 128))]  # fmt: skip
            rounds[variant][-1]["deep_py"] = _spawn(dp, args.timeout, env)
        for name, v in videos.items():
            for variant, env in variants.items():
                r = _spawn([*me, "--child", "analyse", v["path"], weights], args.timeout, env)
                if "frames" in r:
                    r["process_fps"] = round(r["frames"] / r["process_wall_s"], 2)
                rounds[variant][-1][name] = r
            if args.no_cli or v.get("synthetic"):
                continue
            for variant, env in variants.items():
                cli = run_cli(v["path"], args.model, weights, args.threads, work / "out", args.timeout, env)
                rounds[variant][-1][f"{name}.cli"] = cli
    for variant in variants:
        section = doc if variant == "current" else doc.setdefault(variant, {})
        runs = rounds[variant]
        section["network"] = _summary([r["network"] for r in runs])
        section["deep_py"] = _summary([r["deep_py"] for r in runs])
        for name, v in videos.items():
            section[name] = {
                **_summary([r[name] for r in runs]),
                **{k: x for k, x in v.items() if k != "path"},
            }
            section[name]["video"] = (
                Path(v["path"]).name if not v.get("synthetic") else f"synthetic {v['video_s']:g} s"
            )
            if f"{name}.cli" in runs[-1]:
                section[name]["cli"] = _summary([r[f"{name}.cli"] for r in runs])
        section["checks"] = checks(runs, videos)
    if "baseline" in variants:
        doc["current_over_baseline"] = speedups(rounds, videos)
    for v in videos.values():
        if v.get("synthetic"):
            Path(v["path"]).unlink(missing_ok=True)
    doc["loadavg_end"] = list(os.getloadavg())
    print(json.dumps(doc, indent=2))


def speedups(rounds: dict[str, list[dict]], videos: dict[str, dict]) -> dict:
    """current fps / baseline fps per measurement, from runs of the same round (median over rounds)."""
    out: dict = {}
    keys = [("network", "network", "fps")]
    for name in videos:
        keys += [(name, name, "fps_in_process"), (f"{name}.cli", f"{name}.cli", "cli_fps")]
    for label, part, key in keys:
        ratios = [
            cur[part][key] / base[part][key]
            for cur, base in zip(rounds["current"], rounds["baseline"], strict=True)
            if cur.get(part, {}).get(key) and base.get(part, {}).get(key)
        ]
        if ratios:
            out[f"{label}.{key}"] = _median(ratios)
    return out


def checks(rounds: list[dict], videos: dict[str, dict]) -> dict:
    """Ratios computed within each round (same machine state), median over rounds."""
    out: dict = {}
    for name in videos:
        for base in ("network", "deep_py"):
            for what, key in (("in_process", "fps_in_process"), ("cli", "cli_fps")):
                ratios = []
                for rnd in rounds:
                    r = rnd.get(f"{name}.cli" if what == "cli" else name, {})
                    if r.get(key) and rnd[base].get("fps"):
                        ratios.append(r[key] / rnd[base]["fps"])
                if ratios:
                    out[f"{name}.{what}_fps_over_{base}_fps"] = _median(ratios)
        ratio = out.get(
            f"{name}.cli_fps_over_network_fps", out.get(f"{name}.in_process_fps_over_network_fps")
        )
        if ratio is not None:
            out[f"{name}.goal_0_5_met"] = ratio >= 0.5
    rss = [
        rnd["long"]["peak_rss_mb"] / rnd["short"]["peak_rss_mb"]
        for rnd in rounds
        if "peak_rss_mb" in rnd.get("long", {}) and "peak_rss_mb" in rnd.get("short", {})
    ]
    if rss:
        out["rss_long_over_short"] = _median(rss)
        out["rss_goal_1_10_met"] = out["rss_long_over_short"] <= 1.10
    return out


if __name__ == "__main__":
    main()
