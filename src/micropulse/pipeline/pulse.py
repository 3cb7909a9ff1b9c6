"""Video in, pulse out: the one front end -> raw pulse wave -> HR, HRV, respiration -> outputs.

The chain, for one video::

    micropulse.frontend.raw_pulse (face tracking; skin-region colours for a classic method or face crops
      cut by the weights' crop geometry for a deep model; one segment rule, one clock rule)
      -> pulse_core.analyse_raw (detrend (+ band-pass) -> signals.summarize; a named recipe's HR if asked)
      -> PulseResult (+ CSV / JSON / PNG)

Regions are combined *before* the method (the mean of the forehead and cheek means): one skin
colour per frame is the input POS/CHROM were designed for, and it averages sensor noise over the
most pixels. Running the method per region and fusing by SNR gains little on a
well-lit face and costs three times the work; it is left for a later option.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from micropulse.errors import InputError, VideoReadError
from micropulse.frontend import (
    MIN_FACE_SECONDS,
    FaceSignal,
    FrontEndSettings,
    RawPulse,
    check_method,
    classic_from_face,
    raw_pulse,
)
from micropulse.pipeline.pulse_core import analyse_raw

if TYPE_CHECKING:
    from micropulse.signals import PulseSummary

log = logging.getLogger(__name__)

#: A heart rate measured with a face on fewer than this fraction of the frames is flagged unreliable.
MIN_RELIABLE_COVERAGE = 0.5


@dataclass(frozen=True)
class PulseResult:
    """The pulse found in one video.

    Attributes:
        source: the video file (or source name).
        bvp: blood-volume pulse of the analysed face segment (unitless; see
            :func:`micropulse.pipeline.pulse_core.postprocess`), sampled at ``fs`` Hz.
        times_s: time of each BVP sample, seconds from the first video frame.
        fs: BVP sampling rate, Hz.
        summary: HR (bpm), HR over time, HRV, respiration (breaths/min), SNR (dB), quality.
        method: rPPG method name (e.g. "pos").
        face_coverage: fraction of video frames (0..1) with a face.
        segment_s: (start, end) seconds of the face segment the pulse was measured on.
        fps: nominal video frame rate, Hz.
        n_frames: frames decoded.
        lossy_input: True when the video codec is lossy (the pulse is weakened), None if unknown.
        codec: video codec fourcc.
        thumbnail: a face image with the skin regions drawn (RGB uint8), when the face front-end gives one.
        warnings: what the user should know (lossy codec, partial face coverage...).
    """

    source: str
    bvp: np.ndarray
    times_s: np.ndarray
    fs: float
    summary: PulseSummary
    method: str
    face_coverage: float
    segment_s: tuple[float, float]
    fps: float
    n_frames: int
    lossy_input: bool | None
    codec: str = ""
    thumbnail: np.ndarray | None = field(default=None, repr=False)
    warnings: tuple[str, ...] = ()
    model_info: dict | None = None
    recipe: str | None = None
    recipe_hr_bpm: float | None = None
    frontend: dict | None = None
    bvp_raw: np.ndarray | None = field(default=None, repr=False)

    @property
    def hr_bpm(self) -> float:
        """Global heart rate, bpm: the named recipe's when one was asked for, else micropulse's estimator."""
        if self.recipe_hr_bpm is not None:
            return float(self.recipe_hr_bpm)
        return float(self.summary.hr.bpm)

    @property
    def band_hz(self) -> tuple[float, float]:
        return tuple(float(b) for b in self.summary.band_hz)

    def to_dict(self) -> dict:
        s = self.summary.to_dict()
        series = self.summary.hr_series
        hr_series = (
            []
            if series is None
            else [
                [round(float(t) + self.segment_s[0], 3), None if not np.isfinite(b) else round(float(b), 3)]
                for t, b in zip(series.times_s, series.bpm, strict=True)
            ]
        )
        return {
            "source": self.source,
            "hr_bpm": round(self.hr_bpm, 4) if self.recipe_hr_bpm is not None else s["hr_bpm"],
            "hr_confidence": s.get("hr_confidence"),
            "hr_reliable": s.get("hr_reliable"),
            "hr_reason": s.get("hr_reason"),
            "hr_estimator": f"recipe:{self.recipe}" if self.recipe is not None else s.get("method"),
            "recipe": self.recipe,
            "hr_series": hr_series,
            "hrv": s.get("hrv"),
            "respiration_bpm": s.get("respiration_bpm"),
            "snr_db": s.get("snr_db"),
            "quality": s.get("quality"),
            "face_coverage": round(float(self.face_coverage), 4),
            "segment_s": [round(float(self.segment_s[0]), 3), round(float(self.segment_s[1]), 3)],
            "method": self.method,
            "band_hz": list(self.band_hz),
            "fs": float(self.fs),
            "fps": float(self.fps),
            "n_frames": int(self.n_frames),
            "lossy_input": self.lossy_input,
            "codec": self.codec,
            "warnings": list(self.warnings),
            "frontend": self.frontend,
            **({"model": self.model_info} if self.model_info is not None else {}),
        }


# ------------------------------------------------------------------------------------ video glue


def input_notes(lossy: bool | None, codec: str, coverage: float) -> list[str]:
    """What the user should know about the input: a lossy codec, a face missing on some frames."""
    notes = []
    if lossy:
        notes.append(
            f"lossy codec {codec!r}: compression weakens the pulse; record lossless (FFV1, PNG) for reliable results"
        )
    if coverage < 1.0:
        notes.append(
            f"face found on {100 * coverage:.1f}% of the frames; the pulse uses the longest face segment"
        )
    return notes


def result_from_raw(
    raw: RawPulse,
    band: tuple[float, float] | None = None,
    window_s: float | None = None,
    recipe: str | None = None,
    extra_notes: tuple[str, ...] = (),
) -> PulseResult:
    """Summarise a front-end :class:`~micropulse.frontend.RawPulse` into a :class:`PulseResult`."""
    face = raw.face
    core = analyse_raw(raw.bvp, raw.fs, raw.filtered, band=band, window_s=window_s, recipe=recipe, name=face.source)
    summary = core.summary
    if face.coverage < MIN_RELIABLE_COVERAGE:
        summary = replace(summary, hr=summary.hr.flag(f"face found on only {100 * face.coverage:.0f}% of the frames"))
    notes = input_notes(face.lossy, face.codec, face.coverage) + list(extra_notes) + list(core.notes)
    for note in notes:
        log.warning("%s: %s", face.source, note)
    return PulseResult(
        source=face.source,
        bvp=core.bvp,
        times_s=raw.times_s[: core.bvp.size],
        fs=raw.fs,
        summary=summary,
        method=raw.predictor,
        face_coverage=face.coverage,
        segment_s=raw.segment_s,
        fps=float(face.fps),
        n_frames=int(face.n_frames),
        lossy_input=face.lossy,
        codec=face.codec,
        thumbnail=face.thumbnail,
        warnings=tuple(notes),
        model_info=raw.model_info,
        recipe=recipe,
        recipe_hr_bpm=core.recipe_hr_bpm,
        frontend=raw.settings.to_dict(),
        bvp_raw=raw.bvp,
    )


def analyse_face(
    face: FaceSignal,
    method: str = "pos",
    settings: FrontEndSettings | None = None,
    band: tuple[float, float] | None = None,
    window_s: float | None = None,
    recipe: str | None = None,
) -> PulseResult:
    """Pulse from face data already read (:func:`micropulse.frontend.read_regions`), by a classic method."""
    settings = settings if settings is not None else FrontEndSettings()
    return result_from_raw(classic_from_face(face, method, settings), band=band, window_s=window_s, recipe=recipe)


def analyse_video(
    path: str | Path,
    method: str = "pos",
    band: tuple[float, float] | None = None,
    window_s: float | None = None,
    face: str = "mediapipe",
    out_dir: str | Path | None = None,
    progress: bool = False,
    min_seconds: float = MIN_FACE_SECONDS,
    fps: float | None = None,
    model: str | None = None,
    weights: str | Path | None = None,
    recipe: str | None = None,
    segment: str = "longest",
    crop: str | None = None,
    settings: FrontEndSettings | None = None,
    plot: bool = True,
) -> PulseResult:
    """Measure the pulse in a face video.

    Args:
        path: the video file (any format OpenCV decodes; lossless FFV1/PNG keep the pulse best) or a
            folder of frames.
        method: classic rPPG method (``micropulse list methods``), e.g. "pos", "chrom", "green".
        band: HR search band (low, high) in Hz; None = ``micropulse.signals.DEFAULT_BAND`` (or the recipe's).
        window_s: window of the HR-over-time series, seconds; None = ``pulse_core.HR_WINDOW_S`` (10 s).
        face: face backend name for the skin regions (``micropulse list face``).
        out_dir: if given, write ``<stem>.bvp.csv``, ``<stem>.json`` and (``plot``) ``<stem>.png`` there.
        progress: draw a progress bar while decoding.
        min_seconds: shortest face segment accepted, seconds.
        fps: frame rate in Hz for a folder of frames (required there); for a file it overrides the
            container's rate and timestamps.
        model: a deep model (``micropulse list models``) instead of the classic ``method``; its face crops
            (geometry), frame rate and input normalisation follow the weights' metadata.
        weights: the deep model's weights (micropulse .pt, official .pth, open-rppg .h5); required.
        recipe: a named evaluation recipe (``micropulse list recipes``): the headline HR is the recipe's,
            exactly as ``micropulse evaluate`` computes it; None = micropulse's own estimator.
        segment: ``longest`` face segment (default) or the ``whole`` video (toolbox-style).
        crop: an explicit crop convention overriding the weights' own (``toolbox``, ``openrppg``, ``micropulse``).
        settings: the front-end settings as one object (overrides ``face``, ``min_seconds``, ``fps``,
            ``segment`` and ``crop``).
        plot: write the PNG with the outputs.

    Raises:
        VideoReadError: missing, unreadable or too short video (the message names the file).
        NoFaceError: no face in the whole video.
        SignalError: no usable pulse (face visible too briefly, grayscale video...).
        WeightsError: a deep model without (valid) weights.
        UnknownNameError: unknown method, model, recipe or face backend (the message lists the known ones).
    """
    if settings is None:
        settings = FrontEndSettings(face=face, min_seconds=min_seconds, fps=fps, segment=segment, crop=crop)
    _check_names(method if model is None else None, recipe, settings.face)
    _check_length(path, settings)
    raw = raw_pulse(
        path, method=None if model is not None else method, model=model, weights=weights, settings=settings,
        progress=progress,
    )  # fmt: skip
    result = result_from_raw(raw, band=band, window_s=window_s, recipe=recipe)
    if out_dir is not None:
        write_outputs(result, out_dir, plot=plot)
    return result


def _check_names(method: str | None, recipe: str | None, face: str) -> None:
    """Unknown names (method, recipe, face backend) fail before any decoding, listing the known ones."""
    from micropulse.face import FACE_BACKENDS, list_backends

    if method is not None:
        check_method(method)
    if recipe is not None:
        from micropulse.signals.recipes import get_recipe

        get_recipe(recipe)
    list_backends()  # registers the backends
    FACE_BACKENDS.get(face)


def _check_length(path: str | Path, settings: FrontEndSettings) -> None:
    """A file shorter than the shortest usable face segment is refused before any face work."""
    from micropulse.io import open_video

    if not isinstance(path, (str, Path)):
        return
    src = open_video(path, fps=settings.fps)
    try:
        if src.fps and src.n_frames and src.n_frames / src.fps < settings.min_seconds:
            raise VideoReadError(
                f"video is only {src.n_frames / src.fps:.2f} s long ({src.n_frames} frames at "
                f"{src.fps:g} fps); at least {settings.min_seconds:g} s are needed for a heart rate",
                path,
            )
    finally:
        src.close()


def output_paths(source: str | Path, out_dir: str | Path) -> dict[str, Path]:
    """Where :func:`write_outputs` puts the files for ``source``: bvp CSV, JSON and PNG."""
    stem = Path(source).stem
    out = Path(out_dir)
    return {"bvp": out / f"{stem}.bvp.csv", "json": out / f"{stem}.json", "png": out / f"{stem}.png"}


def write_outputs(result: PulseResult, out_dir: str | Path, plot: bool = True) -> dict[str, Path]:
    """Write ``<stem>.bvp.csv`` (time_s, bvp[, bvp_raw]), ``<stem>.json`` and (``plot``) ``<stem>.png``."""
    paths = output_paths(result.source, out_dir)
    with_raw = result.bvp_raw is not None and len(result.bvp_raw) == len(result.bvp)
    cols = (result.times_s, result.bvp, result.bvp_raw) if with_raw else (result.times_s, result.bvp)
    header = "time_s,bvp,bvp_raw" if with_raw else "time_s,bvp"
    formats = ("{:.4f}", "{:.6g}", "{:.9g}")  # time (s), post-processed BVP, raw predictor output
    rows = "\n".join(",".join(f.format(v) for f, v in zip(formats, r, strict=False)) for r in zip(*cols, strict=True))
    try:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        paths["bvp"].write_text(header + "\n" + rows + "\n")
        paths["json"].write_text(json.dumps(result.to_dict(), indent=2))
    except OSError as exc:
        raise InputError(
            f"cannot write the outputs there ({exc.strerror or exc}); choose --out DIR", out_dir
        ) from None
    if plot:
        from micropulse.pipeline.plots import plot_pulse

        plot_pulse(
            paths["png"],
            result.bvp,
            result.fs,
            result.summary,
            thumbnail=result.thumbnail,
            title=f"{Path(result.source).name}: {result.method.upper()}",
        )
    else:
        paths.pop("png")
    return paths
