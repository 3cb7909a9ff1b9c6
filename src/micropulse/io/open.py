"""One entry point for every kind of video source."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from micropulse.errors import InputError
from micropulse.io.file import CameraVideo, FileVideo
from micropulse.io.memory import ArrayVideo, FolderVideo
from micropulse.io.source import VideoSource


def open_video(source: VideoSource | str | Path | int | np.ndarray, fps: float | None = None) -> VideoSource:
    """Open a video for streaming, whatever its kind.

    Args:
        source: a video file OpenCV can decode; a folder of image frames (natural sort order; ``fps``
            required); a camera index (int); a uint8 array (T, H, W, 3) RGB or (T, H, W) gray (``fps``
            required); or an already open :class:`VideoSource` (returned as is).
        fps: frame rate in Hz. Overrides the container's rate for files (frame times become
            ``index / fps`` instead of the container timestamps).

    Returns:
        A :class:`VideoSource`; iterate it for :class:`Frame` objects (RGB uint8, time in seconds).

    Raises:
        VideoReadError: missing file, not a video, no decodable frame (the message names the file).
        InputError: missing or invalid ``fps`` where one is required, a malformed array.
    """
    if isinstance(source, VideoSource):
        return source
    if isinstance(source, np.ndarray):
        return ArrayVideo(source, fps)
    if isinstance(source, bool):
        raise InputError(f"not a video source: {source!r}")
    if isinstance(source, int):
        return CameraVideo(source, fps)
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.is_dir():
            return FolderVideo(path, fps)
        return FileVideo(path, fps)
    raise InputError(
        f"not a video source: {type(source).__name__} (give a path, a folder, a camera index or an array)"
    )
