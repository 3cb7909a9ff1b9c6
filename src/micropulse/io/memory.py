"""Sources that are not video files: an in-memory array and a folder of image files."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from micropulse.errors import InputError, VideoReadError
from micropulse.io.codecs import is_lossy
from micropulse.io.source import Frame, VideoSource, warn_video

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm")


def _check_fps(fps: float | None, what: str, path: Path | None = None) -> float:
    if fps is None:
        raise InputError(
            f"{what} has no frame rate of its own: give it in Hz (--fps on the command line, fps= in Python)", path
        )
    try:
        value = float(fps)
    except (TypeError, ValueError):
        raise InputError(f"the frame rate (--fps / fps=) must be a number of Hz, got {fps!r}", path) from None
    if not (value > 0 and np.isfinite(value)):
        raise InputError(f"the frame rate (--fps / fps=) must be a positive number of Hz, got {fps}", path)
    return value


class ArrayVideo(VideoSource):
    """A video already in memory: uint8 array (T, H, W, 3) RGB or (T, H, W) grayscale.

    Frames are views into the array (no copy) for RGB input; grayscale frames are expanded to 3 equal
    channels with a warning.

    Args:
        array: the frames.
        fps: frame rate in Hz (required).
    """

    def __init__(self, array: np.ndarray, fps: float | None) -> None:
        super().__init__()
        arr = np.asarray(array)
        if arr.ndim == 4 and arr.shape[-1] == 1:
            arr = arr[..., 0]
        if arr.ndim not in (3, 4) or (arr.ndim == 4 and arr.shape[-1] != 3):
            raise InputError(f"video array must be (T, H, W, 3) RGB or (T, H, W) gray, got shape {arr.shape}")
        if arr.dtype != np.uint8:
            raise InputError(f"video array must be uint8 (0-255), got {arr.dtype}; convert it first")
        if arr.shape[0] == 0:
            raise InputError("video array has no frames")
        self.fps = _check_fps(fps, "a numpy array")
        self._array = arr
        self.n_frames, self.height, self.width = arr.shape[:3]
        self.codec, self.lossy = "array", None
        self.grayscale = arr.ndim == 3
        if self.grayscale:
            warn_video("grayscale video array: frames are given as 3 equal channels")

    @property
    def name(self) -> str:
        return "numpy array"

    def _frames(self) -> Iterator[Frame]:
        step, gray, arr = 1.0 / self.fps, self.grayscale, self._array
        for i in range(arr.shape[0]):
            img = cv2.cvtColor(arr[i], cv2.COLOR_GRAY2RGB) if gray else arr[i]
            yield Frame(i, i * step, img)
        self._finish([i * step for i in range(arr.shape[0])], True)


def natural_key(name: str) -> list[object]:
    """Sort key that orders 'frame2' before 'frame10'."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def _to_rgb(img: np.ndarray, path: Path) -> np.ndarray:
    if img.dtype != np.uint8:
        raise VideoReadError(f"image is {img.dtype}, only 8-bit images are supported", path)
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2RGB)
    if img.shape[2] == 4:
        return cv2.cvtColor(img, cv2.COLOR_BGRA2RGB)
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


class FolderVideo(VideoSource):
    """A folder of image files, one frame each, in natural sort order of the file names.

    Args:
        path: the folder.
        fps: frame rate in Hz (required: a folder carries none).
    """

    def __init__(self, path: str | Path, fps: float | None) -> None:
        super().__init__()
        self.path = Path(path)
        if not self.path.is_dir():
            raise VideoReadError("folder not found", self.path)
        self.fps = _check_fps(fps, "a folder of frames", self.path)
        files = [p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file()]
        if not files:
            raise VideoReadError(f"no image files ({', '.join(IMAGE_EXTENSIONS)}) in the folder", self.path)
        self.files = sorted(files, key=lambda p: natural_key(p.name))
        first = self._read(self.files[0])
        self.height, self.width = first.shape[:2]
        self.n_frames = len(self.files)
        exts = {p.suffix.lower().lstrip(".") for p in self.files}
        self.codec = "+".join(sorted(exts))
        flags = {is_lossy("jpg" if e in ("jpg", "jpeg", "webp") else e) for e in exts}
        self.lossy = True if True in flags else (None if None in flags else False)
        self.grayscale = first.ndim == 2
        if self.grayscale:
            warn_video(f"{self.path}: grayscale frames; given as 3 equal channels")

    def _read(self, file: Path) -> np.ndarray:
        img = cv2.imread(str(file), cv2.IMREAD_UNCHANGED)
        if img is None:
            raise VideoReadError("cannot decode this image file", file)
        return img

    def _frames(self) -> Iterator[Frame]:
        step = 1.0 / self.fps
        for i, file in enumerate(self.files):
            rgb = _to_rgb(self._read(file), file)
            if rgb.shape[:2] != (self.height, self.width):
                raise VideoReadError(
                    f"frame size {rgb.shape[1]}x{rgb.shape[0]} differs from the first frame's "
                    f"{self.width}x{self.height}",
                    file,
                )
            yield Frame(i, i * step, rgb)
        self._finish([i * step for i in range(len(self.files))], True)
