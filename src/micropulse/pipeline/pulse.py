"""Video in, pulse out: face regions -> RGB traces -> classic rPPG method -> HR, HRV, respiration.

The chain, for one video::

    open_video -> face.extract_traces (skin regions, per-frame mean RGB)
      -> combine regions (the mean of the region means on each frame)
      -> longest face segment (short gaps bridged) -> uniform time grid
      -> rppg.classic.apply_method -> signals.summarize -> PulseResult (+ CSV / JSON / PNG)

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

if TYPE_CHECKING:
    from micropulse.face import FaceTraces
    from micropulse.signals import PulseSummary

log = logging.getLogger(__name__)

#: Shortest face segment (seconds) a heart rate is computed from.
MIN_FACE_SECONDS = 2.0
#: Gaps in the face track up to this long (seconds) are bridged by interpolation.
MAX_GAP_S = 1.0


@dataclass(frozen=True)
class PulseResult:
    """The pulse found in one video.

    Attributes:
        source: the video file (or source name).
        bvp: blood-volume pulse of the analysed face segment (unitless), sampled at ``fs`` Hz.
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
        }


# ----------------------------------------------------------------------------------- pure core


def face_segments(
    valid: np.ndarray, times_s: np.ndarray, max_gap_s: float = MAX_GAP_S
) -> list[tuple[int, int]]:
    """Index ranges [start, stop) of face presence, gaps up to ``max_gap_s`` seconds bridged."""
    v = np.asarray(valid, bool)
    idx = np.flatnonzero(v)
    if idx.size == 0:
        return []
    t = np.asarray(times_s, float)
    segments = []
    start = prev = int(idx[0])
    for i in idx[1:]:
        i = int(i)
        if t[i] - t[prev] > max_gap_s + 1e-9:
            segments.append((start, prev + 1))
            start = i
        prev = i
    segments.append((start, prev + 1))
    return segments


def uniform_traces(times_s: np.ndarray, rgb: np.ndarray, fps: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Put (T, 3) traces on a uniform time grid; NaN rows (short face gaps) are interpolated.

    Container timestamps that follow ``index / fps`` within half a frame are taken as regular (Matroska
    rounds them to milliseconds); otherwise (variable frame rate, dropped frames) the traces are
    resampled to their mean rate with :func:`micropulse.signals.resample_uniform`.

    Returns:
        (times_s, rgb, fs): uniform times (seconds), (N, 3) colour, rate in Hz.
    """
    from micropulse.signals.resample import fill_gaps, resample_uniform

    t = np.asarray(times_s, float)
    n = t.size
    regular = fps > 0 and np.max(np.abs(t - (t[0] + np.arange(n) / fps))) < 0.5 / fps
    if regular:
        out = np.column_stack([fill_gaps(rgb[:, c], fps, max_gap_s=MAX_GAP_S + 1.0 / fps) for c in range(3)])
        return t[0] + np.arange(n) / fps, out, float(fps)
    fs = (n - 1) / (t[-1] - t[0])
    cols = [resample_uniform(t, rgb[:, c], fs=fs, max_gap_s=MAX_GAP_S + 1.0 / fs) for c in range(3)]
    m = min(c[0].size for c in cols)
    log.info("irregular frame times: traces resampled to a uniform %.3f Hz", fs)
    return cols[0][0][:m], np.column_stack([c[1][:m] for c in cols]), float(fs)


@dataclass(frozen=True)
class PulseCore:
    """What :func:`pulse_from_rgb` finds: the post-processed BVP of one face segment and its summary.

    Attributes:
        bvp: detrended, band-passed pulse wave (unitless) at ``fs`` Hz.
        times_s: time of each BVP sample, seconds (same clock as the input times).
        fs: sampling rate, Hz.
        summary: :class:`micropulse.signals.PulseSummary` (HR bpm, HRV, respiration, SNR, quality).
        segment: (start, stop) frame indices of the analysed face segment.
        band_hz: HR search band used, Hz (narrowed from below for very short segments; see notes).
        notes: what the user should know about this analysis.
    """

    bvp: np.ndarray
    times_s: np.ndarray
    fs: float
    summary: PulseSummary
    segment: tuple[int, int]
    band_hz: tuple[float, float]
    notes: tuple[str, ...] = ()


def _fit_band(band: tuple[float, float], n: int, fs: float) -> tuple[float, float]:
    """Raise the low edge so the segment holds two cycles of it (the HR estimator's minimum)."""
    from micropulse.signals.hr import min_samples

    lo, hi = band
    if n >= min_samples(fs, band):
        return band
    lo = float(np.ceil(2.0 * fs / n * 1000.0) / 1000.0)  # two cycles of lo in n samples, rounded up
    if lo >= 0.8 * hi:
        raise SignalError(
            f"{n / fs:.2f} s of face is too short for a heart rate in the {band[0]}-{hi} Hz band"
        )
    return lo, hi


def pulse_from_rgb(
    times_s: np.ndarray,
    rgb: np.ndarray,
    fps: float,
    method: str = "pos",
    band: tuple[float, float] | None = None,
    window_s: float | None = None,
    min_seconds: float = MIN_FACE_SECONDS,
    name: str = "video",
) -> PulseCore:
    """Mean skin colour per frame (NaN where no face) -> pulse of the longest face segment.

    Steps: longest face segment (gaps up to :data:`MAX_GAP_S` bridged) -> uniform time grid ->
    classic method -> detrend + band-pass -> :func:`micropulse.signals.summarize`.

    Args:
        times_s: (T,) frame times, seconds.
        rgb: (T, 3) mean skin colour per frame (NaN rows where the face is missing).
        fps: nominal frame rate, Hz.
        method: classic rPPG method name.
        band: HR search band in Hz (None: the signal layer's default). For a segment shorter than two
            cycles of the low edge, the low edge is raised (and a note says so).
        window_s: window of the HR-over-time series, seconds (None: the signal layer's default).
        min_seconds: shortest face segment accepted, seconds.
        name: the video's name, for messages.

    Raises:
        SignalError: no face segment of ``min_seconds``; a degenerate signal (the message names ``name``).
    """
    from micropulse.rppg.classic import apply_method
    from micropulse.signals import DEFAULT_BAND, bandpass, check_band, detrend, summarize

    valid = np.isfinite(rgb).all(axis=1)
    segments = face_segments(valid, times_s)
    if not segments:
        raise SignalError(f"{name}: no frame with a usable face region")
    start, stop = max(segments, key=lambda s: times_s[s[1] - 1] - times_s[s[0]])
    t_seg = np.asarray(times_s[start:stop], float)
    length_s = (t_seg[-1] - t_seg[0] + 1.0 / fps) if t_seg.size > 1 else 0.0
    if length_s < min_seconds:
        raise SignalError(
            f"{name}: the face is visible for only {length_s:.2f} s in one stretch; "
            f"at least {min_seconds:g} s are needed for a heart rate"
        )
    notes = []
    try:
        t_u, rgb_u, fs = uniform_traces(t_seg, rgb[start:stop], fps)
        asked = check_band(DEFAULT_BAND if band is None else (float(band[0]), float(band[1])), fs)
        hr_band = _fit_band(asked, t_u.size, fs)
        if hr_band != asked:
            notes.append(
                f"only {t_u.size / fs:.2f} s of face: HR band narrowed to {hr_band[0]:g}-{hr_band[1]:g} Hz "
                "(two cycles of the lowest rate must fit); a longer video gives a trustworthy HR"
            )
        bvp = np.asarray(apply_method(method, rgb_u, fs), dtype=np.float64).ravel()
        t_bvp = t_u[: bvp.size]
        # The toolbox post-processing every classic method's output goes through (spec rppg.md 4.2, 5):
        # smoothness-priors detrend (lambda 100) and an order-1 Butterworth zero-phase band-pass, here on
        # the HR search band. GREEN, LGI, PBV, OMIT return a raw BVP; POS/CHROM/ICA are filtered again.
        bvp = bandpass(detrend(bvp), fs, hr_band, order=1)
        if window_s is None:
            summary = summarize(bvp, fs, band=hr_band)
        else:
            summary = summarize(bvp, fs, band=hr_band, window_s=float(window_s))
    except (SignalError, InputError) as exc:
        raise type(exc)(f"{name}: {exc.message}") from None
    return PulseCore(bvp, t_bvp, fs, summary, (start, stop), hr_band, tuple(notes))


# ------------------------------------------------------------------------------------ video glue


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
    notes: list[str] = []
    if traces.lossy:
        notes.append(
            f"lossy codec {traces.codec!r}: compression weakens the pulse; record lossless (FFV1, PNG) "
            "for reliable results"
        )
    if traces.coverage < 1.0:
        notes.append(
            f"face found on {100 * traces.coverage:.1f}% of the frames; the pulse uses the longest face segment"
        )
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
) -> PulseResult:
    """Measure the pulse in a face video.

    Args:
        path: the video file (any format OpenCV decodes; lossless FFV1/PNG keep the pulse best) or a
            folder of frames.
        method: classic rPPG method (``micropulse.list_methods()``), e.g. "pos", "chrom", "green".
        band: HR search band (low, high) in Hz; None = the signal layer's default.
        window_s: window of the HR-over-time series, seconds; None = the signal layer's default.
        face: face backend name (e.g. "mediapipe", "haar").
        out_dir: if given, write ``<stem>.bvp.csv``, ``<stem>.json`` and ``<stem>.png`` there.
        progress: draw a progress bar while decoding.
        min_seconds: shortest face segment accepted, seconds.
        fps: frame rate in Hz for a folder of frames (required there); for a file it overrides the
            container's rate and timestamps.

    Raises:
        VideoReadError: missing, unreadable or too short video (the message names the file).
        NoFaceError: no face in the whole video.
        SignalError: no usable pulse (face visible too briefly, grayscale video...).
        UnknownNameError: unknown method or face backend (the message lists the known ones).
    """
    from micropulse.face import FACE_BACKENDS, extract_traces, list_backends
    from micropulse.io import open_video
    from micropulse.rppg.classic import get_method

    get_method(method)  # unknown names fail before any decoding
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
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    rows = "\n".join(f"{t:.4f},{b:.6g}" for t, b in zip(result.times_s, result.bvp, strict=True))
    paths["bvp"].write_text("time_s,bvp\n" + rows + "\n")
    paths["json"].write_text(json.dumps(result.to_dict(), indent=2))
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
