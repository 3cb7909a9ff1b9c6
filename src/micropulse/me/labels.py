"""Micro-expression labels: emotion classes, dataset mappings, frame indices, targets, class weights.

Everything here follows specs/micro-expressions.md §2 and is defined once:

* the 5 recognition outputs (§2.3): 0 negative, 1 positive, 2 surprise, 3 others, 4 neutral;
* the emotion mapping of every dataset (§2.3), in :data:`EMOTION_MAPS`;
* the frame-index convention (§2.1, trap 16): spreadsheets give 1-based raw frame numbers and a
  video subsampled by ``skip`` (SAMM-LV: 7) has ``index = int((frame - 1) / skip)``;
* the hard-box spotting target (§2.2): ``y = 1`` on ``[onset + 1, offset - 1]`` (both boundary
  frames excluded, apex unused), and the per-frame recognition target (later rows win);
* the class weights of the weighted cross-entropy (§2.4).

Pure numpy; no torch, no cv2.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from micropulse.errors import InputError

log = logging.getLogger(__name__)

#: The 4 emotion classes, in the order of the recognition head's first 4 outputs.
EMOTIONS: tuple[str, ...] = ("negative", "positive", "surprise", "others")
#: The background class, output 4.
NEUTRAL = "neutral"
#: All 5 recognition outputs, index = class id.
CLASS_NAMES: tuple[str, ...] = (*EMOTIONS, NEUTRAL)
NEUTRAL_INDEX = CLASS_NAMES.index(NEUTRAL)
#: The classes over which STRS recognition is scored (§5.4, BoostingVRME; "others" excluded).
STRS_CLASSES: tuple[str, ...] = ("negative", "positive", "surprise")

#: Raw dataset emotion label (lower-cased) -> one of :data:`EMOTIONS`, per dataset (§2.3).
EMOTION_MAPS: dict[str, dict[str, str]] = {
    # CAS(ME)^3, column ``emotion``.
    "casme3": {
        "anger": "negative",
        "disgust": "negative",
        "fear": "negative",
        "sad": "negative",
        "happy": "positive",
        "surprise": "surprise",
        "others": "others",
    },
    # SAMM (Micro FACS sheet, ``Estimated Emotion``), joined onto SAMM-LV.
    "samm": {
        "anger": "negative",
        "contempt": "negative",
        "disgust": "negative",
        "fear": "negative",
        "sadness": "negative",
        "happiness": "positive",
        "surprise": "surprise",
        "other": "others",
    },
    # MEGC-2025 mock labels of the unseen test sets.
    "megc_test": {"negative": "negative", "happiness": "positive", "surprise": "surprise"},
    # CASME II ``Estimated Emotion``: the MEGC-2019 composite grouping [inferred; MEAN itself keeps the
    # raw CASME II classes, spec §6].
    "casme2": {
        "disgust": "negative",
        "repression": "negative",
        "fear": "negative",
        "sadness": "negative",
        "happiness": "positive",
        "surprise": "surprise",
        "others": "others",
    },
    # CAS(ME)^2 ``code_final.xlsx`` already uses the 4 category names [inferred].
    "casme_sq": {"negative": "negative", "positive": "positive", "surprise": "surprise", "others": "others"},
    # SMIC-E annotations use positive / negative / surprise.
    "smic": {"negative": "negative", "positive": "positive", "surprise": "surprise"},
}


#: Accepted spellings of the expression type (lower-cased, stripped) -> ``me`` / ``mae``; includes the
#: SAMM-LV ``Type`` strings and the CAS(ME)^2 ``type`` column values.
TYPE_ALIASES: dict[str, str] = {
    "me": "me",
    "micro": "me",
    "micro-expression": "me",
    "micro - 1/2": "me",
    "mae": "mae",
    "macro": "mae",
    "macro-expression": "mae",
}


def _union_map() -> dict[str, str]:
    merged: dict[str, str] = {name: name for name in CLASS_NAMES}
    merged["other"] = "others"
    for table in EMOTION_MAPS.values():
        for raw, cls in table.items():
            if merged.setdefault(raw, cls) != cls:  # pragma: no cover - guards the tables above
                raise AssertionError(f"emotion {raw!r} maps to two classes")
    return merged


#: Every raw label any dataset uses, plus the canonical names -> canonical class.
ANY_EMOTION: dict[str, str] = _union_map()


def normalize_emotion(label: object, dataset: str | None = None) -> str:
    """Map a raw emotion label to one of :data:`CLASS_NAMES`.

    ``dataset`` picks one table of :data:`EMOTION_MAPS`; ``None`` accepts any known label (the
    canonical names, ``neutral`` and every dataset's raw names). Raises :class:`InputError` naming the
    known labels when the label is unknown.
    """
    key = str(label).strip().lower()
    table = ANY_EMOTION if dataset is None else EMOTION_MAPS.get(dataset)
    if table is None:
        raise InputError(f"unknown dataset {dataset!r} for emotion mapping; known: {', '.join(EMOTION_MAPS)}")
    if key not in table:
        known = ", ".join(sorted(table))
        where = "" if dataset is None else f" in dataset {dataset!r}"
        raise InputError(f"unknown emotion label {label!r}{where}; known: {known}")
    return table[key]


def class_index(emotion: str) -> int:
    """Index (0-4) of a canonical class name."""
    try:
        return CLASS_NAMES.index(emotion)
    except ValueError:
        raise InputError(f"unknown emotion class {emotion!r}; known: {', '.join(CLASS_NAMES)}") from None


# --------------------------------------------------------------------------------------------------
# Frame indices (§2.1, trap 16)


def label_to_index(frame: int, skip: int = 1) -> int:
    """Array index of a 1-based raw label frame in a video subsampled by ``skip`` (every skip-th file).

    ``int((frame - 1) / skip)``: CAS(ME)^3 (skip 1) label 1 -> index 0; SAMM-LV (skip 7) labels 1-7 -> 0,
    8-14 -> 1. Raises :class:`InputError` for a frame < 1 or a skip < 1.
    """
    if skip < 1:
        raise InputError(f"frame skip must be >= 1, got {skip}")
    if frame < 1:
        raise InputError(f"label frame numbers are 1-based; got {frame}")
    return int((frame - 1) / skip)


def index_to_label(index: int, skip: int = 1) -> int:
    """The 1-based raw frame number of the file kept at array ``index`` (``index * skip + 1``).

    This inverts :func:`label_to_index` exactly for the frames that subsampling keeps. (The MEGC CSV of
    BoostingVRME writes SAMM as ``index * 7 - 6`` instead, seven raw frames early, trap 16.)
    """
    if index < 0:
        raise InputError(f"frame index must be >= 0, got {index}")
    return index * skip + 1


def boostingvrme_csv_frame(index: int, skip: int = 1) -> int:
    """The frame number BoostingVRME writes into its MEGC submission CSV (§4.5, trap 16).

    ``skip == 1`` (CAS(ME)^3): the 0-based index itself; ``skip > 1`` (SAMM, 7): ``index * skip - (skip - 1)``,
    i.e. ``index * 7 - 6``, which is ``skip`` raw frames before :func:`index_to_label`. Provided to
    reproduce that file; whether it matches the organisers' convention is unverified (spec §5.4).
    """
    return index if skip == 1 else index * skip - (skip - 1)


@dataclass(frozen=True)
class MEInterval:
    """One expression on a video's (subsampled) frame grid; frames are 0-based, inclusive.

    ``type`` is ``"me"`` (micro) or ``"mae"`` (macro); ``emotion`` one of :data:`EMOTIONS` or ``None``.
    """

    onset: int
    offset: int
    apex: int | None = None
    emotion: str | None = None
    type: str = "me"

    def __post_init__(self) -> None:
        if self.offset < self.onset:
            raise InputError(f"interval onset {self.onset} is after its offset {self.offset}")
        if self.type not in ("me", "mae"):
            raise InputError(f"interval type must be 'me' or 'mae', got {self.type!r}")

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def interval_from_label(
    onset: int,
    apex: int | None,
    offset: int,
    *,
    skip: int = 1,
    emotion: str | None = None,
    type: str = "me",
) -> MEInterval | None:
    """Convert one spreadsheet row (1-based raw frames) into an :class:`MEInterval` (§2.1).

    * ``offset == 0`` -> the offset is the apex (CAS(ME)^2 / MEAN rule);
    * ``onset == 0`` -> ``None``: MEAN drops such "extremely long" SAMM-LV rows. Unlike MEAN, the caller
      must drop the row's emotion too (trap 14: appending it shifted later emotions);
    * an apex of ``None``, ``0`` or ``-1`` ("not annotated" in SAMM-LV) gives ``apex=None``.
    """
    has_apex = apex is not None and not (isinstance(apex, float) and math.isnan(apex)) and int(apex) > 0
    if int(offset) == 0:
        if not has_apex:
            raise InputError("label row has neither an offset nor an apex frame")
        offset = apex  # type: ignore[assignment]
    if int(onset) == 0:
        return None
    a = label_to_index(int(apex), skip) if has_apex else None
    return MEInterval(
        onset=label_to_index(int(onset), skip),
        offset=label_to_index(int(offset), skip),
        apex=a,
        emotion=emotion,
        type=type,
    )


# --------------------------------------------------------------------------------------------------
# Targets (§2.2, §2.3)


def _box(interval: MEInterval, n_frames: int) -> slice:
    """Frames [onset + 1, offset - 1] (hard box, boundaries excluded), clipped to the video."""
    return slice(max(0, interval.onset + 1), max(0, min(n_frames, interval.offset)))


def spotting_target(n_frames: int, intervals: Iterable[MEInterval]) -> np.ndarray:
    """Per-frame spotting target, float32 of shape (n_frames,): 1 inside every interval's hard box.

    Box = frames ``onset + 1 .. offset - 1`` (inclusive), exactly the reference code (§2.2); the apex is
    ignored. Pass only the expressions to spot (the reference code spots MEs only).
    """
    if n_frames < 0:
        raise InputError(f"n_frames must be >= 0, got {n_frames}")
    y = np.zeros(n_frames, dtype=np.float32)
    for iv in intervals:
        y[_box(iv, n_frames)] = 1.0
    return y


def recognition_target(n_frames: int, intervals: Sequence[MEInterval]) -> np.ndarray:
    """Per-frame class ids, int64 of shape (n_frames,): neutral (4) outside MEs (§2.3).

    Inside an interval's hard box the frames take the interval's class; where intervals overlap the
    later one in ``intervals`` wins. An interval without an emotion counts as "others" (as the reference
    code does for spotting-only labels).
    """
    y = np.full(n_frames, NEUTRAL_INDEX, dtype=np.int64)
    for iv in intervals:
        y[_box(iv, n_frames)] = class_index(iv.emotion or "others")
    return y


def class_weights(labels: np.ndarray, *, strategy: int = 1, neutral_factor: float = 6.0) -> np.ndarray:
    """Weights of the 5 classes for the weighted cross-entropy (§2.4), float64 of shape (5,).

    sklearn ``'balanced'``: ``w_c = N / (5 * n_c)`` over the per-frame labels of the training windows;
    then ``w_neutral *= neutral_factor`` (6; ME-TST strategies 1/2, BoostingVRME synergy 1/2), or
    ``w_neutral = 0`` with ``strategy=0``. A class absent from ``labels`` gets weight 0 (sklearn would
    raise; the weight never multiplies a target term, so 0 changes nothing) and a warning is logged.
    """
    y = np.asarray(labels).ravel()
    if y.size == 0:
        raise InputError("class_weights needs at least one label")
    if strategy not in (0, 1, 2):
        raise InputError(f"strategy must be 0, 1 or 2, got {strategy}")
    if y.min() < 0 or y.max() >= len(CLASS_NAMES):
        raise InputError(f"class labels must lie in 0..{len(CLASS_NAMES) - 1}")
    counts = np.bincount(y.astype(np.int64), minlength=len(CLASS_NAMES)).astype(np.float64)
    weights = np.zeros(len(CLASS_NAMES))
    present = counts > 0
    weights[present] = y.size / (len(CLASS_NAMES) * counts[present])
    if not present.all():
        missing = [CLASS_NAMES[i] for i in np.flatnonzero(~present)]
        log.warning("classes absent from the training labels get weight 0: %s", ", ".join(missing))
    weights[NEUTRAL_INDEX] = 0.0 if strategy == 0 else weights[NEUTRAL_INDEX] * neutral_factor
    return weights


def k_p_from_intervals(intervals: Iterable[MEInterval], *, statistic: str = "median") -> int:
    """Half-width k_p (frames) of the peak decoder from GT durations (§4.2 step 1).

    ``k_p = int((D + 1) / 2)`` with D the ``"mean"`` (ME-TST) or ``"median"`` (BoostingVRME: the element at
    ``len // 2`` of the sorted durations, the upper median) of ``offset - onset``. Note trap 17: the
    reference code uses every GT ME, test subject included.
    """
    durations = sorted(iv.offset - iv.onset for iv in intervals)
    if not durations:
        raise InputError("k_p needs at least one GT interval")
    if statistic == "mean":
        d = float(np.mean(durations))
    elif statistic == "median":
        d = float(durations[len(durations) // 2])
    else:
        raise InputError(f"statistic must be 'mean' or 'median', got {statistic!r}")
    return max(1, int((d + 1) / 2))
