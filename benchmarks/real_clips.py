"""HR per real clip x predictor (POS, CHROM, every imported weight family), as JSON.

    python benchmarks/real_clips.py [--clips DIR] [--only single_face] > table.json

Uses only ``micropulse.analyse_video(path, method=..., model=..., weights=...)``, which every version of
micropulse has, so the same script measures an older checkout (``PYTHONPATH=<worktree>/src``) for a
before/after table. The real clips are lossy and carry no pulse truth: the numbers compare predictors
with each other and with the weights' own pipelines (tests/data/golden), not with a contact pulse.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import sys
import time
import warnings
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def predictors() -> dict[str, dict]:
    out: dict[str, dict] = {"pos": {"method": "pos"}, "chrom": {"method": "chrom"}}
    toolbox = SHARED / "weights"
    for name in ("UBFC-rPPG_PhysNet_DiffNormalized.pth", "PURE_PhysNet_DiffNormalized.pth"):
        if (toolbox / name).exists():
            out[f"physnet-toolbox-{name.split('_')[0]}"] = {"model": "physnet", "weights": str(toolbox / name)}
    spec = importlib.util.find_spec("rppg")
    if spec is not None and spec.origin is not None:
        w = Path(spec.origin).parent / "weights"
        for arch, stem in (("rhythmmamba", "RhythmMamba"), ("physnet", "physnet")):
            for ds in ("pure", "rlap"):
                out[f"{arch}-openrppg-{ds}"] = {"model": arch, "weights": str(w / f"{stem}.{ds}.weights.h5")}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=Path, default=SHARED / "data" / "video")
    ap.add_argument("--only", nargs="*", default=None, help="clip stems to run")
    ap.add_argument("--predictors", nargs="*", default=None, help="predictor names to run")
    args = ap.parse_args()
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    import micropulse

    table: dict[str, dict] = {}
    clips = sorted(p for p in args.clips.iterdir() if p.suffix in (".mp4", ".mov"))
    for clip in clips:
        if args.only and clip.stem not in args.only:
            continue
        row = table.setdefault(clip.name, {})
        for name, kw in predictors().items():
            if args.predictors and name not in args.predictors:
                continue
            t0 = time.perf_counter()
            try:
                r = micropulse.analyse_video(clip, **kw)
                d = r.to_dict()
                row[name] = {"hr_bpm": round(r.hr_bpm, 2), "reliable": d.get("hr_reliable"),
                             "reason": d.get("hr_reason"), "quality": d.get("quality"), "snr_db": d.get("snr_db"),
                             "s": round(time.perf_counter() - t0, 1)}  # fmt: skip
                if "openrppg" in name:  # the HR by open-rppg's own rule, to set beside open-rppg's answer
                    rr = micropulse.analyse_video(clip, recipe="open-rppg", **kw)
                    row[name]["hr_openrppg_rule"] = round(rr.hr_bpm, 2)
            except Exception as exc:  # noqa: BLE001 - a table cell, not a crash
                row[name] = {"error": f"{type(exc).__name__}: {exc}"[:200]}
            print(clip.name, name, row[name], file=sys.stderr, flush=True)
    print(json.dumps(table, indent=1))


if __name__ == "__main__":
    main()
