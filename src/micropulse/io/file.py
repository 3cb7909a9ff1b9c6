"""Video files and cameras read with OpenCV (FFmpeg backend), streamed frame by frame."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from micropulse.errors import InputError, VideoReadError
from micropulse.io.codecs import fourcc_to_str, is_gray_pixel_format, is_lossy
from micropulse.io.source import Frame, VideoSource, warn_video

_MAX_FPS = 10_000.0


def _valid_fps(value: float) -> bool:
    return math.isfinite(value) and 0.0 < value < _MAX_FPS


class FileVideo(VideoSource):
    """A video file OpenCV can decode. Frame times come from the container timestamps.

    The file is opened and its first frame decoded at construction, so a missing file, a file that is
    not a video or one with no decodable frame fails at once with :class:`VideoReadError`.
    Iterating again re-opens the file.

    Args:
        path: the video file.
        fps: override the container's frame rate (Hz); frame times are then ``index / fps``.
    """

    def __init__(self, path: str | Path, fps: float | None = None) -> None:
        super().__init__()
        self.path = Path(path)
        if not self.path.exists():
            raise VideoReadError("file not found", self.path)
        if self.path.is_dir():
            raise VideoReadError(
                "is a folder; give the frame rate (--fps on the command line, fps= in Python) to read it as a "
                "folder of frames",
                self.path,
            )
        if self.path.stat().st_size == 0:
            raise VideoReadError("file is empty (0 bytes)", self.path)
        cap = self._open()
        ok, bgr = cap.read()
        if not ok or bgr is None:
            cap.release()
            raise VideoReadError(
                "OpenCV opened the file but could not decode a single frame (truncated or not a video)",
                self.path,
            )
        self._pending: tuple[cv2.VideoCapture, np.ndarray, float] | None = (
            cap,
            bgr,
            cap.get(cv2.CAP_PROP_POS_MSEC),
        )
        container_fps = cap.get(cv2.CAP_PROP_FPS)
        self._use_pts = fps is None
        if fps is not None:
            if not _valid_fps(float(fps)):
                raise InputError(
                    f"the frame rate (--fps / fps=) must be a positive number of Hz, got {fps}", self.path
                )
            self.fps = float(fps)
        elif _valid_fps(container_fps):
            self.fps = float(container_fps)
        else:
            raise VideoReadError(
                f"the container has no usable frame rate ({container_fps}); give it (--fps on the command line, "
                "fps= in Python)", self.path
            )
        count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
        self.n_frames = int(count) if math.isfinite(count) and count > 0 else None
        self.height, self.width = bgr.shape[:2]
        self.codec = fourcc_to_str(cap.get(cv2.CAP_PROP_FOURCC))
        self.lossy = is_lossy(self.codec)
        pix = fourcc_to_str(cap.get(cv2.CAP_PROP_CODEC_PIXEL_FORMAT))
        self.grayscale = is_gray_pixel_format(pix)
        if self.grayscale:
            warn_video(
                f"{self.path}: grayscale video (pixel format {pix!r}); frames are given as 3 equal "
                "channels, so colour-based pulse methods cannot work on it"
            )
        if self.lossy:
            # Info, not a warning: most user videos are lossy; the pipeline reports it in its output.
            self._log_lossy()

    def _log_lossy(self) -> None:
        import logging

        logging.getLogger(__name__).info(
            "%s: lossy codec %r; a pulse of a fraction of a percent is weakened by compression",
            self.path,
            self.codec,
        )

    def _open(self) -> cv2.VideoCapture:
        cap = cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG)
        if not cap.isOpened():
            cap.release()
            raise VideoReadError(
                "OpenCV cannot open this file as a video (not a video, unsupported or truncated header)",
                self.path,
            )
        return cap

    def _frames(self) -> Iterator[Frame]:
        if self._pending is not None:
            cap, first, first_ms = self._pending
            self._pending = None
        else:
            cap = self._open()
            ok, first = cap.read()
            if not ok:
                cap.release()
                raise VideoReadError("could not decode the first frame on a second pass", self.path)
            first_ms = cap.get(cv2.CAP_PROP_POS_MSEC)
        read, get, cvt = cap.read, cap.get, cv2.cvtColor
        pos, code = cv2.CAP_PROP_POS_MSEC, cv2.COLOR_BGR2RGB
        step = 1.0 / self.fps
        use_pts = self._use_pts
        times: list[float] = [0.0]
        append = times.append
        ended = False
        try:
            yield Frame(0, 0.0, cvt(first, code, dst=first))
            index, last = 1, 0.0
            while True:
                ok, bgr = read()
                if not ok:
                    ended = True
                    break
                if use_pts:
                    t = (get(pos) - first_ms) * 1e-3
                    if not t > last:  # missing or non-increasing timestamp: nominal step instead
                        t = last + step
                else:
                    t = index * step
                last = t
                append(t)
                yield Frame(index, t, cvt(bgr, code, dst=bgr))
                index += 1
        finally:
            cap.release()
            self._finish(times, ended)

    def close(self) -> None:
        if self._pending is not None:
            self._pending[0].release()
            self._pending = None


class CameraVideo(VideoSource):
    """A live camera (OpenCV device index). Frame times are measured with a monotonic clock.

    Args:
        index: the OpenCV camera index (0 for the default webcam).
        fps: the rate to report when the driver does not say (Hz).
    """

    def __init__(self, index: int, fps: float | None = None) -> None:
        super().__init__()
        self.index = int(index)
        self._cap = cv2.VideoCapture(self.index)
        if not self._cap.isOpened():
            raise VideoReadError(f"cannot open camera {self.index}")
        driver_fps = self._cap.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps else (float(driver_fps) if _valid_fps(driver_fps) else 30.0)
        self.width = int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self.codec = fourcc_to_str(self._cap.get(cv2.CAP_PROP_FOURCC))
        self.lossy = is_lossy(self.codec)

    @property
    def name(self) -> str:
        return f"camera {self.index}"

    def _frames(self) -> Iterator[Frame]:
        index, t0 = 0, None
        while self._cap.isOpened():
            ok, bgr = self._cap.read()
            if not ok:
                break
            now = time.monotonic()
            t0 = now if t0 is None else t0
            yield Frame(index, now - t0, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB, dst=bgr))
            index += 1

    def close(self) -> None:
        self._cap.release()
