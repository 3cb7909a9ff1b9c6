"""Evaluation outputs: atomic per-video JSON, the aggregated per-video CSV, metrics JSON, report PNG.

Layout of an output folder::

    OUT/videos/{video}.json   one result per video, written (atomically) as soon as it is done
    OUT/per_video.csv         one row per video (or per window): video, subject, start_s, end_s,
                              hr_pred_bpm, hr_gt_bpm, snr_db, macc, recipe, predictor
    OUT/metrics.json          MAE/RMSE/MAPE/Pearson/SNR/MACC with standard errors, the recipe, the
                              config, Bland-Altman limits, failed videos
    OUT/report.png            prediction vs truth and Bland-Altman plot
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np

from micropulse.errors import FileFormatError
from micropulse.io.atomic import atomic_write

CSV_COLUMNS = (
    "video",
    "subject",
    "start_s",
    "end_s",
    "hr_pred_bpm",
    "hr_gt_bpm",
    "snr_db",
    "macc",
    "recipe",
    "predictor",
)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) atomically: :func:`micropulse.io.atomic.atomic_write`."""
    atomic_write(path, text)


def video_json_path(out_dir: Path, video_id: str) -> Path:
    return out_dir / "videos" / f"{video_id.replace('/', '_')}.json"


def write_video_result(out_dir: Path, result: dict) -> Path:
    path = video_json_path(out_dir, result["video"])
    atomic_write_text(path, json.dumps(result, indent=1, sort_keys=True))
    return path


def read_video_result(out_dir: Path, video_id: str) -> dict | None:
    """A finished result, or None when absent or unreadable (then it is recomputed)."""
    path = video_json_path(out_dir, video_id)
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def is_finished(out_dir: Path, video_id: str, key: str) -> bool:
    """A successful result for the same config key exists."""
    res = read_video_result(out_dir, video_id)
    return res is not None and res.get("status") == "ok" and res.get("key") == key


def result_rows(results: list[dict]) -> list[dict]:
    """One row per window of every successful result."""
    rows = []
    for r in results:
        if r.get("status") != "ok":
            continue
        for w in r["windows"]:
            rows.append(
                {
                    "video": r["video"],
                    "subject": r["subject"],
                    **w,
                    "recipe": r["recipe"],
                    "predictor": r["predictor"],
                }
            )
    return rows


def rows_to_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (f"{row[k]:.6f}" if isinstance(row[k], float) else row[k]) for k in CSV_COLUMNS})
    return buf.getvalue()


def read_hr_table(path: str | Path) -> list[dict]:
    """Rows of an HR CSV (``video``, ``hr_pred``/``hr_pred_bpm``, ``hr_gt``/``hr_gt_bpm``, optional ``time_s``)."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except OSError as exc:
        raise FileFormatError(f"cannot read HR table: {exc}", path) from None
    if not rows:
        raise FileFormatError("HR table has no rows", path)
    return rows


def column(rows: list[dict], names: tuple[str, ...], path: Path, required: bool = True) -> np.ndarray | None:
    """Float values of the first present column among ``names``."""
    for name in names:
        if name in rows[0]:
            try:
                return np.array([float(r[name]) for r in rows])
            except (TypeError, ValueError):
                raise FileFormatError(f"column {name!r} has a non-numeric value", path) from None
    if required:
        raise FileFormatError(f"missing column {names[0]!r} (have {', '.join(rows[0])})", path)
    return None
