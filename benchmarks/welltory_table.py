"""Welltory finger-camera PPG vs Polar H10 RR truth: HR and RMSSD for all 21 recordings (JSON).

Usage: python benchmarks/welltory_table.py [--method peaks] [--data ../shared/data/ppg/welltory/data]

Each PPG.csv is read exactly as ``micropulse hr`` reads it (time in ms, colour channel chosen
by the quality index, resampled to its median rate), then summarised. Truth: HR = 60000 /
mean(RR), RMSSD = sqrt(mean(diff(RR)^2)) of the raw chest-strap intervals.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from micropulse.signals.records import load_pulse
from micropulse.signals.summary import summarize

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "ppg" / "welltory" / "data"


def truth(rr_path: Path) -> tuple[float, float]:
    """(HR bpm, RMSSD ms) from a Polar RR.txt (intervals in ms, space separated)."""
    rr = np.array(rr_path.read_text().split(), dtype=np.float64)
    return float(60000.0 / rr.mean()), float(np.sqrt(np.mean(np.diff(rr) ** 2)))


def table(root: Path = DEFAULT, method: str = "peaks") -> dict:
    rows = []
    for sub in sorted(root.glob("subject_*")):
        rec = load_pulse(sub / "PPG.csv", time_column="time", time_unit="ms")
        s = summarize(rec.signal, rec.fs, method=method)
        hr_t, rmssd_t = truth(sub / "RR.txt")
        rmssd = s.hrv.rmssd_ms
        rows.append(
            {
                "subject": sub.name,
                "channel": rec.column,
                "hr_bpm": round(s.hr.bpm, 2),
                "hr_truth_bpm": round(hr_t, 2),
                "hr_err_bpm": round(s.hr.bpm - hr_t, 2),
                "rmssd_ms": None if rmssd is None else round(rmssd, 1),
                "rmssd_truth_ms": round(rmssd_t, 1),
                "rmssd_rel_err": None if rmssd is None else round(rmssd / rmssd_t - 1, 3),
                "hrv_reliable": s.hrv.reliable,
                "quality": round(s.quality, 3),
            }
        )
    err = np.array([r["hr_err_bpm"] for r in rows])
    rel = np.array([np.inf if r["rmssd_rel_err"] is None else r["rmssd_rel_err"] for r in rows])
    return {
        "method": method,
        "n": len(rows),
        "hr_within_2bpm": int((np.abs(err) <= 2).sum()),
        "hr_mae_bpm": round(float(np.abs(err).mean()), 3),
        "rmssd_within_15pct": int((np.abs(rel) <= 0.15).sum()),
        "rows": rows,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--method", default="peaks")
    ap.add_argument("--data", type=Path, default=DEFAULT)
    args = ap.parse_args()
    print(json.dumps(table(args.data, args.method), indent=1))


if __name__ == "__main__":
    main()
