"""Scoring decoded micro-expression predictions in training evaluation, with the synergy-1 neutral filter
placed where :attr:`micropulse.me.infer.DecodeSettings.neutral_filter` says (specs/micro-expressions.md §4.4,
§5.2; :data:`micropulse.me.decode.NEUTRAL_FILTERS`):

* ``after-matching`` (BoostingVRME): every decoded interval takes part in matching; those voted neutral are
  deleted afterwards -- a deleted TP becomes an FN (its GT stays unmatched even if another prediction would
  have matched it), a deleted FP disappears, and recognition drops the deleted TPs' pairs;
* ``before-matching`` (micropulse's variant): intervals voted neutral are deleted first, then matched.

BoostingVRME prints the scores before and after the filter; both are returned. numpy/pandas only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from micropulse.me.infer import DecodeSettings
from micropulse.me.labels import NEUTRAL, STRS_CLASSES, normalize_emotion
from micropulse.me.score import (
    DEFAULT_IOU,
    TYPES,
    MEGCScore,
    SpotCounts,
    match_intervals,
    megc_score,
    recognition_score,
)


def _label(value: Any) -> str | None:
    return normalize_emotion(value) if isinstance(value, str) and value.strip() else None


def megc_score_neutral_after_matching(
    gt: pd.DataFrame, pred: pd.DataFrame, *, iou: float = DEFAULT_IOU, classes: tuple[str, ...] = STRS_CLASSES
) -> MEGCScore:
    """MEGC score with the predictions voted neutral deleted *after* matching (BoostingVRME's placement).

    ``gt`` / ``pred``: columns ``video, onset, offset, type, emotion`` (inclusive frames, one grid). Matching is
    :func:`micropulse.me.score.match_intervals` on all predictions, exactly as :func:`megc_score` runs it, so
    with no neutral prediction the result equals ``megc_score(gt, pred)``.
    """
    counts = {t: SpotCounts(0, 0, 0) for t in TYPES}
    gt_emotions: list[str] = []
    pred_emotions: list[str | None] = []
    gt_key, pred_key = gt["video"].astype(str), pred["video"].astype(str)
    for video in sorted(set(gt_key) | set(pred_key)):
        for t in TYPES:
            g = gt[(gt_key == video) & (gt["type"] == t)]
            p = pred[(pred_key == video) & (pred["type"] == t)]
            match = match_intervals(
                p[["onset", "offset"]].to_numpy(np.int64), g[["onset", "offset"]].to_numpy(np.int64), iou=iou
            )
            kept = np.array([_label(e) != NEUTRAL for e in p["emotion"]], dtype=bool)
            tp = int(((match >= 0) & kept).sum())
            counts[t] = counts[t] + SpotCounts(tp, int(((match < 0) & kept).sum()), len(g) - tp)
            if t == "me":
                for i in np.flatnonzero((match >= 0) & kept):
                    ge = _label(g["emotion"].iloc[match[i]])
                    if ge is not None:
                        gt_emotions.append(ge)
                        pred_emotions.append(_label(p["emotion"].iloc[i]))
    rec = recognition_score(gt_emotions, pred_emotions, classes=classes)
    me_f1 = counts["me"].f1
    strs = None if me_f1 is None else me_f1 * rec.f1
    return MEGCScore(
        spotting=counts["me"] + counts["mae"], by_type=counts, recognition=rec, strs=strs, iou=iou
    )


def score_predictions(gt: pd.DataFrame, pred: pd.DataFrame, settings: DecodeSettings) -> dict[str, Any]:
    """Pooled MEGC score of decoded predictions (``pred``: every decoded interval with its voted emotion, no
    neutral filter yet) under ``settings``: with synergy 1 the neutral filter where ``settings.neutral_filter``
    places it, and the score before the filter under ``before_neutral_filter``."""
    unfiltered = megc_score(gt, pred)
    if settings.synergy != 1:
        return unfiltered.to_dict() | {"neutral_filter": "none (synergy != 1)"}
    if settings.neutral_filter == "after-matching":
        filtered = megc_score_neutral_after_matching(gt, pred)
    else:
        keep = [_label(e) != NEUTRAL for e in pred["emotion"]]
        filtered = megc_score(gt, pred[np.array(keep, dtype=bool)] if len(pred) else pred)
    before = unfiltered.to_dict()
    return filtered.to_dict() | {
        "neutral_filter": settings.neutral_filter,
        "before_neutral_filter": {"spotting": before["spotting"], "strs": before["strs"]},
    }
