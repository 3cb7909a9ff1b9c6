"""Decoding: per-window network outputs -> per-video scores -> intervals -> emotion labels.

specs/micro-expressions.md §4, pure numpy (+ ``scipy.signal.find_peaks``):

* :func:`stitch_windows` / :func:`stitch_videos`: windows of ``k`` frames with stride ``k/2`` are put back
  per video -- the first window of each *video* writes all ``k`` frames, every later window only its
  second half (the intended rule of §4.1). The reference code applied the "first window" rule to the
  first window of each DataLoader batch (trap 4); here batches play no role, so the result does not
  depend on the batch size.
* :func:`peak_intervals`: the MEAN / ME-TST decoder (§4.2): box smoothing of width ``2 k_p``, threshold
  ``mean + p (max - mean)``, ``find_peaks(distance=k_p)``, intervals ``[q - k_p, q + k_p]``.
* :func:`extensible_intervals`: BoostingVRME's prior-guided scalable interval selection with per-video
  NMS (§4.3), boundaries placed on the raw score (trap 5), no widening when no low pair is found (trap 6).
* :func:`megc_samm_intervals`: BoostingVRME's MEGC-2025 SAMM test-set variant (§4.3).
* :func:`frame_labels` (synergy modes 0/1/2), :func:`vote_emotion` (majority vote per interval) and
  :func:`neutral_filter` (§4.4; :data:`NEUTRAL_FILTERS` names where scoring places it).
* :func:`face_runs`, :func:`mask_no_face`, :func:`keep_in_face`: no interval where no face was tracked.
* :data:`OVERLAP_RULES`: what each decoder does with overlapping intervals (what the official code does).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np
from scipy.signal import find_peaks

from micropulse.errors import InputError
from micropulse.me.labels import CLASS_NAMES, NEUTRAL, NEUTRAL_INDEX

#: Default Moilanen threshold fraction p (§4.2); 0.65 for the MEGC SAMM test set.
DEFAULT_P = 0.55


@dataclass(frozen=True)
class SpottedInterval:
    """One spotted expression, frames 0-based inclusive on the (subsampled) video grid.

    ``score`` is the smoothed score at the peak; ``emotion`` a class name or ``None`` before voting.
    """

    onset: int
    offset: int
    apex: int
    score: float = 0.0
    emotion: str | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


# --------------------------------------------------------------------------------------------------
# Stitching (§4.1)


def _check_k(k: int) -> int:
    if k < 2 or k % 2:
        raise InputError(f"window length k must be an even number >= 2, got {k}")
    return k // 2


def stitch_windows(windows: np.ndarray) -> np.ndarray:
    """Per-video sequence from its windows, shape (W, k, ...) -> ((W + 1) * k / 2, ...).

    Window w covers frames [w k/2, w k/2 + k). Window 0 writes all its k frames; window w >= 1 writes its
    second half, frames [(w + 1) k/2, (w + 2) k/2) -- with causal models every frame then gets at least
    k/2 frames of context. Works for scores (W, k), labels (W, k) and logits (W, k, C).
    """
    windows = np.asarray(windows)
    if windows.ndim < 2 or windows.shape[0] == 0:
        raise InputError(f"windows must have shape (W >= 1, k, ...), got {windows.shape}")
    half = _check_k(windows.shape[1])
    return np.concatenate([windows[0], *(w[half:] for w in windows[1:])], axis=0)


def stitch_videos(batches: Iterable[np.ndarray], videos: Sequence[tuple[str, int]]) -> dict[str, np.ndarray]:
    """Stitch window outputs that arrive in batches of any size back into per-video sequences.

    ``batches`` yields arrays (B, k, ...) whose rows are the windows in the order of ``videos``, a list of
    ``(video_id, n_windows)``. Batch boundaries are ignored, so the result is the same for every batch
    size (the reference code's result was not, trap 4).
    """
    parts = [np.asarray(b) for b in batches]
    if not parts:
        raise InputError("no window outputs to stitch")
    rows = np.concatenate(parts, axis=0)
    expected = sum(n for _, n in videos)
    if rows.shape[0] != expected:
        raise InputError(f"got {rows.shape[0]} windows but the video list accounts for {expected}")
    out: dict[str, np.ndarray] = {}
    start = 0
    for video, n in videos:
        if n < 1:
            raise InputError(f"video {video!r} has {n} windows; every video needs at least one")
        if video in out:
            raise InputError(f"video {video!r} is listed twice")
        out[video] = stitch_windows(rows[start : start + n])
        start += n
    return out


# --------------------------------------------------------------------------------------------------
# Peak decoding (§4.2, §4.3)


def smooth_scores(scores: np.ndarray, k_p: int) -> np.ndarray:
    """Moving average with a box of ``2 k_p`` frames, ``np.convolve(..., 'same')`` (zeros beyond the ends)."""
    if k_p < 1:
        raise InputError(f"k_p must be >= 1 frame, got {k_p}")
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 1 or s.size == 0:
        raise InputError(f"scores must be a non-empty 1-D array, got shape {s.shape}")
    if not np.all(np.isfinite(s)):
        raise InputError("scores contain NaN or infinite values")
    return np.convolve(s, np.ones(2 * k_p) / (2 * k_p), mode="same")


def peak_threshold(smoothed: np.ndarray, p: float = DEFAULT_P) -> float:
    """Moilanen threshold ``mean + p (max - mean)`` of the smoothed score."""
    if not 0.0 <= p <= 1.0:
        raise InputError(f"threshold fraction p must lie in [0, 1], got {p}")
    m = float(np.mean(smoothed))
    return m + p * (float(np.max(smoothed)) - m)


def find_score_peaks(scores: np.ndarray, k_p: int, *, p: float = DEFAULT_P) -> tuple[np.ndarray, np.ndarray]:
    """Peaks of the smoothed score: ``(peak frames, smoothed score)``; ``find_peaks(height=thr, distance=k_p)``."""
    smoothed = smooth_scores(scores, k_p)
    peaks, _ = find_peaks(smoothed, height=peak_threshold(smoothed, p), distance=k_p)
    return peaks.astype(np.int64), smoothed


def peak_intervals(
    scores: np.ndarray, k_p: int, *, p: float = DEFAULT_P, clip: bool = False
) -> list[SpottedInterval]:
    """MEAN / ME-TST decoder: one interval ``[q - k_p, q + k_p]`` per peak q, apex q (§4.2).

    With ``clip=False`` (the reference behaviour) the onset is not clipped at 0 (nor the offset at the
    end); ``clip=True`` clips both to the video. Unlike ME-TST no dummy ``[0, 0]`` interval is added when
    nothing is found (trap 7): the list is empty. No merging, no NMS.
    """
    peaks, smoothed = find_score_peaks(scores, k_p, p=p)
    n = len(smoothed)
    out = []
    for q in peaks:
        on, off = int(q) - k_p, int(q) + k_p
        if clip:
            on, off = max(0, on), min(n - 1, off)
        out.append(SpottedInterval(on, off, int(q), float(smoothed[q])))
    return out


def _iou_exclusive(a: SpottedInterval, b: SpottedInterval) -> float:
    inter = max(0, min(a.offset, b.offset) - max(a.onset, b.onset))
    union = max(a.offset, b.offset) - min(a.onset, b.onset)
    return inter / union if union else 0.0


def nms_intervals(
    intervals: Sequence[SpottedInterval], k_p: int, *, iou: float = 0.2
) -> list[SpottedInterval]:
    """BoostingVRME per-video NMS (§4.3 step 7): sorted by onset, keep an interval only if, against every
    kept one, the exclusive-length IoU is < ``iou`` and the apexes are more than ``k_p`` frames apart."""
    kept: list[SpottedInterval] = []
    for b in sorted(intervals, key=lambda iv: iv.onset):
        if all(_iou_exclusive(a, b) < iou and abs(a.apex - b.apex) > k_p for a in kept):
            kept.append(b)
    return kept


def _extend(raw: np.ndarray, q: int, k_p: int, max_extent: int) -> tuple[int, int]:
    """Boundaries of the interval around peak q on the raw score (§4.3 steps 1-5)."""
    n = len(raw)
    l0, r0 = max(0, q - k_p), min(n - 1, q + k_p)
    mu = float(raw.mean())
    tau1, tau2 = mu / 1.5, mu
    start = next((i - 1 for i in range(l0 + 1, q) if raw[i] > raw[i - 1] and raw[i] > tau1), l0)
    end = next((j + 1 for j in range(r0 - 1, q, -1) if raw[j] > raw[j + 1] and raw[j] > tau1), r0)
    lo, hi = max(0, q - max_extent * k_p), min(n - 1, q + max_extent * k_p)
    for i in range(start - 1, lo - 1, -1):  # widen left while the score stays >= the video mean
        if i > 0 and raw[i] < tau2 and raw[i - 1] < tau2:
            start = i + 1
            break
    for j in range(end + 1, hi + 1):
        if j < n - 1 and raw[j] < tau2 and raw[j + 1] < tau2:
            end = j - 1
            break
    return start, end


def extensible_intervals(
    scores: np.ndarray, k_p: int, *, p: float = DEFAULT_P, max_extent: int = 5, nms_iou: float = 0.2
) -> list[SpottedInterval]:
    """BoostingVRME's prior-guided scalable interval selection (``interval_strategy=1``, §4.3).

    Peaks come from the smoothed score (:func:`find_score_peaks`); the boundaries and the apex are then
    placed on the **raw** score (trap 5): onset at the first rise above ``mean/1.5`` inside
    ``[q - k_p, q)``, offset at the last fall above it inside ``(q, q + k_p]``, then widened up to
    ``max_extent * k_p`` from the peak while the score stays at or above the video mean; if no pair of
    consecutive below-mean frames is found the boundary stays put (trap 6). Apex = argmax of the raw
    score in the interval. Finally :func:`nms_intervals`. Returns an empty list when nothing is found.
    """
    peaks, smoothed = find_score_peaks(scores, k_p, p=p)
    raw = np.asarray(scores, dtype=np.float64)
    out = []
    for q in peaks:
        start, end = _extend(raw, int(q), k_p, max_extent)
        apex = start + int(np.argmax(raw[start : end + 1]))
        out.append(SpottedInterval(start, end, apex, float(smoothed[q])))
    return nms_intervals(out, k_p, iou=nms_iou)


def megc_samm_intervals(
    scores: np.ndarray, k_p: int = 6, *, p: float = 0.65, low: float = 0.2, high: float = 0.8
) -> list[SpottedInterval]:
    """BoostingVRME's MEGC-2025 ``SAMM_test`` decoder (§4.3, last paragraph): peaks as in §4.2 with
    p = 0.65 and k_p = 6, boundaries searched on the **smoothed** score, apex = peak, no NMS.

    Left: the first i in q-1 .. q-k_p (going left, i > 0) with two consecutive smoothed scores < ``low``
    gives start = i; else the first i in q-k_p-1 .. q-2k_p with two < ``high``; default max(0, q - 2 k_p).
    Right mirrors it with end = i + 1 and default min(n-1, q + 2 k_p); as in the code the near search
    stops before q + k_p and the far search starts after it.
    """
    peaks, sm = find_score_peaks(scores, k_p, p=p)
    n = len(sm)
    out = []
    for q in (int(x) for x in peaks):
        near_l, far_l = max(0, q - k_p), max(0, q - 2 * k_p)
        start = next(
            (i for i in range(q - 1, near_l - 1, -1) if i > 0 and sm[i] < low and sm[i - 1] < low), None
        )
        if start is None:
            start = next(
                (i for i in range(near_l - 1, far_l - 1, -1) if i > 0 and sm[i] < high and sm[i - 1] < high),
                far_l,
            )
        near_r, far_r = min(n - 1, q + k_p), min(n - 1, q + 2 * k_p)
        end = next(
            (i + 1 for i in range(q + 1, near_r) if i + 1 < n and sm[i] < low and sm[i + 1] < low), None
        )
        if end is None:
            end = next(
                (i + 1 for i in range(near_r + 1, far_r) if i + 1 < n and sm[i] < high and sm[i + 1] < high),
                far_r,
            )
        out.append(SpottedInterval(start, end, q, float(sm[q])))
    return out


#: What each decoder does with overlapping intervals -- what the official code does (specs §4.2-4.3):
#: ME-TST's peak decoder keeps them (``find_peaks(distance=k_p)`` lets peaks k_p..2k_p apart give
#: overlapping ``[q - k_p, q + k_p]``; "No merging and no NMS in ME-TST", §4.2 step 6), BoostingVRME's
#: extensible decoder removes them by its per-video NMS (§4.3 step 7). The README_MEGC merge rule is
#: not in the code (§4.3), so no decoder merges. Published F1 numbers depend on this: changing it would
#: make the decoders differ from the papers'.
OVERLAP_RULES = {
    "peak": "overlapping intervals kept, as in ME-TST (no merging, no NMS; specs §4.2 step 6)",
    "extensible": "overlaps removed by per-video NMS (IoU < 0.2 and apexes > k_p apart; specs §4.3 step 7)",
    "megc-samm": "overlapping intervals kept, as in BoostingVRME's SAMM_test variant (no NMS; specs §4.3)",
}


def overlapping_pairs(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Index pairs ``(i, j)``, i < j, of ``(onset, offset)`` spans (inclusive frames) sharing a frame."""
    return [
        (i, j)
        for i, (a0, a1) in enumerate(spans)
        for j, (b0, b1) in enumerate(spans[i + 1 :], start=i + 1)
        if min(a1, b1) >= max(a0, b0)
    ]


# --------------------------------------------------------------------------------------------------
# Face presence: no interval where the face was lost


def face_runs(face_found: np.ndarray) -> list[tuple[int, int]]:
    """Stretches ``(first, last)`` (inclusive frames) where ``face_found`` is True, in order."""
    m = np.asarray(face_found, dtype=bool).ravel()
    if m.size == 0:
        return []
    edges = np.diff(np.concatenate([[0], m.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def mask_no_face(scores: np.ndarray, face_found: np.ndarray) -> np.ndarray:
    """Scores with the frames where no face was tracked set to 0 (the model saw no face there, so its
    output there is no evidence of an expression, and must not set the video's threshold either)."""
    s = np.asarray(scores, dtype=np.float64)
    m = np.asarray(face_found, dtype=bool)
    if m.shape != s.shape:
        raise InputError(f"face mask has shape {m.shape}, scores have {s.shape}")
    return np.where(m, s, 0.0)


def keep_in_face(intervals: Sequence[SpottedInterval], face_found: np.ndarray) -> list[SpottedInterval]:
    """Intervals restricted to the face-tracked stretches: one whose apex lies where no face was tracked is
    dropped; the others are clipped to the stretch that holds their apex, so that no interval starts or
    ends where the face was lost."""
    runs = face_runs(face_found)
    out = []
    for iv in intervals:
        run = next(((a, b) for a, b in runs if a <= iv.apex <= b), None)
        if run is not None:
            out.append(replace(iv, onset=max(iv.onset, run[0]), offset=min(iv.offset, run[1])))
    return out


# --------------------------------------------------------------------------------------------------
# Emotions (§4.4)


def frame_labels(logits: np.ndarray, *, synergy: int = 1, negative_penalty: float = 0.0) -> np.ndarray:
    """Per-frame class ids (0-4) from recognition logits (..., 5) under a synergy mode (§4.4).

    * ``synergy=2`` ("spotting mainly", ME-TST default): argmax over the 4 emotions; never neutral;
    * ``synergy=1`` ("recognition mainly", BoostingVRME default): the neutral logit is set to 0, then
      argmax over 5 -- neutral wins only when every emotion logit is below 0;
    * ``synergy=0``: plain argmax over 5 (trained with neutral weight 0).

    ``negative_penalty`` is subtracted from the negative logit in mode 1 (BoostingVRME's SAMM test
    "penalty" strategy uses 1.0).
    """
    z = np.array(logits, dtype=np.float64, copy=True)
    if z.ndim < 1 or z.shape[-1] != len(CLASS_NAMES):
        raise InputError(f"logits must have a last axis of {len(CLASS_NAMES)} classes, got shape {z.shape}")
    if synergy == 2:
        return np.argmax(z[..., :NEUTRAL_INDEX], axis=-1)
    if synergy == 1:
        z[..., NEUTRAL_INDEX] = 0.0
        z[..., 0] -= negative_penalty
        return np.argmax(z, axis=-1)
    if synergy == 0:
        return np.argmax(z, axis=-1)
    raise InputError(f"synergy mode must be 0, 1 or 2, got {synergy}")


def vote_emotion(labels: np.ndarray, onset: int, offset: int, *, prefer_non_negative: bool = False) -> int:
    """Majority vote of per-frame class ids over frames ``[onset + 1, offset - 1)`` (§4.4).

    The onset is clipped at 0 and the slice excludes ``offset - 1`` itself, as in the reference code; ties
    go to the label seen first. An empty slice gives neutral (BoostingVRME; ME-TST crashed, trap 7).
    ``prefer_non_negative`` (BoostingVRME's ``SAMM_test`` rule): when more than 20 % of the frames are not
    "negative", vote among those frames only.
    """
    start = max(0, onset) + 1
    end = max(1, max(0, offset) - 1)
    part = np.asarray(labels)[start:end].tolist() if start < end else []
    if not part:
        return NEUTRAL_INDEX
    if prefer_non_negative:
        others = [v for v in part if v != 0]
        if len(others) / len(part) > 0.2:
            part = others
    return int(Counter(part).most_common(1)[0][0])


def assign_emotions(
    intervals: Sequence[SpottedInterval], labels: np.ndarray, *, prefer_non_negative: bool = False
) -> list[SpottedInterval]:
    """Copy of ``intervals`` with ``emotion`` set by :func:`vote_emotion` on the per-frame ``labels``
    (``prefer_non_negative``: BoostingVRME's ``SAMM_test`` voting rule, see :func:`vote_emotion`)."""
    prefer = bool(prefer_non_negative)
    votes = [vote_emotion(labels, iv.onset, iv.offset, prefer_non_negative=prefer) for iv in intervals]
    return [replace(iv, emotion=CLASS_NAMES[v]) for iv, v in zip(intervals, votes, strict=True)]


#: Where the synergy-1 neutral filter runs relative to matching predictions with the ground truth (§4.4):
#: ``after-matching`` is what BoostingVRME does (intervals voted neutral take part in matching and are deleted
#: afterwards: a deleted TP becomes an FN, a deleted FP disappears); ``before-matching`` is micropulse's variant
#: (deleted at decoding, so another prediction may still match that GT). Without ground truth (``micropulse
#: spot``) both leave the same intervals: those voted neutral are not reported.
NEUTRAL_FILTERS = ("after-matching", "before-matching")


def neutral_filter(intervals: Sequence[SpottedInterval]) -> list[SpottedInterval]:
    """Synergy-1 filtering: drop intervals whose voted emotion is neutral (see :data:`NEUTRAL_FILTERS` for
    where scoring places it)."""
    return [iv for iv in intervals if iv.emotion != NEUTRAL]
