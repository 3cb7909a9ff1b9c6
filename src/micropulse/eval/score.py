"""Score heart-rate tables (``micropulse score``): anyone's per-video or per-window HRs -> metrics.

Input CSV columns: ``video``, ``hr_pred`` (or ``hr_pred_bpm``), ``hr_gt`` (or ``hr_gt_bpm``; may
come from a second table joined on ``video`` and ``time_s``), optional ``time_s`` for windowed rows.

Aggregation: by default every row counts (n = rows: videos, or windows when ``time_s`` is present —
what the toolbox does with ``USE_SMALLER_WINDOW``). With ``per_video=True`` the windows of each
video are first averaged (mean of hr_pred and mean of hr_gt per video), so n = videos.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from micropulse.errors import FileFormatError
from micropulse.eval.blandaltman import bland_altman, plot_report
from micropulse.eval.metrics import compute_metrics
from micropulse.eval.outputs import column, read_hr_table

PRED_COLS = ("hr_pred", "hr_pred_bpm")
GT_COLS = ("hr_gt", "hr_gt_bpm")
TIME_COLS = ("time_s", "start_s")


def _keys(rows: list[dict], path: Path) -> list[tuple[str, str]]:
    if "video" not in rows[0]:
        raise FileFormatError(f"missing column 'video' (have {', '.join(rows[0])})", path)
    tcol = next((c for c in TIME_COLS if c in rows[0]), None)
    keys = [(r["video"], f"{float(r[tcol]):.3f}" if tcol else "") for r in rows]
    if len(set(keys)) != len(keys):
        raise FileFormatError("duplicate (video, time_s) rows", path)
    return keys


def score_tables(
    pred_path: str | Path,
    gt_path: str | Path | None = None,
    recipe: str = "unspecified",
    per_video: bool = False,
    plot: str | Path | None = None,
) -> dict:
    """Metrics (with standard errors) of predicted vs true HRs read from CSV tables."""
    pred_path = Path(pred_path)
    rows = read_hr_table(pred_path)
    keys = _keys(rows, pred_path)
    pred = column(rows, PRED_COLS, pred_path)
    gt = column(rows, GT_COLS, pred_path, required=gt_path is None)
    if gt is None:
        gt_path = Path(gt_path)
        grows = read_hr_table(gt_path)
        table = dict(zip(_keys(grows, gt_path), column(grows, GT_COLS, gt_path), strict=True))
        absent = [k for k in keys if k not in table]
        if absent:
            raise FileFormatError(
                f"{len(absent)} predicted rows have no ground truth, e.g. {absent[0]}", gt_path
            )
        gt = np.array([table[k] for k in keys])
    videos = [k[0] for k in keys]
    level = "window" if any(k[1] for k in keys) else "video"
    if per_video:
        groups: dict[str, list[int]] = defaultdict(list)
        for i, v in enumerate(videos):
            groups[v].append(i)
        pred = np.array([pred[idx].mean() for idx in groups.values()])
        gt = np.array([gt[idx].mean() for idx in groups.values()])
        level = "video"
    metrics = compute_metrics(pred, gt, recipe, level=level)
    doc = {
        **metrics.to_dict(),
        "n_videos": len(set(videos)),
        "n_rows": len(rows),
        "aggregation": "mean of windows per video" if per_video else "every row",
    }
    if pred.size >= 2:
        doc["bland_altman"] = bland_altman(pred, gt).to_dict()
        if plot is not None:
            plot_report(pred, gt, plot, f"{pred_path.name} · recipe {recipe} · n={pred.size}")
    return doc
