"""The front end on a stream (webcam, live replay, browser frames): one frame at a time.

:class:`RegionStream` does per frame what :func:`~micropulse.frontend.read_regions` does per video (the
same tracker and skin regions); :class:`FaceWindow` keeps the last seconds of it in fixed memory and
hands them out as a :class:`~micropulse.frontend.FaceSignal`, so a live estimator runs exactly the
front end's segment and clock rules and the classic method on each window
(:func:`~micropulse.frontend.classic_from_face`). Memory is flat in the length of the stream.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from micropulse.face.regions import RegionSampler, draw_regions
from micropulse.face.tracker import FaceTracker
from micropulse.frontend.read import FaceSignal
from micropulse.frontend.settings import FrontEndSettings


@dataclass(frozen=True)
class StreamSample:
    """One frame's face data: time (s), whether a face was tracked, mean skin RGB (NaN without a face), box."""

    time_s: float
    found: bool
    rgb: np.ndarray
    box: np.ndarray


class RegionStream:
    """Track the face and average its skin regions frame by frame (the streaming form of ``read_regions``)."""

    def __init__(self, settings: FrontEndSettings | None = None) -> None:
        self.settings = settings if settings is not None else FrontEndSettings()
        self._tracker = FaceTracker(self.settings.face, detect_every=self.settings.detect_every)
        self._sampler = RegionSampler(self.settings.regions)
        self.thumbnail: np.ndarray | None = None

    def push(self, rgb: np.ndarray, time_s: float) -> StreamSample:
        """Process the next RGB uint8 frame taken at ``time_s`` seconds."""
        state = self._tracker.update(rgb)
        if not state.found:
            return StreamSample(float(time_s), False, np.full(3, np.nan), state.box)
        values = self._sampler.sample(rgb, state)
        ok = np.isfinite(values).all(axis=1)
        mean = values[ok].mean(axis=0) if ok.any() else np.full(3, np.nan)
        if self.thumbnail is None and state.fresh and ok.all():
            self.thumbnail = draw_regions(rgb, self._sampler.polygons)
        return StreamSample(float(time_s), bool(ok.any()), mean, state.box)

    def close(self) -> None:
        self._tracker.close()


class FaceWindow:
    """The last ``seconds`` of stream samples, in fixed memory (``max_frames`` rows at most).

    Args:
        seconds: window length, s. max_frames: capacity (frames); default: ``seconds`` at 120 fps.
        fps: nominal frame rate reported with the window (Hz; 0: estimated from the times).
    """

    def __init__(self, seconds: float, max_frames: int | None = None, fps: float = 0.0, source: str = "stream") -> None:
        self.seconds = float(seconds)
        self.fps = float(fps)
        self.source = source
        self._rows: deque[tuple[float, bool, np.ndarray]] = deque(maxlen=max_frames or int(seconds * 120) + 1)

    def add(self, sample: StreamSample) -> None:
        self._rows.append((sample.time_s, sample.found, sample.rgb))
        while self._rows and sample.time_s - self._rows[0][0] > self.seconds:
            self._rows.popleft()

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def span_s(self) -> float:
        """Seconds covered by the window (first to last sample)."""
        return self._rows[-1][0] - self._rows[0][0] if len(self._rows) > 1 else 0.0

    def signal(self, thumbnail: np.ndarray | None = None) -> FaceSignal:
        """The window as front-end face data (what ``classic_from_face`` takes)."""
        t = np.array([r[0] for r in self._rows], float)
        found = np.array([r[1] for r in self._rows], bool)
        rgb = np.stack([r[2] for r in self._rows]) if self._rows else np.zeros((0, 3))
        fps = self.fps or ((t.size - 1) / (t[-1] - t[0]) if t.size > 1 and t[-1] > t[0] else 30.0)
        return FaceSignal(
            source=self.source, times_s=t, found=found, values=rgb, boxes=np.full((t.size, 4), np.nan),
            fps=float(fps), n_frames=int(t.size), lossy=None, codec="stream", thumbnail=thumbnail,
        )  # fmt: skip
