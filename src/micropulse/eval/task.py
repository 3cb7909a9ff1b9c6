"""One evaluation task: a dataset video in, a JSON-ready result out.

:func:`run_video` is the unit of work shared by every engine (in-process, process pool, Ray): it
reads one video's ground truth, predicts its BVP through the one front end (:mod:`micropulse.frontend`,
the same code ``micropulse pulse`` runs, so the numbers published here measure what ``pulse`` does) and
scores it with the named recipe. It has no side effects; the driver writes the result
(see :mod:`micropulse.eval.runner`).
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
from micropulse.frontend import FrontEndSettings

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
        cache_dir: crop cache for the deep path (:mod:`micropulse.frontend.cache`); None: no cache.
        segment: front-end segment rule: ``whole`` (default here: every frame is evaluated, as the
            published toolbox numbers are) or ``longest`` (``micropulse pulse``'s default).
        crop: explicit crop convention overriding the weights' own (None: the weights' geometry).
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
    segment: str = "whole"
    crop: str | None = None

    def frontend(self) -> FrontEndSettings:
        """The front-end settings of this evaluation (the same object ``micropulse pulse`` builds)."""
        return FrontEndSettings(face=self.face, segment=self.segment, crop=self.crop)

    def __post_init__(self) -> None:
        if (self.method is None) == (self.model is None):
            raise InputError("give exactly one of a classic method (--method) or a deep model (--model)")
        if self.gt not in GT_SOURCES:
            raise InputError(f"gt must be one of {GT_SOURCES}, got {self.gt!r}")
        if self.gt == "device" and self.window_s:
            raise InputError("the device HR is one number per video: use --gt device without --window")
        self.frontend()  # validates segment and crop
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


def predict_video(cfg: EvalConfig, entry_id: str, sample) -> np.ndarray:
    """The front end's raw pulse wave of one dataset sample, at its frame times (NaN outside the segment)."""
    from micropulse.datasets.frames import open_sample_video
    from micropulse.frontend import deep_from_face, load_model, raw_pulse, read_crops, weights_geometry
    from micropulse.frontend.cache import CropStore, cached_crops

    settings = cfg.frontend()
    video = open_sample_video(sample.video, sample.frame_times_s, sample.fps)
    if cfg.method is not None:
        raw = raw_pulse(video, method=cfg.method, settings=settings)
    else:
        net = load_model(cfg.model, cfg.weights)
        geometry = settings.geometry_for(weights_geometry(net.weights_info))
        size = int(net.weights_info.input_size)
        if cfg.cache_dir is not None:
            store = CropStore(cfg.cache_dir, cfg.dataset, settings, geometry, size)
            face = cached_crops(store, entry_id, video)
        else:
            face = read_crops(video, settings, geometry, size)
        raw = deep_from_face(face, net, settings)
    return raw.on_frames(), raw.coverage


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
        "segment": cfg.segment,
    }
    try:
        sample = get_dataset(cfg.dataset, cfg.root, cfg.alignment, entries=[entry]).load(entry.id)
        bvp, coverage = predict_video(cfg, entry.id, sample)
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
