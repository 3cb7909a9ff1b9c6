"""Video in, pulse out: face regions -> RGB traces -> classic rPPG method -> HR, HRV, respiration.

The chain, for one video::

    open_video -> face.extract_traces (skin regions, per-frame mean RGB)
      -> combine regions (the mean of the region means on each frame)
      -> longest face segment (short gaps bridged) -> uniform time grid
      -> rppg.classic.apply_method -> detrend (+ band-pass) -> signals.summarize
      -> PulseResult (+ CSV / JSON / PNG)

Regions are combined *before* the method (the mean of the forehead and cheek means): one skin
colour per frame is the input POS/CHROM were designed for, and it averages sensor noise over the
most pixels. Running the method per region and fusing by SNR gains little on a
well-lit face and costs three times the work; it is left for a later option.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from micropulse.errors import InputError, SignalError, VideoReadError
from micropulse.pipeline.pulse_core import MIN_FACE_SECONDS, pulse_from_rgb

if TYPE_CHECKING:
    from micropulse.face import FaceTraces
    from micropulse.signals import PulseSummary

log = logging.getLogger(__name__)


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

    @property
    def hr_bpm(self) -> float:
        """Global heart rate, bpm."""
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
            "hr_bpm": s["hr_bpm"],
            "hr_confidence": s.get("hr_confidence"),
            "hr_estimator": s.get("method"),
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


def analyse_traces(
    traces: FaceTraces,
    method: str = "pos",
    band: tuple[float, float] | None = None,
    window_s: float | None = None,
    min_seconds: float = MIN_FACE_SECONDS,
) -> PulseResult:
    """Pulse from the skin traces of a video (:func:`micropulse.face.extract_traces`).

    Regions are combined by the mean of the region means on each frame, then the longest face segment
    is analysed (see :func:`pulse_from_rgb`). Arguments as in :func:`analyse_video`.
    """
    name = traces.source or "video"
    times = np.asarray(traces.times_s, float)
    rgb = traces.mean_rgb()
    notes = input_notes(traces.lossy, traces.codec, traces.coverage)
    _check_colour(rgb, method, name)
    core = pulse_from_rgb(
        times,
        rgb,
        traces.fps,
        method=method,
        band=band,
        window_s=window_s,
        min_seconds=min_seconds,
        name=name,
    )
    notes.extend(core.notes)
    i0, i1 = core.segment
    for note in notes:
        log.warning("%s: %s", name, note)
    return PulseResult(
        source=name,
        bvp=core.bvp,
        times_s=core.times_s,
        fs=core.fs,
        summary=core.summary,
        method=method.lower(),
        face_coverage=float(traces.coverage),
        segment_s=(float(times[i0]), float(times[i1 - 1])),
        fps=float(traces.fps),
        n_frames=int(traces.n_frames),
        lossy_input=traces.lossy,
        codec=traces.codec,
        thumbnail=traces.thumbnail,
        warnings=tuple(notes),
    )


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
) -> PulseResult:
    """Measure the pulse in a face video.

    Args:
        path: the video file (any format OpenCV decodes; lossless FFV1/PNG keep the pulse best) or a
            folder of frames.
        method: classic rPPG method (``micropulse.list_methods()``), e.g. "pos", "chrom", "green".
        band: HR search band (low, high) in Hz; None = ``micropulse.signals.DEFAULT_BAND``.
        window_s: window of the HR-over-time series, seconds; None = ``pulse_core.HR_WINDOW_S`` (10 s).
        face: face backend name (e.g. "mediapipe", "haar").
        out_dir: if given, write ``<stem>.bvp.csv``, ``<stem>.json`` and ``<stem>.png`` there.
        progress: draw a progress bar while decoding.
        min_seconds: shortest face segment accepted, seconds.
        fps: frame rate in Hz for a folder of frames (required there); for a file it overrides the
            container's rate and timestamps.
        model: a deep model (``micropulse.rppg.deep.list_models()``, e.g. "rhythmmamba") instead of the
            classic ``method``; its face crops and input normalisation follow the weights' metadata.
        weights: the deep model's weights (micropulse .pt, official .pth, open-rppg .h5).

    Raises:
        VideoReadError: missing, unreadable or too short video (the message names the file).
        NoFaceError: no face in the whole video.
        SignalError: no usable pulse (face visible too briefly, grayscale video...).
        UnknownNameError: unknown method or face backend (the message lists the known ones).
    """
    if model is not None:
        from micropulse.pipeline.pulse_deep import analyse_video_deep

        result = analyse_video_deep(path, model, weights, band, window_s, face, progress, min_seconds, fps)
        if out_dir is not None:
            write_outputs(result, out_dir)
        return result
    from micropulse.face import FACE_BACKENDS, extract_traces, list_backends
    from micropulse.io import open_video
    from micropulse.rppg.classic import get_method

    if get_method(method).info.needs_pixels:  # unknown names also fail here, before any decoding
        raise InputError(
            f"method {method!r} needs the skin pixels of every frame; the video pipeline gives it region "
            "mean colours — use pos, chrom, green, ica, lgi, pbv, omit or pca"
        )
    list_backends()  # registers the backends
    FACE_BACKENDS.get(face)
    src = open_video(path, fps=fps)
    try:
        if src.fps and src.n_frames and src.n_frames / src.fps < min_seconds:
            raise VideoReadError(
                f"video is only {src.n_frames / src.fps:.2f} s long ({src.n_frames} frames at "
                f"{src.fps:g} fps); at least {min_seconds:g} s are needed for a heart rate",
                path,
            )
        traces = extract_traces(src, backend=face, progress=progress)
    finally:
        src.close()
    result = analyse_traces(traces, method=method, band=band, window_s=window_s, min_seconds=min_seconds)
    if out_dir is not None:
        write_outputs(result, out_dir)
    return result


def _check_colour(rgb: np.ndarray, method: str, name: str) -> None:
    """A grayscale video has no colour for POS/CHROM/...; only GREEN (luminance) can run on it."""
    ok = np.isfinite(rgb).all(axis=1)
    if not ok.any():
        return
    x = rgb[ok]
    gray = np.allclose(x[:, 0], x[:, 1], atol=0.5) and np.allclose(x[:, 1], x[:, 2], atol=0.5)
    if gray and method.lower() != "green":
        raise SignalError(
            f"{name}: the video is grayscale (no colour), so method {method!r} cannot separate the pulse; "
            "use a colour video, or --method green for a luminance-only estimate"
        )
    if gray:
        log.warning("%s: grayscale video; GREEN runs on luminance only, expect a weak pulse", name)


def output_paths(source: str | Path, out_dir: str | Path) -> dict[str, Path]:
    """Where :func:`write_outputs` puts the files for ``source``: bvp CSV, JSON and PNG."""
    stem = Path(source).stem
    out = Path(out_dir)
    return {"bvp": out / f"{stem}.bvp.csv", "json": out / f"{stem}.json", "png": out / f"{stem}.png"}


def write_outputs(result: PulseResult, out_dir: str | Path, plot: bool = True) -> dict[str, Path]:
    """Write ``<stem>.bvp.csv`` (time_s, bvp), ``<stem>.json`` and (``plot``) ``<stem>.png``."""
    paths = output_paths(result.source, out_dir)
    rows = "\n".join(f"{t:.4f},{b:.6g}" for t, b in zip(result.times_s, result.bvp, strict=True))
    try:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        paths["bvp"].write_text("time_s,bvp\n" + rows + "\n")
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
