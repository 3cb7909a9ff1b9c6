"""MEGC scorer: interval spotting (TP/FP/FN, P/R/F1), recognition on spotted TPs, STRS.

specs/micro-expressions.md §5.2 and §5.4, written from scratch (no vendored box-AP package):

* intervals are inclusive frame ranges; ``IoU = inter / (len1 + len2 - inter)`` with
  ``inter = min(e1, e2) - max(s1, s2) + 1`` clipped at 0 and ``len = e - s + 1``;
* **matching order (documented, deterministic):** per video and per expression type, the predictions
  are visited in ascending ``(onset, offset)`` (stable for ties) -- the insertion order of the
  MEAN / ME-TST / BoostingVRME decoders, whose intervals come out by ascending peak / start. Each
  prediction looks only at its single highest-IoU GT (ties: the GT with the smaller ``(onset, offset)``);
  it is a TP if that IoU >= ``iou`` and that GT is still unmatched, otherwise an FP -- even if another
  GT would qualify (the reference matcher). A GT is matched at most once; FN = #GT - TP;
* counts are pooled over all videos; per type (``me``, ``mae``) and overall (pooled over both types);
* recognition uses the ME TPs: pairs (GT emotion, predicted emotion); pairs whose GT emotion is not in
  ``classes`` (default negative/positive/surprise, i.e. "others" dropped) are removed; a predicted
  label outside ``classes`` (others, neutral, missing) is simply wrong. Per class one-vs-rest P, R, F1;
  a class absent from both GT and predictions is skipped; F1_rec = 2 P R / (P + R) with P, R the macro
  means (NOT UF1; UF1 = mean F1_c and UAR = mean R_c are reported too). Where P + R = 0 the reference
  code crashes; here F1_rec = 0;
* STRS = F1_spot(ME) x F1_rec.

Pure numpy/pandas; no torch.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from micropulse.errors import FileFormatError, InputError
from micropulse.me.labels import STRS_CLASSES, TYPE_ALIASES, normalize_emotion

log = logging.getLogger(__name__)

TYPES: tuple[str, ...] = ("me", "mae")
DEFAULT_IOU = 0.5


def interval_iou(onset_a: int, offset_a: int, onset_b: int, offset_b: int) -> float:
    """IoU of two inclusive frame intervals; ``[10, 30]`` vs ``[15, 35]`` -> 16 / 26."""
    inter = max(0, min(offset_a, offset_b) - max(onset_a, onset_b) + 1)
    union = (offset_a - onset_a + 1) + (offset_b - onset_b + 1) - inter
    return inter / union if union > 0 else 0.0


def _iou_matrix(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """(n_pred, n_gt) inclusive IoU; ``pred`` and ``gt`` are (n, 2) integer arrays of [onset, offset]."""
    s = np.maximum(pred[:, None, 0], gt[None, :, 0])
    e = np.minimum(pred[:, None, 1], gt[None, :, 1])
    inter = np.clip(e - s + 1, 0, None)
    union = (pred[:, 1] - pred[:, 0] + 1)[:, None] + (gt[:, 1] - gt[:, 0] + 1)[None, :] - inter
    return inter / np.maximum(union, 1)


def match_intervals(pred: np.ndarray, gt: np.ndarray, *, iou: float = DEFAULT_IOU) -> np.ndarray:
    """Greedy matching of one video's predictions to its GTs; returns the matched GT index per
    prediction (-1 for an FP), in the order of the inputs.

    ``pred`` (n_pred, 2) and ``gt`` (n_gt, 2) hold inclusive [onset, offset] frames. Visiting order and tie
    rules are those of the module docstring.
    """
    pred = np.asarray(pred, dtype=np.int64).reshape(-1, 2)
    gt = np.asarray(gt, dtype=np.int64).reshape(-1, 2)
    out = np.full(len(pred), -1, dtype=np.int64)
    if len(pred) == 0 or len(gt) == 0:
        return out
    p_order = np.lexsort((pred[:, 1], pred[:, 0]))
    g_order = np.lexsort((gt[:, 1], gt[:, 0]))
    ious = _iou_matrix(pred[p_order], gt[g_order])
    taken = np.zeros(len(gt), dtype=bool)
    for row, p_idx in enumerate(p_order):
        best = int(np.argmax(ious[row]))  # first max = smallest (onset, offset) among ties
        if ious[row, best] >= iou and not taken[best]:
            taken[best] = True
            out[p_idx] = g_order[best]
    return out


@dataclass(frozen=True)
class SpotCounts:
    """Pooled spotting counts with precision, recall and F1.

    With nothing to score (no GT and no prediction: tp = fp = fn = 0) the three are ``None`` (null in
    JSON): there was nothing to find and nothing was claimed, which is neither a perfect nor a zero score.
    Otherwise a 0/0 ratio is 0, as in the reference scorer (no prediction: precision 0; no GT: recall 0).
    """

    tp: int
    fp: int
    fn: int

    @property
    def empty(self) -> bool:
        """No GT and no prediction: the scores are undefined."""
        return self.tp + self.fp + self.fn == 0

    @property
    def precision(self) -> float | None:
        if self.empty:
            return None
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float | None:
        if self.empty:
            return None
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float | None:
        if self.empty:
            return None
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: SpotCounts) -> SpotCounts:
        return SpotCounts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def to_dict(self) -> dict[str, float | int]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@dataclass(frozen=True)
class RecognitionScore:
    """Recognition on spotted TPs (§5.4). ``f1`` is the STRS F1 (harmonic mean of macro P and R)."""

    f1: float
    uf1: float
    uar: float
    n: int
    precision: float
    recall: float
    classes: tuple[str, ...]
    per_class: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, float | int]:
        return {"f1": self.f1, "uf1": self.uf1, "uar": self.uar, "n": self.n}


def recognition_score(
    gt_labels: Sequence[str], pred_labels: Sequence[str | None], *, classes: Sequence[str] = STRS_CLASSES
) -> RecognitionScore:
    """Score (GT, predicted) emotion pairs of spotted TPs over ``classes`` (§5.4).

    Pairs whose GT label is not in ``classes`` are dropped first; a predicted label outside ``classes``
    counts as wrong (an FN of the GT class, no FP). Per class c present in GT or predictions:
    P_c = TP_c / (TP_c + FP_c), R_c = TP_c / (TP_c + FN_c) (0 where undefined),
    F1_c = 2 TP_c / (2 TP_c + FP_c + FN_c).
    """
    if len(gt_labels) != len(pred_labels):
        raise InputError(f"{len(gt_labels)} GT labels but {len(pred_labels)} predicted labels")
    classes = tuple(classes)
    keep = [(g, p) for g, p in zip(gt_labels, pred_labels, strict=True) if g in classes]
    per_class: dict[str, dict[str, float]] = {}
    for c in classes:
        tp = sum(1 for g, p in keep if g == c and p == c)
        fp = sum(1 for g, p in keep if g != c and p == c)
        fn = sum(1 for g, p in keep if g == c and p != c)
        if tp + fp + fn == 0:
            continue  # absent from GT and predictions: skipped, as the reference code does
        per_class[c] = {
            "precision": tp / (tp + fp) if tp + fp else 0.0,
            "recall": tp / (tp + fn) if tp + fn else 0.0,
            "f1": 2 * tp / (2 * tp + fp + fn),
            "support": float(tp + fn),
        }
    if not per_class:
        return RecognitionScore(0.0, 0.0, 0.0, len(keep), 0.0, 0.0, classes, {})
    p_mean = float(np.mean([v["precision"] for v in per_class.values()]))
    r_mean = float(np.mean([v["recall"] for v in per_class.values()]))
    f1 = 2 * p_mean * r_mean / (p_mean + r_mean) if p_mean + r_mean else 0.0
    uf1 = float(np.mean([v["f1"] for v in per_class.values()]))
    return RecognitionScore(f1, uf1, r_mean, len(keep), p_mean, r_mean, classes, per_class)


@dataclass(frozen=True)
class MEGCScore:
    """Result of :func:`megc_score`; ``to_dict()`` gives the JSON layout of ``micropulse megc-score``."""

    spotting: SpotCounts
    by_type: dict[str, SpotCounts]
    recognition: RecognitionScore | None
    strs: float | None
    iou: float = DEFAULT_IOU

    def to_dict(self) -> dict[str, object]:
        spot: dict[str, object] = self.spotting.to_dict()
        spot["by_type"] = {t: c.to_dict() for t, c in self.by_type.items()}
        return {
            "spotting": spot,
            "recognition": None if self.recognition is None else self.recognition.to_dict(),
            "strs": self.strs,
        }


def _check_frame(df: pd.DataFrame, name: str) -> pd.DataFrame:
    need = {"video", "onset", "offset"}
    missing = need - set(df.columns)
    if missing:
        raise InputError(f"{name} intervals lack column(s) {', '.join(sorted(missing))}")
    if "type" not in df.columns:
        df = df.assign(type="me")
    bad_type = ~df["type"].isin(TYPES)
    if bad_type.any():
        raise InputError(
            f"{name} intervals: type must be one of {TYPES}, got {df.loc[bad_type, 'type'].iloc[0]!r}"
        )
    if (df["onset"] > df["offset"]).any():
        row = df[df["onset"] > df["offset"]].iloc[0]
        raise InputError(
            f"{name} intervals: onset {row['onset']} > offset {row['offset']} in video {row['video']}"
        )
    if "emotion" in df.columns:  # raw dataset labels are mapped; unknown ones raise InputError
        emotions = [None if pd.isna(e) or not str(e).strip() else normalize_emotion(e) for e in df["emotion"]]
        df = df.assign(emotion=pd.Series(emotions, index=df.index, dtype=object))
    return df


def megc_score(
    gt: pd.DataFrame,
    pred: pd.DataFrame,
    *,
    iou: float = DEFAULT_IOU,
    classes: Sequence[str] = STRS_CLASSES,
) -> MEGCScore:
    """Score predicted intervals against GT intervals, MEGC style.

    ``gt`` and ``pred``: DataFrames with columns ``video``, ``onset``, ``offset`` (inclusive frames on the
    same grid) and optionally ``type`` (``me``/``mae``; default ``me``) and ``emotion`` (class names or any
    dataset's raw labels, mapped by :func:`~micropulse.me.labels.normalize_emotion`; empty = none);
    :func:`read_intervals_csv` parses and checks files. Recognition (and STRS) is
    computed only when both frames have an ``emotion`` column; otherwise they are ``None``.
    """
    if not 0.0 < iou <= 1.0:
        raise InputError(f"IoU threshold must lie in (0, 1], got {iou}")
    gt = _check_frame(gt, "GT")
    pred = _check_frame(pred, "predicted")
    with_emotion = "emotion" in gt.columns and "emotion" in pred.columns
    counts = {t: SpotCounts(0, 0, 0) for t in TYPES}
    gt_emotions: list[str] = []
    pred_emotions: list[str | None] = []
    gt_videos, pred_videos = set(gt["video"].astype(str)), set(pred["video"].astype(str))
    stray = sorted(pred_videos - gt_videos)
    if stray:  # every prediction there is an FP: often a naming mismatch between the two files
        log.warning(
            "%d predicted video(s) have no GT (all their intervals are FPs): %s",
            len(stray),
            ", ".join(stray[:5]),
        )
    videos = sorted(gt_videos | pred_videos)
    gt_by = {k: v for k, v in gt.groupby([gt["video"].astype(str), gt["type"]], sort=False)}
    pred_by = {k: v for k, v in pred.groupby([pred["video"].astype(str), pred["type"]], sort=False)}
    empty = gt.iloc[:0]
    for video in videos:
        for t in TYPES:
            g = gt_by.get((video, t), empty)
            p = pred_by.get((video, t), empty)
            match = match_intervals(
                p[["onset", "offset"]].to_numpy(np.int64), g[["onset", "offset"]].to_numpy(np.int64), iou=iou
            )
            tp = int((match >= 0).sum())
            counts[t] = counts[t] + SpotCounts(tp, len(p) - tp, len(g) - tp)
            if with_emotion and t == "me":
                for p_idx in np.flatnonzero(match >= 0):
                    ge = g["emotion"].iloc[match[p_idx]]
                    pe = p["emotion"].iloc[p_idx]
                    if isinstance(ge, str):
                        gt_emotions.append(ge)
                        pred_emotions.append(pe if isinstance(pe, str) else None)
    overall = counts["me"] + counts["mae"]
    rec = recognition_score(gt_emotions, pred_emotions, classes=classes) if with_emotion else None
    me_f1 = counts["me"].f1
    strs = None if rec is None or me_f1 is None else me_f1 * rec.f1
    return MEGCScore(spotting=overall, by_type=counts, recognition=rec, strs=strs, iou=iou)


# --------------------------------------------------------------------------------------------------
# CSV input (the edge used by ``micropulse megc-score``)


def read_intervals_csv(path: str | Path) -> pd.DataFrame:
    """Read an interval CSV: columns ``video, onset, offset`` plus optional ``apex, type, emotion``.

    Frames are integers (inclusive). ``type`` accepts me/micro/micro-expression and mae/macro/
    macro-expression; ``emotion`` any label known to :func:`micropulse.me.labels.normalize_emotion`
    (empty cells = no emotion). Raises :class:`FileFormatError` naming the file and the problem.
    """
    path = Path(path)
    if not path.is_file():
        raise FileFormatError("interval CSV not found", path)
    try:
        df = pd.read_csv(path, dtype={"video": str}, skipinitialspace=True)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"cannot parse as CSV ({exc})", path) from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in ("video", "onset", "offset") if c not in df.columns]
    if missing:
        raise FileFormatError(
            f"missing column(s) {', '.join(missing)}; expected video, onset, offset [, apex, type, emotion]; "
            f"found {', '.join(df.columns)}",
            path,
        )
    for col in ("onset", "offset", "apex"):
        if col not in df.columns:
            continue
        values = pd.to_numeric(df[col], errors="coerce")
        bad = values.isna() if col != "apex" else values.isna() & df[col].notna()
        if bad.any() or (values.dropna() % 1 != 0).any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) if bad.any() else 0
            raise FileFormatError(f"column {col!r} must hold integer frames (data row {row + 1})", path)
        df[col] = values.astype("Int64") if col == "apex" else values.astype(np.int64)
    bad = df["onset"] > df["offset"]
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise FileFormatError(
            f"onset {df['onset'].iloc[row]} > offset {df['offset'].iloc[row]} (data row {row + 1}, "
            f"video {df['video'].iloc[row]})",
            path,
        )
    if "type" in df.columns:
        types = df["type"].fillna("me").astype(str).str.strip().str.lower()
        unknown = sorted(set(types) - set(TYPE_ALIASES))
        if unknown:
            raise FileFormatError(
                f"unknown expression type(s) {', '.join(map(repr, unknown))}; known: {', '.join(TYPE_ALIASES)}",
                path,
            )
        df["type"] = types.map(TYPE_ALIASES)
    if "emotion" in df.columns:
        emotions: list[str | None] = []
        for i, raw in enumerate(df["emotion"]):
            if pd.isna(raw) or not str(raw).strip():
                emotions.append(None)
                continue
            try:
                emotions.append(normalize_emotion(raw))
            except InputError as exc:
                raise FileFormatError(f"data row {i + 1}: {exc}", path) from None
        df["emotion"] = pd.Series(emotions, index=df.index, dtype=object)
    return df
