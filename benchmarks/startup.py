"""Start-up of the ``micropulse`` command: prints one JSON document.

    python benchmarks/startup.py [--runs 5] [--clip VIDEO] [--baseline-src DIR] [--also NAME=DIR ...]
                                 [--kinds import help hr pulse pulse_plot]

Measured, each in a fresh process, all runs interleaved (``--runs`` times, median reported):

* ``import``: ``python -X importtime -c "import micropulse.cli.app"``: total import time of the CLI (s)
  and the ten heaviest top-level packages it pulls in (cumulative s);
* ``help``: whole-process wall of ``micropulse --help``;
* ``hr``: whole-process wall of ``micropulse hr FILE --json`` on a 60-s synthetic PPG CSV (64 Hz);
* ``pulse``: whole-process wall of ``micropulse pulse CLIP --json --no-plot`` on a real 2-4 s clip
  (default ``../shared/data/video/single_face.mp4``), its whole-process fps (frames / wall) and the
  time from process start to the first decoded frame (``first_frame_s``; the frame is timed where
  ``micropulse.io.prefetch`` hands it to the face work);
* ``pulse_plot``: the same with the PNG plot written (the command's default).

Each wall time comes with the child's CPU time (user + system), which a loaded machine inflates less.
``--baseline-src DIR`` runs every measurement also with ``PYTHONPATH=DIR`` (another copy of
``src/``, e.g. before a change), interleaved with the current one, and reports current / baseline ratios; ``--also NAME=DIR`` adds more
such variants (each reported, and its ratio to the baseline).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CLIP = ROOT.parent / "shared" / "data" / "video" / "single_face.mp4"

# Child for "pulse": time the first frame the front end receives, then run the CLI in-process.
FIRST_FRAME_CHILD = """
import json, sys, time
t_start = float(sys.argv[1])
first = []
import micropulse.io as mio
_orig = sys.modules["micropulse.io.prefetch"].prefetch
def prefetch(items, depth=16):
    for item in _orig(items, depth):
        if not first:
            first.append(time.time() - t_start)
        yield item
mio.prefetch = prefetch
from micropulse.cli.app import main
rc = main(sys.argv[2:])
print("STARTUP_FIRST_FRAME " + json.dumps(first[0] if first else None), file=sys.stderr)
sys.exit(rc)
"""


def run(cmd: list[str], env: dict, cwd: str) -> dict:
    """Wall and CPU seconds of one child process, its exit code and output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu, "rc": proc.returncode, "out": proc.stdout, "err": proc.stderr}


def import_profile(stderr: str) -> tuple[float, list[tuple[str, float]]]:
    """Total import time of micropulse.cli.app (s) and the heaviest top-level packages (cumulative s)."""
    total, top = 0.0, {}
    for line in stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if not m:
            continue
        cum, depth, name = int(m.group(2)) / 1e6, len(m.group(3)), m.group(4)
        if name == "micropulse.cli.app":
            total = cum
        root = name.split(".")[0]
        if depth <= 5 and "." not in name:  # a package's first import, wherever it happened
            top[root] = max(top.get(root, 0.0), cum)
    heavy = sorted(((k, v) for k, v in top.items() if not k.startswith("_")), key=lambda kv: -kv[1])[:10]
    return total, [(k, round(v, 3)) for k, v in heavy]


def measure_once(kind: str, python: str, env: dict, clip: Path, csv: Path, cwd: str) -> dict:
    if kind == "import":
        r = run([python, "-X", "importtime", "-c", "import micropulse.cli.app"], env, cwd)
        total, heavy = import_profile(r["err"])
        return {
            "wall_s": r["wall_s"],
            "cpu_s": r["cpu_s"],
            "import_s": total,
            "heaviest": heavy,
            "rc": r["rc"],
        }
    if kind == "help":
        r = run([python, "-m", "micropulse.cli.app", "--help"], env, cwd)
    elif kind == "hr":
        r = run([python, "-m", "micropulse.cli.app", "hr", str(csv), "--json"], env, cwd)
    else:
        plot = [] if kind == "pulse_plot" else ["--no-plot"]
        args = ["pulse", str(clip), "--json", *plot, "--out", str(Path(cwd) / "out")]
        r = run([python, "-c", FIRST_FRAME_CHILD, repr(time.time()), *args], env, cwd)
        first = [ln for ln in r["err"].splitlines() if ln.startswith("STARTUP_FIRST_FRAME ")]
        r["first_frame_s"] = json.loads(first[-1].split(" ", 1)[1]) if first else None
        try:
            r["frames"] = json.loads(r["out"][r["out"].index("{") :]).get("n_frames")
        except ValueError:
            r["frames"] = None
    out = {k: v for k, v in r.items() if k not in ("out", "err")}
    if r["rc"] != 0:
        out["error"] = (r["err"].strip().splitlines() or ["failed"])[-1][:300]
    return out


def summarise(runs: list[dict]) -> dict:
    out: dict = {"runs": len(runs)}
    for key in ("wall_s", "cpu_s", "import_s", "first_frame_s"):
        vals = [r[key] for r in runs if r.get(key) is not None]
        if vals:
            out[key] = round(statistics.median(vals), 3)
            out[key.replace("_s", "_all_s")] = [round(v, 3) for v in vals]
    if runs and runs[-1].get("heaviest"):
        out["heaviest_packages_s"] = runs[-1]["heaviest"]
    frames = [r.get("frames") for r in runs if r.get("frames")]
    if frames and out.get("wall_s"):
        out["frames"] = frames[-1]
        out["process_fps"] = round(frames[-1] / out["wall_s"], 2)
    errors = [r["error"] for r in runs if "error" in r]
    if errors:
        out["error"] = errors[-1]
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--clip", type=Path, default=DEFAULT_CLIP)
    p.add_argument("--baseline-src", type=Path, default=None, help="another src/ to compare with")
    p.add_argument("--also", nargs="+", default=[], metavar="NAME=DIR", help="more src/ variants to compare")
    p.add_argument(
        "--kinds", nargs="+", default=["import", "help", "hr", "pulse", "pulse_plot"], help="what to measure"
    )
    args = p.parse_args(argv)
    import numpy as np

    work = tempfile.mkdtemp(prefix="micropulse-startup-")
    csv = Path(work) / "ppg.csv"
    t = np.arange(0, 60, 1 / 64)
    np.savetxt(csv, np.c_[t, np.sin(2 * np.pi * 1.2 * t)], delimiter=",", header="time,ppg", comments="")
    variants = {"current": dict(os.environ, PYTHONPATH=str(ROOT / "src"))}
    if args.baseline_src is not None:
        variants["baseline"] = dict(os.environ, PYTHONPATH=str(args.baseline_src.resolve()))
    for item in args.also:
        name, _, path = item.partition("=")
        variants[name] = dict(os.environ, PYTHONPATH=str(Path(path).resolve()))
    kinds = list(args.kinds)
    raw = {v: {k: [] for k in kinds} for v in variants}
    for _ in range(args.runs):
        for kind in kinds:
            for name, env in variants.items():
                raw[name][kind].append(measure_once(kind, sys.executable, env, args.clip, csv, work))
    doc: dict = {
        "clip": str(args.clip),
        "runs": args.runs,
        "loadavg": list(os.getloadavg()),
        "cpus": os.cpu_count(),
    }
    for name in variants:
        doc[name] = {k: summarise(raw[name][k]) for k in kinds}
    if "baseline" in doc:
        for name in variants:
            if name == "baseline":
                continue
            ratios: dict = {}
            for k in kinds:
                for key in ("wall_s", "cpu_s", "import_s", "first_frame_s"):
                    a, b = doc[name][k].get(key), doc["baseline"][k].get(key)
                    if a and b:
                        ratios[f"{k}.{key}"] = round(a / b, 3)
            doc[f"{name}_over_baseline"] = ratios
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
