"""One evaluation task: a dataset video in, a JSON-ready result out.

:func:`run_video` is the unit of work shared by every engine (in-process, process pool, Ray): it
reads one video's ground truth, predicts its BVP with a classic method (face traces) or a deep
model (face crops), and scores both with the named recipe. It has no side effects; the driver
writes the result (see :mod:`micropulse.eval.runner`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import resource
import sys
import time
from dataclasses import asdict, dataclass, replace

import numpy as np

from micropulse.errors import InputError, MicropulseError, SignalError

log = logging.getLogger(__name__)

GT_SOURCES = ("waveform", "device")


@dataclass(frozen=True)
class EvalConfig:
    """Everything that decides a per-video result (its hash tells finished results apart).

    Attributes:
        dataset, root: registered dataset name and its folder.
        method: classic method (``pos``...), or None when ``model`` is given.
        model, weights: deep model name and weights file (the deep path).
        recipe: evaluation recipe (``toolbox-2023``, ``toolbox-2025``, ``rhythm``).
        window_s: evaluation window in seconds, None for whole videos.
        alignment: ``timestamps`` or ``index`` (see :mod:`micropulse.datasets.base`).
        face: face backend for traces and crops.
        gt: ``waveform`` (HR from the label waveform, like the papers) or ``device`` (the dataset's
            device HR, whole-video only).
        begin, end: fraction of subjects/videos to evaluate (toolbox BEGIN/END, natural order).
        protocol, part: instead of begin/end, a named protocol (:mod:`micropulse.datasets.splits`,
            e.g. ``rhythm-ubfc-intra``) and its part (``test``, ``train``, ``valid``).
        cache_dir: crop cache for the deep path (:mod:`micropulse.datasets.cache`); None: no cache.
    """

    dataset: str
    root: str
    method: str | None = "pos"
    model: str | None = None
    weights: str | None = None
    recipe: str = "toolbox-2023"
    window_s: float | None = None
    alignment: str = "timestamps"
    face: str = "mediapipe"
    gt: str = "waveform"
    begin: float = 0.0
    end: float = 1.0
    cache_dir: str | None = None
    protocol: str | None = None
    part: str = "test"

    def __post_init__(self) -> None:
        if (self.method is None) == (self.model is None):
            raise InputError("give exactly one of a classic method (--method) or a deep model (--model)")
        if self.gt not in GT_SOURCES:
            raise InputError(f"gt must be one of {GT_SOURCES}, got {self.gt!r}")
        if self.gt == "device" and self.window_s:
            raise InputError("the device HR is one number per video: use --gt device without --window")
        if not 0.0 <= self.begin < self.end <= 1.0:
            raise InputError(
                f"split fractions must satisfy 0 <= begin < end <= 1, got {self.begin}, {self.end}"
            )

    def key(self) -> str:
        """16-hex hash of the settings that change per-video results (not the selection, root, cache)."""
        d = asdict(self)
        for k in ("begin", "end", "root", "cache_dir", "protocol", "part"):
            d.pop(k)
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]

    @property
    def predictor(self) -> str:
        return self.method if self.method is not None else f"{self.model}"

    def to_dict(self) -> dict:
        return {**asdict(self), "key": self.key()}


def peak_rss_mb() -> float:
    """Peak resident memory of this process, MiB."""
    ru = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return ru / (1024 * 1024) if sys.platform == "darwin" else ru / 1024


def _classic_bvp(cfg: EvalConfig, sample) -> tuple[np.ndarray, float]:
    from micropulse.datasets.frames import open_sample_video
    from micropulse.face import extract_traces
    from micropulse.rppg.classic import apply_method

    video = open_sample_video(sample.video, sample.frame_times_s, sample.fps)
    traces = extract_traces(video, backend=cfg.face)
    rgb = traces.mean_rgb()
    a, b = longest_run(np.isfinite(rgb).all(axis=1))
    if b - a < 10:
        raise SignalError(
            f"no stretch of >= 10 frames with the face tracked (coverage {traces.coverage:.0%})"
        )
    bvp = np.full(rgb.shape[0], np.nan)  # frames outside the longest tracked stretch are not evaluated
    bvp[a:b] = apply_method(cfg.method, rgb[a:b], sample.fps)[: b - a]
    return bvp, float(traces.coverage)


def longest_run(mask: np.ndarray) -> tuple[int, int]:
    """[start, stop) of the longest run of True in a 1-D boolean mask ((0, 0) when none)."""
    padded = np.concatenate([[False], np.asarray(mask, bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    if edges.size == 0:
        return 0, 0
    starts, stops = edges[::2], edges[1::2]
    k = int(np.argmax(stops - starts))
    return int(starts[k]), int(stops[k])


def _deep_bvp(cfg: EvalConfig, sample) -> tuple[np.ndarray, float]:
    from micropulse.datasets.cache import CropCache, CropConfig, cached_crops
    from micropulse.rppg.deep import create_model
    from micropulse.rppg.deep.inference import predict_bvp

    model = create_model(cfg.model, cfg.weights)
    size = int(model.weights_info.input_size)
    crop_cfg = CropConfig(size=size if size in (72, 128) else 128, backend=cfg.face)
    if cfg.cache_dir is not None:
        crops, coverage = cached_crops(CropCache(cfg.cache_dir, cfg.dataset, crop_cfg), sample)
    else:
        from micropulse.datasets.frames import open_sample_video
        from micropulse.face import extract_traces

        video = open_sample_video(sample.video, sample.frame_times_s, sample.fps)
        traces = extract_traces(video, backend=cfg.face, crops_size=crop_cfg.size, crop_scale=crop_cfg.scale)
        crops, coverage = traces.crops, float(traces.coverage)
    return predict_bvp(model, np.asarray(crops), sample.fps), coverage


def run_video(cfg: EvalConfig, entry) -> dict:
    """Evaluate one video (an :class:`~micropulse.datasets.base.Entry` of ``cfg.dataset``).

    Returns a JSON-ready dict: ``status`` "ok" with the per-window HRs, or "error" with the message
    (named errors only; anything else is a bug and propagates).
    """
    from micropulse.datasets import get_dataset
    from micropulse.eval.windows import evaluate_waveforms

    t0 = time.perf_counter()
    base = {
        "video": entry.id,
        "subject": entry.subject,
        "key": cfg.key(),
        "recipe": cfg.recipe,
        "predictor": cfg.predictor,
        "window_s": cfg.window_s,
        "gt": cfg.gt,
    }
    try:
        sample = get_dataset(cfg.dataset, cfg.root, cfg.alignment, entries=[entry]).load(entry.id)
        bvp, coverage = _classic_bvp(cfg, sample) if cfg.method else _deep_bvp(cfg, sample)
        label, idx = sample.ppg_on_frames()
        keep = idx < bvp.size  # CHROM-style outputs are shorter than the video
        keep[keep] = np.isfinite(bvp[idx[keep]])  # frames without a tracked face
        label, idx = label[keep], idx[keep]  # both contiguous stretches, so their overlap is one too
        if idx.size < 10:
            raise SignalError(f"only {idx.size} frames have both a prediction and ground truth")
        windows = evaluate_waveforms(bvp[idx], label, sample.fps, cfg.recipe, cfg.window_s)
        if cfg.gt == "device":
            if sample.device_hr is None:
                raise InputError(f"{cfg.dataset} has no device HR for {entry.id}; use --gt waveform")
            windows = [replace(w, hr_gt_bpm=float(sample.device_hr)) for w in windows]
    except MicropulseError as exc:
        log.warning("%s: %s", entry.id, exc)
        return {
            **base,
            "status": "error",
            "error": str(exc),
            "elapsed_s": time.perf_counter() - t0,
            "peak_rss_mb": peak_rss_mb(),
        }
    return {
        **base,
        "status": "ok",
        "fps": sample.fps,
        "n_frames": sample.n_frames,
        "n_evaluated": int(idx.size),
        "face_coverage": coverage,
        "gt_mismatch": sample.meta.get("gt_mismatch", ""),
        "windows": [w.to_dict() for w in windows],
        "elapsed_s": time.perf_counter() - t0,
        "peak_rss_mb": peak_rss_mb(),
    }
