"""micropulse side by side with its peers (vitallens, open-rppg): prints JSON, then a Markdown table.

    python benchmarks/peers.py [VIDEO ...] [--runs 3] [--venv DIR] [--no-install] [--seconds 8]
                               [--size 640x480] [--real single_face.mp4 | --real all | --no-real]
                               [--tools decode micropulse-pos vitallens-pos openrppg]
                               [--openrppg-model RhythmMamba.pure] [--deep-weights FILE] [--timeout 900]

The defaults (an 8-s 320x240 synthetic clip, the 2.4-s real clip, 3 rounds) finish in about 10 min on a
busy 2-core machine. open-rppg's start-up (jax/keras import and compilation) takes ~3 min per process
there whatever the clip (its in-process fps is 50 on the real clip), so by default it runs on the
synthetic clip only (``--openrppg-clips all`` runs it on every clip). Longer clips (``--seconds 60``,
``--real all``, your own VIDEO) measure per-frame speed better and take longer; after the first round the
script prints how long the remaining rounds should take.

The peers never touch micropulse's environment: they run in a separate venv the script creates
(default ``~/.cache/micropulse/bench-peers``) with ``vitallens`` and ``open-rppg`` and open-rppg's own
dependencies (jax, keras, einops, h5py, onnxruntime, av, heartpy, numpy<2.3, setuptools<81). open-rppg is
installed with ``--no-deps`` (its wheel pins more than it needs). When that venv cannot be made
(offline, no wheel) each missing peer is reported as ``unavailable`` with the reason; the rest still runs.

Videos: a synthetic lossless FFV1 clip the script makes (``micropulse.synth.make_pulse_video``, known HR,
``--seconds`` long, ``--size``), the real clips of ``../shared/data/video`` named by ``--real`` (default the
2.4-s ``single_face.mp4``; ``all``: every clip there) and any VIDEO given. Tools, each run as its own
process (imports, model load, decode, face, estimate: what a user waits for):

* ``micropulse-pos``: ``micropulse pulse VIDEO --json --no-plot`` (POS);
* ``micropulse-deep``: the same with ``--model rhythmmamba --weights FILE`` (only with ``--deep-weights``);
* ``vitallens-pos``: ``VitalLens(method="pos")`` — offline vitallens can run only its local methods
  (POS, CHROM, G); its VitalLens models need the API (network + key), so they are not measured. It reads
  files through the ``ffmpeg``/``ffprobe`` binaries; where they are absent the child decodes the file
  with OpenCV and passes the frames (decode included in its wall time, frames held in memory);
* ``openrppg``: ``rppg.Model(NAME).process_video(VIDEO)`` (default ``RhythmMamba.pure``);
* ``decode``: decode-only floor of the same file (OpenCV read + BGR->RGB, micropulse's reader).

All tools and clips are interleaved (run 1 of every tool on every clip, then run 2, ...), ``--runs`` times.
Reported per tool x clip: HR (bpm, from the last run), whole-process wall (median, s) and fps
(frames / wall), in-process fps where the tool exposes its own timing, peak RSS (MB, ``ru_maxrss`` of
the child), and the ratios micropulse / best peer (fps: >1 is faster; RSS: <1 is leaner). The machine
may be loaded: compare numbers within one run only (``loadavg`` is recorded).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL_VIDEOS = ROOT.parent / "shared" / "data" / "video"
DEFAULT_VENV = Path.home() / ".cache" / "micropulse" / "bench-peers"
PEER_PACKAGES = [
    "jax", "keras", "einops", "h5py", "onnxruntime", "av", "heartpy", "numpy<2.3", "setuptools<81",
    "opencv-python-headless", "scipy", "psutil", "vitallens",
]  # fmt: skip
OPENRPPG = "open-rppg==0.1.1"
MARK = "PEERS_RESULT "

VITALLENS_CHILD = """
import json, sys, time
t0 = time.perf_counter()
from vitallens import VitalLens
vl = VitalLens(method="pos", export_to_json=False, estimate_rolling_vitals=False)
t1 = time.perf_counter()
import shutil
if shutil.which("ffprobe"):
    res = vl(sys.argv[1])
else:  # vitallens reads files through the ffmpeg binaries; without them, give it the decoded frames
    import cv2, numpy as np
    cap = cv2.VideoCapture(sys.argv[1])
    fps = cap.get(cv2.CAP_PROP_FPS)
    frames = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(f, cv2.COLOR_BGR2RGB))
    res = vl(np.stack(frames), fps=fps)
t2 = time.perf_counter()
hr = None
n = None
if res:
    v = res[0].get("vitals", {}).get("heart_rate", {})
    hr = v.get("value")
    n = len(res[0].get("face", {}).get("coordinates", []) or [])
print("@MARK@" + json.dumps({"hr_bpm": hr, "inproc_s": t2 - t1, "inproc_frames": n}))
""".replace("@MARK@", MARK)

OPENRPPG_CHILD = """
import json, sys, time
t0 = time.perf_counter()
import rppg
m = rppg.Model(sys.argv[2])
t1 = time.perf_counter()
out = m.process_video(sys.argv[1])
t2 = time.perf_counter()
hr = out.get("hr") if isinstance(out, dict) else None
frames = int(m.statistic.get("frames", 0)) if hasattr(m, "statistic") else None
print("@MARK@" + json.dumps({"hr_bpm": None if hr is None else float(hr), "inproc_s": t2 - t1, "inproc_frames": frames}))
""".replace("@MARK@", MARK)

DECODE_CHILD = """
import json, sys, time
import cv2
cap = cv2.VideoCapture(sys.argv[1])
t0 = time.perf_counter()
n = 0
while True:
    ok, frame = cap.read()
    if not ok:
        break
    cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
    n += 1
t1 = time.perf_counter()
print("@MARK@" + json.dumps({"frames": n, "inproc_s": t1 - t0, "inproc_frames": n}))
""".replace("@MARK@", MARK)


def ensure_venv(venv: Path, install: bool) -> tuple[Path | None, str | None]:
    """The bench venv's python, created and filled when missing (pip runs only when a peer does not import);
    ``(None, reason)`` when impossible."""
    py = venv / "bin" / "python"
    if not py.exists():
        if not install:
            return None, f"no bench venv at {venv} (run without --no-install to create it)"
        r = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
        if r.returncode != 0:
            return None, f"cannot create a venv: {r.stderr.strip()[-300:]}"
    if install and any(peer_available(py, m) is not None for m in ("vitallens", "rppg")):  # else: ready
        for args in (PEER_PACKAGES, ["--no-deps", OPENRPPG]):
            r = subprocess.run([str(py), "-m", "pip", "install", "-q", *args], capture_output=True, text=True)
            if r.returncode != 0:
                print(
                    f"peers: pip install {' '.join(args)} failed: {r.stderr.strip()[-300:]}", file=sys.stderr
                )
    return py, None


def peer_available(py: Path | None, module: str) -> str | None:
    """None when ``module`` imports in the bench venv, else why not."""
    if py is None:
        return "no bench venv"
    r = subprocess.run([str(py), "-c", f"import {module}"], capture_output=True, text=True)
    return None if r.returncode == 0 else (r.stderr.strip().splitlines() or ["import failed"])[-1][:300]


def versions(py: Path | None) -> dict:
    out = {"micropulse": _version(sys.executable, "micropulse"), "python": platform.python_version()}
    if py is not None:
        for name in ("vitallens", "open-rppg", "jax", "keras", "onnxruntime", "numpy"):
            out[name] = _version(str(py), name)
    return out


def _version(python: str, dist: str) -> str | None:
    code = f"import importlib.metadata as m; print(m.version({dist!r}))"
    r = subprocess.run([python, "-c", code], capture_output=True, text=True)
    return (r.stdout.strip() or None) if r.returncode == 0 else None


def timed(cmd: list[str], timeout: float, env: dict | None = None, cwd: str | None = None) -> dict:
    """Run ``cmd``; wall seconds, peak RSS (MB) of the child, exit code and the last lines of output."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return {"ok": False, "error": f"timed out after {timeout:.0f} s", "wall_s": time.perf_counter() - t0}
    wall = time.perf_counter() - t0
    return {"ok": proc.returncode == 0, "rc": proc.returncode, "wall_s": wall, "out": out, "err": err}


def run_child(cmd: list[str], timeout: float, cwd: str) -> dict:
    """``timed`` plus the child's peak RSS, via a tiny wrapper that reports ``ru_maxrss`` of its child."""
    wrapper = (
        "import resource, subprocess, sys, json;"
        "r = subprocess.run(sys.argv[1:]);"
        "print('PEERS_RSS ' + json.dumps(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024), file=sys.stderr);"
        "sys.exit(r.returncode)"
    )
    res = timed([sys.executable, "-c", wrapper, *cmd], timeout, cwd=cwd)
    err = res.pop("err", "") or ""
    out = res.pop("out", "") or ""
    rss = [ln for ln in err.splitlines() if ln.startswith("PEERS_RSS ")]
    res["peak_rss_mb"] = float(rss[-1].split()[1]) if rss else None
    payload = [ln for ln in out.splitlines() if ln.startswith(MARK)]
    if payload:
        res.update(json.loads(payload[-1][len(MARK) :]))
    elif res["ok"]:
        try:  # micropulse --json prints one JSON document
            doc = json.loads(out[out.index("{") :])
            res["hr_bpm"] = doc.get("hr_bpm")
        except (ValueError, json.JSONDecodeError):
            res["ok"], res["error"] = False, "no result in the output"
    if not res["ok"] and "error" not in res:
        lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("PEERS_RSS")]
        res["error"] = (lines[-1] if lines else f"exit code {res.get('rc')}")[:300]
    return res


def make_synthetic(folder: Path, seconds: float, size: tuple[int, int] = (640, 480)) -> Path:
    from micropulse.synth import make_pulse_video

    v = make_pulse_video(folder, seconds=seconds, hr_bpm=72.0, size=size)
    return Path(v.video_path)


def tool_commands(args, py: Path | None, avail: dict, out_dir: Path) -> dict:
    mp = [
        sys.executable,
        "-m",
        "micropulse.cli.app",
        "pulse",
        "{video}",
        "--json",
        "--no-plot",
        "--out",
        str(out_dir),
    ]
    tools = {"decode": [sys.executable, "-c", DECODE_CHILD, "{video}"], "micropulse-pos": mp}
    if args.deep_weights:
        tools["micropulse-deep"] = [*mp, "--model", "rhythmmamba", "--weights", str(args.deep_weights)]
    if avail["vitallens-pos"] is None:
        tools["vitallens-pos"] = [str(py), "-c", VITALLENS_CHILD, "{video}"]
    if avail["openrppg"] is None:
        tools["openrppg"] = [str(py), "-c", OPENRPPG_CHILD, "{video}", args.openrppg_model]
    if args.tools:
        tools = {k: v for k, v in tools.items() if k in args.tools or k == "decode"}  # decode: the floor
    return tools


def real_clips(names: list[str]) -> dict[str, Path]:
    """The clips of ../shared/data/video named in ``names`` (``all``: every video there)."""
    if not REAL_VIDEOS.is_dir():
        return {}
    found = {
        v.name: v
        for v in sorted(REAL_VIDEOS.iterdir())
        if v.suffix.lower() in (".mp4", ".mov", ".mkv", ".avi")
    }
    if "all" in names:
        return found
    missing = [n for n in names if n not in found]
    if missing:
        print(f"peers: no such clip in {REAL_VIDEOS}: {', '.join(missing)}", file=sys.stderr)
    return {n: found[n] for n in names if n in found}


def summarise(runs: list[dict], frames: int | None) -> dict:
    good = [r for r in runs if r.get("ok")]
    if not good:
        return {"ok": False, "error": runs[-1].get("error") if runs else "not run", "runs": len(runs)}
    wall = statistics.median(r["wall_s"] for r in good)
    inproc = [
        r["inproc_frames"] / r["inproc_s"] for r in good if r.get("inproc_s") and r.get("inproc_frames")
    ]
    rss = [r["peak_rss_mb"] for r in good if r.get("peak_rss_mb") is not None]
    return {
        "ok": True,
        "runs": len(good),
        "hr_bpm": good[-1].get("hr_bpm"),
        "wall_s": wall,
        "walls_s": [round(r["wall_s"], 3) for r in good],
        "fps": None if not frames else frames / wall,
        "inproc_fps": statistics.median(inproc) if inproc else None,
        "peak_rss_mb": max(rss) if rss else None,
    }


def ratios(clip: dict) -> dict:
    """micropulse-pos / best peer (fps: higher is faster; RSS: lower is leaner)."""
    mp = clip["tools"].get("micropulse-pos", {})
    peers = [
        v
        for k, v in clip["tools"].items()
        if k not in ("decode", "micropulse-pos", "micropulse-deep") and v.get("ok")
    ]
    out: dict = {}
    if mp.get("ok") and peers:
        out["fps_vs_best_peer"] = mp["fps"] / max(p["fps"] for p in peers) if mp.get("fps") else None
        rss = [p["peak_rss_mb"] for p in peers if p.get("peak_rss_mb")]
        out["rss_vs_leanest_peer"] = mp["peak_rss_mb"] / min(rss) if rss and mp.get("peak_rss_mb") else None
    dec = clip["tools"].get("decode", {})
    if mp.get("ok") and dec.get("ok") and dec.get("inproc_fps") and mp.get("fps"):
        out["micropulse_fps_vs_decode_floor"] = mp["fps"] / dec["inproc_fps"]
    return out


def markdown(doc: dict) -> str:
    def f(v, nd=1):
        return "-" if v is None else f"{v:.{nd}f}"

    lines = [
        f"Measured {doc['date']} on {doc['machine']} (loadavg {', '.join(f'{x:.1f}' for x in doc['loadavg'])}), "
        f"{doc['runs']} interleaved runs, median wall ({doc.get('total_min', 0):.1f} min in all). Versions: "
        + ", ".join(f"{k} {v}" for k, v in doc["versions"].items() if v),
        "",
        "| clip | frames | tool | HR (bpm) | wall (s) | fps | in-process fps | peak RSS (MB) |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for name, clip in doc["clips"].items():
        for tool, r in clip["tools"].items():
            if not r.get("ok"):
                lines.append(
                    f"| {name} | {clip.get('frames') or '-'} | {tool} | failed: {r.get('error')} | | | | |"
                )
                continue
            lines.append(
                f"| {name} | {clip.get('frames') or '-'} | {tool} | {f(r.get('hr_bpm'))} | {f(r['wall_s'], 2)} | "
                f"{f(r.get('fps'))} | {f(r.get('inproc_fps'))} | {f(r.get('peak_rss_mb'), 0)} |"
            )
        rt = clip.get("ratios", {})
        if rt:
            lines.append(
                f"| {name} | | **micropulse / best peer** | | | {f(rt.get('fps_vs_best_peer'), 2)}x | | "
                f"{f(rt.get('rss_vs_leanest_peer'), 2)}x |"
            )
    for tool, why in doc["unavailable"].items():
        lines.append(f"\n{tool}: unavailable ({why})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("videos", nargs="*", type=Path)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    p.add_argument("--no-install", action="store_true", help="use the bench venv as it is (no pip)")
    p.add_argument("--seconds", type=float, default=8.0, help="length of the synthetic clip, s")
    p.add_argument("--size", default="320x240", help="size of the synthetic clip, WxH")
    p.add_argument(
        "--openrppg-clips", nargs="+", default=["synthetic-ffv1"], help="clips open-rppg runs on, or all"
    )
    p.add_argument(
        "--real", nargs="+", default=["single_face.mp4"], help="clips of ../shared/data/video, or all"
    )
    p.add_argument("--tools", nargs="+", default=None, help="only these tools (decode always runs)")
    p.add_argument("--openrppg-model", default="RhythmMamba.pure")
    p.add_argument("--deep-weights", type=Path, default=None, help="also run micropulse --model rhythmmamba")
    p.add_argument("--no-real", action="store_true", help="skip the clips in ../shared/data/video")
    p.add_argument("--timeout", type=float, default=900.0, help="per run, s")
    p.add_argument("--markdown", type=Path, default=None, help="also write the table here")
    p.add_argument("--partial", type=Path, default=None, help="rewrite JSON + table here after every round")
    args = p.parse_args(argv)

    py, why = ensure_venv(args.venv, install=not args.no_install)
    avail = {"vitallens-pos": peer_available(py, "vitallens") if why is None else why,
             "openrppg": peer_available(py, "rppg") if why is None else why}  # fmt: skip
    for tool, reason in avail.items():
        if reason is not None:
            print(f"peers: {tool} unavailable: {reason}", file=sys.stderr)
    work = Path(tempfile.mkdtemp(prefix="micropulse-peers-"))
    size = tuple(int(v) for v in args.size.split("x"))
    videos: dict[str, Path] = {"synthetic-ffv1": make_synthetic(work / "synth", args.seconds, size)}
    if not args.no_real:
        videos.update(real_clips(args.real))
    for v in args.videos:
        videos[v.name] = v
    tools = tool_commands(args, py, avail, work / "out")
    raw: dict = {c: {t: [] for t in tools} for c in videos}
    t_start = time.perf_counter()
    for run in range(args.runs):
        for clip, path in videos.items():
            for tool, cmd in tools.items():
                if (
                    tool == "openrppg"
                    and "all" not in args.openrppg_clips
                    and clip not in args.openrppg_clips
                ):
                    continue
                res = run_child(
                    [str(path) if a == "{video}" else a for a in cmd], args.timeout, cwd=str(work)
                )
                raw[clip][tool].append(res)
                print(f"peers: run {run + 1}/{args.runs} {clip} {tool}: "
                      + (f"{res['wall_s']:.2f} s" if res.get("ok") else f"failed ({res.get('error')})"), file=sys.stderr)  # fmt: skip
        if run == 0 and args.runs > 1:
            per_round = time.perf_counter() - t_start
            print(f"peers: round 1 took {per_round / 60:.1f} min; {args.runs - 1} more should take about "
                  f"{per_round * (args.runs - 1) / 60:.1f} min", file=sys.stderr)  # fmt: skip
        if args.partial is not None:  # finished rounds survive an interrupted run
            doc = report(args, py, avail, videos, tools, raw, run + 1)
            args.partial.write_text(json.dumps(doc, indent=2) + "\n\n" + markdown(doc) + "\n")
    doc = report(args, py, avail, videos, tools, raw, args.runs)
    doc["total_min"] = round((time.perf_counter() - t_start) / 60, 1)
    print(json.dumps(doc, indent=2))
    table = markdown(doc)
    print("\n" + table)
    if args.markdown is not None:
        args.markdown.write_text(table + "\n")
    return 0


def report(args, py, avail: dict, videos: dict, tools: dict, raw: dict, rounds: int) -> dict:  # noqa: ANN001
    """The JSON document of the rounds finished so far."""
    doc = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}",
        "loadavg": list(os.getloadavg()),
        "runs": rounds,
        "versions": versions(py),
        "unavailable": {k: v for k, v in avail.items() if v is not None},
        "clips": {},
    }
    for clip, path in videos.items():
        dec = [r for r in raw[clip]["decode"] if r.get("ok")]
        frames = dec[-1].get("frames") if dec else None
        entry = {
            "path": str(path),
            "frames": frames,
            "tools": {t: summarise(raw[clip][t], frames) for t in tools if raw[clip][t]},  # not run: left out
        }
        entry["ratios"] = ratios(entry)
        doc["clips"][clip] = entry
    return doc


if __name__ == "__main__":
    sys.exit(main())
