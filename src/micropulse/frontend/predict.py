"""Face data -> raw pulse wave, by a classic method or a deep model: the front end's last step.

:func:`raw_pulse` is what every job calls (``pulse``, ``evaluate``, batch, ``live``/``serve`` on files):
video -> :mod:`~micropulse.frontend.read` -> segment and clock rules (:mod:`~micropulse.frontend.clock`)
-> predictor -> :class:`RawPulse`. The raw wave is what evaluation recipes post-process; the pulse
pipeline post-processes and summarises it (``pipeline.pulse_core.analyse_bvp``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from micropulse.errors import InputError, SignalError
from micropulse.face.geometry import CropGeometry
from micropulse.frontend import clock
from micropulse.frontend.read import FaceSignal, read_crops, read_regions
from micropulse.frontend.settings import FrontEndSettings
from micropulse.io import VideoSource

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RawPulse:
    """A predictor's raw pulse wave over the analysed frames of a video.

    Attributes:
        bvp: the predictor's output (unitless), uniformly sampled at ``fs`` Hz, before post-processing.
        times_s: time of each sample, seconds (video clock).
        fs: sampling rate, Hz (the video's uniform rate; a deep model's own rate when its weights say so).
        predictor: method name (``pos``) or ``deep:<model>``.
        filtered: the predictor band-limits its output itself (POS, CHROM, ICA).
        segment: analysed frames ``[start, stop)`` of the video.
        face: the per-frame face data (times, found, boxes, coverage, codec...).
        settings: the front-end settings used.
        model_info: for deep models: the weights' metadata and the crop geometry used.
        frame_aligned: sample ``i`` is frame ``segment[0] + i`` (a regular clock at the video's own rate).
    """

    bvp: np.ndarray
    times_s: np.ndarray
    fs: float
    predictor: str
    filtered: bool
    segment: tuple[int, int]
    face: FaceSignal = field(repr=False)
    settings: FrontEndSettings
    model_info: dict[str, Any] | None = None
    frame_aligned: bool = False

    @property
    def coverage(self) -> float:
        return self.face.coverage

    @property
    def segment_s(self) -> tuple[float, float]:
        """Start and end time of the analysed frames, seconds."""
        t = self.face.times_s
        return float(t[self.segment[0]]), float(t[self.segment[1] - 1])

    def on_frames(self) -> np.ndarray:
        """The wave at the video's frame times (T,), linearly interpolated; NaN outside the segment."""
        t = self.face.times_s
        out = np.full(t.size, np.nan)
        a, b = self.segment
        if self.frame_aligned and self.bvp.size == b - a:
            out[a:b] = self.bvp
        else:
            out[a:b] = np.interp(t[a:b], self.times_s, self.bvp)
        return out


def _prepare(face: FaceSignal, settings: FrontEndSettings) -> tuple[int, int, np.ndarray]:
    """The analysed frames by the segment rule, and their times."""
    start, stop = clock.choose_segment(
        face.found, face.times_s, settings.segment, settings.max_gap_s, settings.min_seconds, face.fps, face.source
    )
    return start, stop, face.times_s[start:stop]


def classic_from_face(face: FaceSignal, method: str, settings: FrontEndSettings) -> RawPulse:
    """Mean skin colour per frame -> a classic method's raw BVP over the analysed frames."""
    from micropulse.rppg.classic import apply_method, get_method

    start, stop, t = _prepare(face, settings)
    rgb = clock.fill_rows(face.values[start:stop], face.found[start:stop], t)
    _check_colour(rgb, method, face.source)
    fs = clock.frame_rate(t, face.fps)
    regular = clock.is_regular(t, face.fps)
    if regular:
        t_u = t[0] + np.arange(t.size) / fs
    else:
        log.info("%s: irregular frame times, traces resampled to %.3f Hz", face.source, fs)
        t_u, rgb = clock.uniform_rows(t, rgb, fs)
    try:
        bvp = np.asarray(apply_method(method, rgb, fs), dtype=np.float64).ravel()
    except (SignalError, InputError) as exc:
        raise type(exc)(f"{face.source}: {exc.message}") from None
    info = get_method(method).info
    return RawPulse(
        bvp=bvp,
        times_s=t_u[: bvp.size],
        fs=float(fs),
        predictor=method.lower(),
        filtered=info.band_hz is not None,
        segment=(start, stop),
        face=face,
        settings=settings,
        frame_aligned=regular and bvp.size == stop - start,
    )


def deep_from_face(face: FaceSignal, net: Any, settings: FrontEndSettings, progress: bool = False) -> RawPulse:
    """Face crops -> a deep model's raw BVP, at the frame rate its weights' policy asks for."""
    from micropulse.rppg.deep import predict_bvp

    info = net.weights_info
    geometry = face.geometry
    start, stop, t = _prepare(face, settings)
    if info.inference == "openrppg":  # open-rppg feeds what its box cuts (or black before the first face)
        held = np.arange(start, stop)
    else:  # frames without a face (gaps the segment rule bridged) take the last face's crop
        held = clock.hold_index(face.found[start:stop]) + start
    policy = geometry.fps_policy if geometry is not None else "resample"
    fs_video = clock.frame_rate(t, face.fps)
    if policy == "resample" and clock.is_regular(t, face.fps) and abs(fs_video - info.fs) <= 0.01 * info.fs:
        policy = "none"  # already at the model's rate (within 1%)
    tm, lo, frac = clock.model_rate_index(t, info.fs, policy)
    frames = clock.ModelRateFrames(face.values, held[lo], frac)  # computed chunk by chunk: flat memory
    fs = fs_video if policy == "none" else float(info.fs)
    if policy == "none" and not clock.is_regular(t, face.fps):
        tm = t  # frames as decoded, at their own times
    try:
        bvp = predict_bvp(net, frames, fs, show_progress=progress)
    except (SignalError, InputError) as exc:
        raise type(exc)(f"{face.source}: {exc.message}") from None
    if info.inference == "openrppg":  # open-rppg zeroes its output on frames without a face (its hasface mask)
        bvp = np.asarray(bvp, np.float64) * face.found[start:stop][lo[: len(bvp)]]
    if policy == "none" and not clock.is_regular(t, face.fps):
        tm, bvp2 = clock.uniform_rows(t, bvp[:, None], fs)
        bvp = bvp2[:, 0]
    model_info = {
        "model": info.arch,
        "weights": info.to_dict(),
        "crop": None if geometry is None else geometry.to_dict(),
        "fps_policy": policy,
        "model_fs_hz": float(info.fs),
        "bridged_frames": int((~face.found[start:stop]).sum()),
    }
    return RawPulse(
        bvp=np.asarray(bvp, np.float64),
        times_s=np.asarray(tm, float)[: len(bvp)],
        fs=float(fs),
        predictor=f"deep:{info.arch}",
        filtered=False,
        segment=(start, stop),
        face=face,
        settings=settings,
        model_info=model_info,
        frame_aligned=policy == "none" and clock.is_regular(t, face.fps) and len(bvp) == stop - start,
    )


def load_model(model: str, weights: str | Path | None) -> Any:
    """The deep model with its trained weights; no weights is an error naming the fix."""
    from micropulse.rppg.deep import create_model

    return create_model(model, weights=weights)


def raw_pulse(
    video: VideoSource | str | Path | np.ndarray,
    *,
    method: str | None = "pos",
    model: str | Any | None = None,
    weights: str | Path | None = None,
    settings: FrontEndSettings | None = None,
    progress: bool = False,
) -> RawPulse:
    """Video -> raw pulse wave by a classic ``method`` or a deep ``model`` (name + ``weights``, or a
    loaded model), with the front end's one set of rules (``settings``).

    Raises:
        VideoReadError, NoFaceError, SignalError, WeightsError, UnknownNameError: named errors naming the file.
    """
    settings = settings if settings is not None else FrontEndSettings()
    if model is None:
        check_method(method)
        return classic_from_face(read_regions(video, settings, progress), method, settings)
    net = load_model(model, weights) if isinstance(model, str) else model
    info = net.weights_info
    geometry = settings.geometry_for(weights_geometry(info))
    face = read_crops(video, settings, geometry, int(info.input_size), progress)
    return deep_from_face(face, net, settings, progress)


def check_method(method: str | None) -> None:
    """A classic method the front end can feed (region mean colours); unknown names list the known ones."""
    from micropulse.rppg.classic import get_method

    if method is None:
        raise InputError("give a classic method (--method) or a deep model (--model)")
    if get_method(method).info.needs_pixels:
        raise InputError(
            f"method {method!r} needs the skin pixels of every frame; the video front end gives it region "
            "mean colours — choose another --method (micropulse list methods)"
        )


def weights_geometry(info: Any) -> CropGeometry:
    """The crop geometry stored with the weights (``WeightsInfo.crop``)."""
    crop = getattr(info, "crop", None)
    if crop is None:
        raise InputError(f"the weights of {info.arch!r} carry no crop geometry; re-import them (micropulse weights import)")
    return crop


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
