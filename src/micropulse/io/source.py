"""The video-source interface shared by files, frame folders, cameras and in-memory arrays.

A :class:`VideoSource` streams :class:`Frame` objects (RGB uint8, H x W x 3) with their time in seconds;
no source ever holds a whole video in memory (except the array source, which wraps one it was given).
"""

from __future__ import annotations

import logging
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


class VideoWarning(UserWarning):
    """Something about a video that the user should know (truncated, grayscale, lossy...)."""


def warn_video(message: str) -> None:
    """Log ``message`` and raise it as a :class:`VideoWarning` (shown once per place by default)."""
    log.warning(message)
    warnings.warn(message, VideoWarning, stacklevel=3)


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame.

    Attributes:
        index: frame number, 0-based, in decoding order.
        time_s: presentation time in seconds from the first frame (container timestamps where the
            container has them, else ``index / fps``).
        rgb: the image, RGB uint8, shape (H, W, 3).
    """

    index: int
    time_s: float
    rgb: np.ndarray


class VideoSource(ABC):
    """A stream of frames with the facts a pulse or expression analysis needs.

    Attributes:
        path: the file or folder read (None for arrays and cameras).
        fps: nominal frame rate in Hz.
        n_frames: number of frames the container announces (None when unknown, e.g. a camera); after a
            full pass, :attr:`frames_decoded` says how many really decoded.
        width, height: frame size in pixels.
        codec: fourcc string ('avc1', 'FFV1', 'MJPG'...), the image extension for folders, 'array'.
        lossy: True for lossy codecs, False for lossless ones, None when unknown.
        grayscale: the source has no colour (frames are still delivered as 3 equal channels).
    """

    path: Path | None = None
    fps: float = 0.0
    n_frames: int | None = None
    width: int = 0
    height: int = 0
    codec: str = ""
    lossy: bool | None = None
    grayscale: bool = False

    def __init__(self) -> None:
        self.frames_decoded: int | None = None
        self.timestamps_s: np.ndarray | None = None

    @property
    def name(self) -> str:
        """A human-readable name for messages (the path where there is one)."""
        return str(self.path) if self.path is not None else self.__class__.__name__

    @property
    def duration_s(self) -> float | None:
        """Duration in seconds: from a full pass when done, else ``n_frames / fps`` (None if unknown)."""
        if self.timestamps_s is not None and len(self.timestamps_s):
            return float(self.timestamps_s[-1]) + (1.0 / self.fps if self.fps > 0 else 0.0)
        if self.n_frames is None or self.fps <= 0:
            return None
        return self.n_frames / self.fps

    @property
    def vfr(self) -> bool | None:
        """True when a full pass found a variable frame rate (None before a full pass).

        Intervals are compared with their median; container timestamps rounded to whole milliseconds
        (Matroska) jitter by 1 ms, which is tolerated.
        """
        ts = self.timestamps_s
        if ts is None or len(ts) < 3:
            return None if ts is None else False
        d = np.diff(ts)
        tol = max(0.0021, 0.1 * float(np.median(d)))
        return bool(float(d.max() - d.min()) > tol)

    def __iter__(self) -> Iterator[Frame]:
        return self._frames()

    @abstractmethod
    def _frames(self) -> Iterator[Frame]: ...

    def _finish(self, times: list[float], ended: bool) -> None:
        """Record what a pass decoded; warn when a file decoded fewer frames than announced."""
        if not ended:
            return
        self.frames_decoded = len(times)
        self.timestamps_s = np.asarray(times, dtype=np.float64)
        if self.n_frames is not None and len(times) < self.n_frames:
            warn_video(
                f"{self.name}: decoded {len(times)} of the {self.n_frames} frames the container announces "
                "(the file may be truncated or its metadata wrong); using the frames that decode"
            )

    def close(self) -> None:
        """Release the underlying decoder, if any."""
        return None

    def __enter__(self) -> VideoSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}({self.name!r}, fps={self.fps:.3f}, n_frames={self.n_frames}, "
            f"size={self.width}x{self.height}, codec={self.codec!r}, lossy={self.lossy})"
        )
