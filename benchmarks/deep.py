"""Deep rPPG CPU benchmark: prints one JSON document (issue 5, "Done when").

    python benchmarks/deep.py [--threads 1] [--frames 900] [--size 128] [--stream-size 128]
                              [--scan-length 2048] [--skip-stream] [--skip-scan]

Every measurement runs in its own subprocess, so ``peak_rss_mb`` is that process's peak resident memory
(``ru_maxrss``: Python + torch + model + activations); ``base_rss_mb`` is the same process just before the
measured call, and ``delta_rss_mb`` the difference. All numbers of one run come from the same machine and
the same thread count, so ratios between them are meaningful; absolute numbers depend on machine load
(``loadavg`` is recorded).

* ``models``: one forward of (1, frames, 3, size, size) random input per model (PhysNet, RhythmFormer,
  RhythmMamba from the registry; a model that cannot be built is reported as missing), after a 32-frame
  warm-up. fps = frames / seconds.
* ``streaming``: RhythmMamba (full size, random weights) on a synthetic frame stream of 1 minute (1800
  frames) and 10 minutes (18000 frames) at 30 fps, frames generated on the fly (no video held in memory).
  ``--stream-size`` lowers the resolution to keep the 10-minute run short (the size is recorded).
* ``streaming_vs_official_whole_sequence``: on a random full-size model, 640 frames at 64x64, how far the
  streaming definition (independent 80-token blocks, see ``rppg/deep/streaming.py``) is from the official
  whole-sequence forward (Pearson r and relative RMS difference of the outputs).
* ``scan``: the selective scan alone at length ``--scan-length`` (b=4 as in RhythmMamba's MTC, d=192, n=48):
  our sequential path vs mambapy's parallel scan (pscan) and its sequential reference, forward without
  grad and forward+backward (mambapy's sequential loop only without grad: with autograd it takes minutes).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def child_model(name: str, frames: int, size: int) -> dict:
    import torch

    from micropulse.rppg.deep import create_model

    try:
        model = create_model(name, random_init=True)  # speed and memory only: weights do not matter
    except Exception as exc:  # another helper's model may be absent or broken: report, do not crash
        return {"model": name, "missing": f"{type(exc).__name__}: {exc}"}
    with torch.no_grad():
        model(torch.randn(1, 32, 3, size, size))  # warm-up (RhythmFormer needs >= 24 frames)
        x = torch.randn(1, frames, 3, size, size)
        base = _current_rss_mb()
        t0 = time.perf_counter()
        y = model(x)
        dt = time.perf_counter() - t0
    return {
        "model": name,
        "frames": frames,
        "size": size,
        "out_len": int(y.shape[-1]),
        "params": int(sum(p.numel() for p in model.parameters())),
        "seconds": round(dt, 3),
        "fps": round(frames / dt, 2),
        "base_rss_mb": round(base, 1),
        "peak_rss_mb": round(_rss_mb(), 1),
        "delta_rss_mb": round(_rss_mb() - base, 1),
    }


def child_stream(frames: int, size: int) -> dict:
    import torch

    from micropulse.rppg.deep.rhythmmamba import build_rhythmmamba
    from micropulse.rppg.deep.streaming import RhythmMambaStream

    torch.manual_seed(0)
    model = build_rhythmmamba().eval()
    base_img = torch.randn(3, size, size)
    stream = RhythmMambaStream(model)
    stream.run(base_img.expand(40, 3, size, size))  # warm-up
    base = _current_rss_mb()
    n_out = 0
    t0 = time.perf_counter()
    for t in range(frames):  # synthetic 72 bpm pulse on a fixed random image
        n_out += stream.push(base_img * (1.0 + 0.01 * math.sin(2 * math.pi * 1.2 * t / 30.0))).size
    n_out += stream.flush().size
    dt = time.perf_counter() - t0
    return {
        "frames": frames,
        "minutes_at_30fps": frames / 1800,
        "size": size,
        "samples_out": n_out,
        "seconds": round(dt, 2),
        "fps": round(frames / dt, 2),
        "base_rss_mb": round(base, 1),
        "peak_rss_mb": round(_rss_mb(), 1),
        "delta_rss_mb": round(_rss_mb() - base, 1),
    }


def child_compare(frames: int, size: int) -> dict:
    """Streaming definition (independent 80-token blocks) vs the official whole-sequence model."""
    import torch

    from micropulse.rppg.deep.rhythmmamba import build_rhythmmamba

    torch.manual_seed(0)
    model = build_rhythmmamba().eval()
    t = torch.arange(frames)
    pulse = 1.0 + 0.02 * torch.sin(2 * math.pi * 1.2 * t / 30.0)
    x = torch.randn(3, size, size)[None] * pulse[:, None, None, None] + 0.1 * torch.randn(
        frames, 3, size, size
    )
    with torch.no_grad():
        tokens = model.tokens(x[None])
        whole = model.head(model.forward_tokens(tokens))[0]
        blocked = model.head(model.forward_tokens(tokens, block_tokens=80))[0]
    corr = torch.corrcoef(torch.stack([whole, blocked]))[0, 1].item()
    first = torch.corrcoef(torch.stack([whole[:160], blocked[:160]]))[0, 1].item()
    return {
        "frames": frames,
        "size": size,
        "weights": "random init (seed 0)",
        "pearson_r": round(corr, 4),
        "pearson_r_first_block": round(first, 4),
        "relative_rms_difference": round(((whole - blocked).norm() / whole.norm()).item(), 4),
    }


def child_scan(impl: str, length: int, grad: bool) -> dict:
    import torch

    b, d, n = 4, 192, 48
    g = torch.Generator().manual_seed(0)
    u = torch.randn(b, length, d, generator=g)
    delta = torch.nn.functional.softplus(torch.randn(b, length, d, generator=g) - 2)
    a = -torch.arange(1, n + 1, dtype=torch.float32).repeat(d, 1)
    bb = torch.randn(b, length, n, generator=g)
    c = torch.randn(b, length, n, generator=g)
    dd = torch.ones(d)
    tensors = [u, delta, bb, c]
    if grad:
        for t in tensors:
            t.requires_grad_()
    if impl == "micropulse_sequential":
        from micropulse.nn.scan import selective_scan

        def run():
            y = selective_scan(
                u.transpose(1, 2), delta.transpose(1, 2), a, bb.transpose(1, 2), c.transpose(1, 2), dd,
                method="sequential",
            )  # fmt: skip
            return y.transpose(1, 2)
    else:
        from mambapy.mamba import MambaBlock, MambaConfig

        block = MambaBlock(MambaConfig(d_model=d // 2, n_layers=1, d_state=n))
        fn = block.selective_scan if impl == "mambapy_pscan" else block.selective_scan_seq

        def run():
            return fn(u, delta, a, bb, c, dd)

    base = _current_rss_mb()
    t0 = time.perf_counter()
    with torch.set_grad_enabled(grad):
        y = run()
        if grad:
            y.sum().backward()
    dt = time.perf_counter() - t0
    return {
        "impl": impl,
        "L": length,
        "b_d_n": [b, d, n],
        "grad": grad,
        "seconds": round(dt, 3),
        "delta_rss_mb": round(_rss_mb() - base, 1),
        "peak_rss_mb": round(_rss_mb(), 1),
    }


def _spawn(args: list[str], threads: int, timeout: float) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    cmd = [sys.executable, os.path.abspath(__file__), "--threads", str(threads), "--child", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"child": args, "error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        return {"child": args, "error": proc.stderr.strip().splitlines()[-1:] or ["failed"]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads (1 = one core)")
    p.add_argument("--frames", type=int, default=900)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--stream-size", type=int, default=128, help="frame size of the streaming runs (pixels)")
    p.add_argument("--scan-length", type=int, default=2048)
    p.add_argument("--skip-stream", action="store_true")
    p.add_argument("--skip-scan", action="store_true")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds per subprocess")
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    if args.child:
        kind, *rest = args.child
        if kind == "model":
            out = child_model(rest[0], int(rest[1]), int(rest[2]))
        elif kind == "stream":
            out = child_stream(int(rest[0]), int(rest[1]))
        elif kind == "compare":
            out = child_compare(int(rest[0]), int(rest[1]))
        else:
            out = child_scan(rest[0], int(rest[1]), rest[2] == "1")
        print(json.dumps(out))
        return

    report: dict = {
        "benchmark": "deep rPPG on CPU",
        "torch": torch.__version__,
        "threads": args.threads,
        "cpu_count": os.cpu_count(),
        "loadavg_start": [round(v, 2) for v in os.getloadavg()],
        "models": {},
    }
    for name in ("physnet", "rhythmformer", "rhythmmamba"):
        report["models"][name] = _spawn(
            ["model", name, str(args.frames), str(args.size)], args.threads, args.timeout
        )
    fps = {k: v.get("fps") for k, v in report["models"].items()}
    if fps.get("rhythmmamba") and fps.get("rhythmformer"):
        report["rhythmmamba_over_rhythmformer_fps"] = round(fps["rhythmmamba"] / fps["rhythmformer"], 2)
    if not args.skip_stream:
        report["streaming"] = {
            label: _spawn(["stream", str(n), str(args.stream_size)], args.threads, args.timeout)
            for label, n in (("1min", 1800), ("10min", 18000))
        }
        report["streaming_vs_official_whole_sequence"] = _spawn(
            ["compare", "640", "64"], args.threads, args.timeout
        )
        s1, s10 = report["streaming"]["1min"], report["streaming"]["10min"]
        if "peak_rss_mb" in s1 and "peak_rss_mb" in s10:
            report["streaming_peak_rss_ratio_10min_over_1min"] = round(
                s10["peak_rss_mb"] / s1["peak_rss_mb"], 3
            )
    if not args.skip_scan:
        runs = []
        for grad in ("0", "1"):
            for impl in ("micropulse_sequential", "mambapy_pscan", "mambapy_sequential"):
                if impl == "mambapy_sequential" and grad == "1":
                    continue  # autograd through mambapy's python loop: minutes at long L, adds nothing
                runs.append(_spawn(["scan", impl, str(args.scan_length), grad], args.threads, args.timeout))
        by = {(r.get("impl"), r.get("grad")): r for r in runs}
        for grad in (False, True):
            ours, ref = by.get(("micropulse_sequential", grad)), by.get(("mambapy_pscan", grad))
            if ours and ref and "seconds" in ours and "seconds" in ref:
                key = "fwd_bwd" if grad else "fwd"
                report[f"scan_speedup_vs_mambapy_pscan_{key}"] = round(ref["seconds"] / ours["seconds"], 2)
                report[f"scan_memory_ratio_mambapy_pscan_over_ours_{key}"] = round(
                    ref["delta_rss_mb"] / max(ours["delta_rss_mb"], 1.0), 1
                )
        report["scan"] = runs
    report["loadavg_end"] = [round(v, 2) for v in os.getloadavg()]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
