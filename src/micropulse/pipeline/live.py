"""Heart rate as it happens: the front end's streaming form feeding a sliding-window estimator.

One frame at a time: :class:`~micropulse.frontend.stream.RegionStream` (face tracking, skin-region
colours) -> :class:`~micropulse.frontend.stream.FaceWindow` (the last ``window_s`` seconds, fixed memory)
-> every ``update_s`` seconds of stream time, the classic method and the pulse summary on that window
(:func:`~micropulse.frontend.classic_from_face` -> :func:`~micropulse.pipeline.pulse.result_from_raw`), so a
live heart rate is computed by exactly the rules ``micropulse pulse`` uses on a file.

Used by ``micropulse live`` (camera or file replay, :func:`run_live`) and by ``micropulse serve``'s webcam
WebSocket (:class:`LiveEstimator` on browser frames). Memory is flat in the length of the stream: the
window is bounded, the recorder appends to disk, and the statistics keep a bounded history.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from micropulse.errors import InputError, MicropulseError
from micropulse.frontend import FrontEndSettings, check_method, classic_from_face
from micropulse.frontend.stream import FaceWindow, RegionStream, StreamSample
from micropulse.io import Frame, VideoSource, open_video

log = logging.getLogger(__name__)

#: Default length of the sliding window the live heart rate is computed on, seconds.
WINDOW_S = 10.0
#: The live heart rate is recomputed every this many seconds of stream time.
UPDATE_S = 1.0
#: A window must hold at least this much face (seconds) before a heart rate is reported.
MIN_LIVE_SECONDS = 5.0
#: A paced replay that falls this far behind the video's clock (seconds) drops frames, as a camera would.
MAX_LAG_S = 1.0
#: Statistics (latency, frame times) keep at most this many recent values (flat memory).
HISTORY = 4096
#: Source name of the live window's face data (in messages and results).
LIVE_SOURCE = "live"


class _QuietLiveNotes(logging.Filter):
    """Drop the pulse summary's per-window notes about the live stream (partial face...) from the log:
    logged every second they would flood a live display; each :class:`LiveUpdate` carries them instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.args, tuple) and record.args and record.args[0] == LIVE_SOURCE)


logging.getLogger("micropulse.pipeline.pulse").addFilter(_QuietLiveNotes())


@dataclass(frozen=True)
class LiveUpdate:
    """One live estimate, made every ``update_s`` seconds of stream time.

    Attributes:
        time_s: stream time of the newest frame in the window, seconds.
        hr_bpm: heart rate over the window, bpm (None when the window holds too little face).
        reliable: the pulse summary judged the HR reliable. quality: signal quality 0-1 (None if no HR).
        snr_db: SNR of the pulse, dB. reason: why there is no (reliable) HR, or None.
        face_found: a face was tracked on the newest frame. coverage: fraction of window frames with a face.
        fps: frames per second arriving over the window (stream clock), Hz.
        latency_s: wall-clock seconds from the newest frame's arrival to this estimate.
        bvp: the pulse wave of the window (post-processed, unitless); bvp_times_s: its times, seconds.
        warnings: the pulse summary's notes on the window (partial face...).
    """

    time_s: float
    hr_bpm: float | None
    reliable: bool
    quality: float | None
    snr_db: float | None
    reason: str | None
    face_found: bool
    coverage: float
    fps: float
    latency_s: float
    bvp: np.ndarray = field(repr=False)
    bvp_times_s: np.ndarray = field(repr=False)
    warnings: tuple[str, ...] = ()

    def to_dict(self, include_bvp: bool = True) -> dict[str, Any]:
        """JSON-ready dict (the BVP as ``[[time_s, value], ...]`` when ``include_bvp``)."""
        out: dict[str, Any] = {
            "time_s": round(self.time_s, 4),
            "hr_bpm": None if self.hr_bpm is None else round(self.hr_bpm, 3),
            "reliable": self.reliable,
            "quality": None if self.quality is None else round(self.quality, 4),
            "snr_db": None if self.snr_db is None else round(self.snr_db, 3),
            "reason": self.reason,
            "face_found": self.face_found,
            "coverage": round(self.coverage, 4),
            "fps": round(self.fps, 3),
            "latency_ms": round(1000 * self.latency_s, 2),
            "warnings": list(self.warnings),
        }
        if include_bvp:
            out["bvp"] = [
                [round(float(t), 4), round(float(v), 5)]
                for t, v in zip(self.bvp_times_s, self.bvp, strict=True)
            ]
        return out


class LiveEstimator:
    """Frames in, a heart-rate update every ``update_s`` seconds of stream time out.

    Args:
        method: classic rPPG method (``micropulse list methods``), e.g. ``pos``.
        window_s: sliding-window length, seconds.
        update_s: how often the HR is recomputed, seconds of stream time.
        min_seconds: face needed in the window before an HR is reported, seconds (<= ``window_s``).
        settings: front-end settings (face backend, regions, gap rule); ``min_seconds`` overrides theirs.
        stream: the per-frame front end (default: a :class:`RegionStream` on ``settings``).
    """

    def __init__(
        self,
        method: str = "pos",
        window_s: float = WINDOW_S,
        update_s: float = UPDATE_S,
        min_seconds: float = MIN_LIVE_SECONDS,
        settings: FrontEndSettings | None = None,
        stream: RegionStream | None = None,
    ) -> None:
        check_method(method)
        if not window_s > 0 or not update_s > 0:
            raise InputError(f"--window and the update interval must be > 0 s, got {window_s} and {update_s}")
        if not 0 < min_seconds <= window_s:
            raise InputError(
                f"the window ({window_s:g} s) must be at least {min_seconds:g} s long (--window)"
            )
        base = settings if settings is not None else FrontEndSettings()
        self.method = method
        self.window_s = float(window_s)
        self.update_s = float(update_s)
        self.settings = base.with_(min_seconds=float(min_seconds))
        self.stream = stream if stream is not None else RegionStream(self.settings)
        self.window = FaceWindow(self.window_s, source=LIVE_SOURCE)
        self._next_update: float | None = None
        self._last: StreamSample | None = None

    def push(self, rgb: np.ndarray, time_s: float, arrived: float | None = None) -> LiveUpdate | None:
        """Process one RGB uint8 frame taken at ``time_s`` seconds; returns an update when one is due.

        ``arrived`` is the ``time.perf_counter()`` at which the frame became available (default: now);
        the update's latency is measured from it.
        """
        arrived = time.perf_counter() if arrived is None else arrived
        return self.add(self.stream.push(rgb, time_s), arrived)

    def add(self, sample: StreamSample, arrived: float | None = None) -> LiveUpdate | None:
        """Add a front-end sample (already tracked); returns an update when one is due."""
        arrived = time.perf_counter() if arrived is None else arrived
        if self._last is not None and not sample.time_s > self._last.time_s:
            raise InputError(f"frame times must increase: {sample.time_s} s after {self._last.time_s} s")
        self.window.add(sample)
        self._last = sample
        if self._next_update is None:
            self._next_update = sample.time_s + self.update_s
        if sample.time_s + 1e-9 < self._next_update:
            return None
        while self._next_update <= sample.time_s + 1e-9:
            self._next_update += self.update_s
        return self.estimate(arrived)

    def estimate(self, arrived: float | None = None) -> LiveUpdate:
        """The heart rate of the current window (whatever the update schedule)."""
        from micropulse.pipeline.pulse import result_from_raw

        arrived = time.perf_counter() if arrived is None else arrived
        face = self.window.signal()
        last = self._last
        fps = (len(self.window) - 1) / self.window.span_s if self.window.span_s > 0 else 0.0
        hr = quality = snr = None
        reliable, reason = False, None
        bvp, times = np.zeros(0), np.zeros(0)
        notes: tuple[str, ...] = ()
        if face.found.sum() < 2:
            reason = "no face in the window"
        else:
            try:
                result = result_from_raw(classic_from_face(face, self.method, self.settings))
                summary = result.summary
                hr = float(result.hr_bpm) if np.isfinite(result.hr_bpm) else None
                reliable = bool(summary.hr.reliable) and hr is not None
                reason = None if reliable else (summary.hr.reason or "unreliable")
                quality, snr = _finite(summary.quality), _finite(summary.snr_db)
                bvp, times, notes = result.bvp, result.times_s, result.warnings
            except MicropulseError as exc:  # too little face yet, flat signal...: no HR this second
                reason = exc.message
        return LiveUpdate(
            time_s=float(last.time_s) if last is not None else 0.0,
            hr_bpm=hr,
            reliable=reliable,
            quality=quality,
            snr_db=snr,
            reason=reason,
            face_found=bool(last.found) if last is not None else False,
            coverage=face.coverage,
            fps=float(fps),
            latency_s=time.perf_counter() - arrived,
            bvp=np.asarray(bvp, float),
            bvp_times_s=np.asarray(times, float),
            warnings=notes,
        )

    @property
    def face_found(self) -> bool:
        """A face was tracked on the newest frame."""
        return bool(self._last is not None and self._last.found)

    @property
    def thumbnail(self) -> np.ndarray | None:
        """A face image with the skin regions drawn (RGB uint8), once the tracker has one."""
        return self.stream.thumbnail

    def close(self) -> None:
        self.stream.close()


def _finite(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


class LiveRecorder:
    """Append the live pulse wave and HR series to ``<out>/live.bvp.csv`` and ``<out>/live.hr.csv``.

    Each update appends the BVP samples newer than those already written (so the CSV is the wave as it
    was shown live, each second taken from the newest window) and one HR row; files are flushed per
    update, so a stream stopped at any moment keeps everything up to its last second.
    """

    BVP_NAME = "live.bvp.csv"
    HR_NAME = "live.hr.csv"
    HR_COLUMNS = "time_s,hr_bpm,reliable,quality,snr_db,face_found,coverage,fps,latency_ms"

    def __init__(self, out_dir: str | Path) -> None:
        self.out_dir = Path(out_dir)
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            self.bvp_path = self.out_dir / self.BVP_NAME
            self.hr_path = self.out_dir / self.HR_NAME
            self._bvp = self._open(self.bvp_path, "time_s,bvp")
            self._hr = self._open(self.hr_path, self.HR_COLUMNS)
        except OSError as exc:
            raise InputError(
                f"cannot write the recording there ({exc.strerror or exc}); choose --record DIR", out_dir
            ) from None
        self._last_t = -np.inf

    @staticmethod
    def _open(path: Path, header: str):  # noqa: ANN205 - a text file handle
        fresh = not path.exists() or path.stat().st_size == 0
        handle = path.open("a", encoding="utf-8")
        if fresh:
            handle.write(header + "\n")
        return handle

    def write(self, update: LiveUpdate) -> None:
        new = update.bvp_times_s > self._last_t + 1e-6
        if new.any():
            rows = "".join(
                f"{t:.4f},{v:.6g}\n" for t, v in zip(update.bvp_times_s[new], update.bvp[new], strict=True)
            )
            self._bvp.write(rows)
            self._last_t = float(update.bvp_times_s[new][-1])
        d = update.to_dict(include_bvp=False)
        cells = [
            d["time_s"],
            d["hr_bpm"],
            d["reliable"],
            d["quality"],
            d["snr_db"],
            d["face_found"],
            d["coverage"],
            d["fps"],
            d["latency_ms"],
        ]
        self._hr.write(",".join("" if c is None else str(c) for c in cells) + "\n")
        self._bvp.flush()
        self._hr.flush()

    def close(self) -> None:
        self._bvp.close()
        self._hr.close()


@dataclass(frozen=True)
class LiveSummary:
    """What a live run did. Times in seconds, rates in Hz, latencies in milliseconds.

    ``processing_fps`` is frames per second of time spent in the estimator (tracking, regions, the HR
    updates), decoding and pacing excluded; ``dropped``: frames a paced replay skipped to keep up;
    latencies: from a frame's arrival to the HR update it completed (median and 95th percentile).
    """

    source: str
    frames: int
    dropped: int
    updates: int
    stream_s: float
    wall_s: float
    processing_fps: float
    latency_ms_median: float | None
    latency_ms_p95: float | None
    last: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def open_live_source(camera: int | None = None, video: str | Path | None = None) -> VideoSource:
    """A camera index or a video file (exactly one) as a frame source."""
    if (camera is None) == (video is None):
        raise InputError("give either --camera INDEX or --video FILE")
    return open_video(int(camera) if camera is not None else Path(video))


def paced_frames(
    source: VideoSource, realtime: bool = True, max_lag_s: float = MAX_LAG_S
) -> Iterator[tuple[Frame, float]]:
    """Yield ``(frame, arrival)`` with ``arrival`` the ``perf_counter`` time the frame became available.

    With ``realtime`` a file is replayed at its own frame rate (each frame held back until its time), and a
    frame more than ``max_lag_s`` behind is dropped, as a camera would (callers see the gaps in
    ``frame.index``); a camera is always real time.
    """
    start = time.perf_counter()
    for frame in source:
        now = time.perf_counter()
        if realtime and source.path is not None:
            due = start + frame.time_s
            if due > now:
                time.sleep(due - now)
                now = due
            elif now - due > max_lag_s:
                continue
        yield frame, now


def run_live(
    source: VideoSource,
    estimator: LiveEstimator,
    *,
    realtime: bool = True,
    on_update: Callable[[LiveUpdate], None] | None = None,
    record: str | Path | None = None,
    max_seconds: float | None = None,
) -> LiveSummary:
    """Run ``estimator`` over ``source`` until it ends (or ``max_seconds`` of stream time).

    Args:
        realtime: replay a file at its own frame rate (False: as fast as possible).
        on_update: called with each :class:`LiveUpdate` (the terminal display, a test).
        record: folder to append ``live.bvp.csv`` and ``live.hr.csv`` to as the stream runs.
        max_seconds: stop after this much stream time, seconds.
    """
    recorder = LiveRecorder(record) if record is not None else None
    latencies: deque[float] = deque(maxlen=HISTORY)
    frames = updates = expected = 0
    busy = 0.0
    last_update: LiveUpdate | None = None
    first_t = last_t = 0.0
    wall0 = time.perf_counter()
    try:
        for frame, arrived in paced_frames(source, realtime=realtime):
            if frames == 0:
                first_t = frame.time_s
            if max_seconds is not None and frame.time_s - first_t > max_seconds:
                break
            t0 = time.perf_counter()
            update = estimator.push(frame.rgb, frame.time_s, arrived)
            busy += time.perf_counter() - t0
            frames += 1
            expected = frame.index + 1
            last_t = frame.time_s
            if update is None:
                continue
            updates += 1
            last_update = update
            latencies.append(update.latency_s * 1000)
            if recorder is not None:
                recorder.write(update)
            if on_update is not None:
                on_update(update)
    finally:
        if recorder is not None:
            recorder.close()
        source.close()
    lat = np.asarray(latencies)
    return LiveSummary(
        source=source.name,
        frames=frames,
        dropped=max(0, expected - frames),
        updates=updates,
        stream_s=float(last_t - first_t),
        wall_s=time.perf_counter() - wall0,
        processing_fps=frames / busy if busy > 0 else 0.0,
        latency_ms_median=float(np.median(lat)) if lat.size else None,
        latency_ms_p95=float(np.percentile(lat, 95)) if lat.size else None,
        last=None if last_update is None else last_update.to_dict(include_bvp=False),
    )
