"""Lazy frame sources for dataset samples: a video file, a folder of images, a MATLAB variable.

A :class:`FrameSource` only records where the frames are. Frames are decoded one at a time by
:meth:`FrameSource.iter_frames` (RGB uint8, H x W x 3), so a sample never holds its whole video
in memory — except MMPD's MATLAB v5 files, which scipy can only read whole (see ``mmpd.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from micropulse.errors import FileFormatError, VideoReadError

_NUM = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple:
    """Sort key that orders embedded numbers numerically: ``subject2`` < ``subject10``."""
    return tuple(int(p) if p.isdigit() else p.lower() for p in _NUM.split(str(text)))


def natural_sorted(items, key=lambda x: x) -> list:
    """``sorted`` with :func:`natural_key` (the forks' string sort is a known trap, spec §9.10)."""
    return sorted(items, key=lambda x: natural_key(key(x)))


def to_uint8(frame: np.ndarray) -> np.ndarray:
    """A float frame in 0..1 (MATLAB datasets) or any integer frame as RGB uint8."""
    arr = np.asarray(frame)
    if arr.dtype == np.uint8:
        return arr
    if np.issubdtype(arr.dtype, np.floating):
        return np.clip(np.round(arr * 255.0), 0, 255).astype(np.uint8)
    return np.clip(arr, 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class FrameSource:
    """Where the frames of one video are.

    Attributes:
        kind: ``"video"`` (a file OpenCV reads), ``"images"`` (a folder of image files, natural
            sort of ``pattern`` matches), ``"mat5"`` (a variable of a MATLAB v5 file, T x H x W x 3),
            ``"mat73"`` (a variable of a MATLAB v7.3 / HDF5 file, stored transposed by MATLAB).
        path: the file or folder.
        key: variable name for the MATLAB kinds.
        pattern: glob pattern for ``"images"``.
    """

    kind: str
    path: Path
    key: str = ""
    pattern: str = "*.png"

    def image_files(self) -> list[Path]:
        return natural_sorted(self.path.glob(self.pattern), key=lambda p: p.name)

    def n_frames(self) -> int:
        """Number of frames (from metadata; video containers may be off by a frame or two)."""
        if self.kind == "video":
            import cv2

            cap = cv2.VideoCapture(str(self.path))
            try:
                if not cap.isOpened():
                    raise VideoReadError("cannot open video", self.path)
                return int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
            finally:
                cap.release()
        if self.kind == "images":
            return len(self.image_files())
        if self.kind == "mat5":
            from scipy.io import whosmat

            shapes = {name: shape for name, shape, _ in whosmat(str(self.path))}
            if self.key not in shapes:
                raise FileFormatError(f"no variable {self.key!r} (has {sorted(shapes)})", self.path)
            return int(shapes[self.key][0])
        if self.kind == "mat73":
            import h5py

            with h5py.File(self.path, "r") as f:
                if self.key not in f:
                    raise FileFormatError(f"no variable {self.key!r} (has {sorted(f.keys())})", self.path)
                return int(f[self.key].shape[-1])
        raise ValueError(f"unknown frame source kind {self.kind!r}")

    def video_fps(self) -> float:
        """Frame rate stored in a video container (Hz); 0.0 when unknown or not a video."""
        if self.kind != "video":
            return 0.0
        import cv2

        cap = cv2.VideoCapture(str(self.path))
        try:
            return float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        finally:
            cap.release()

    def iter_frames(self) -> Iterator[np.ndarray]:
        """Yield RGB uint8 frames (H x W x 3) one at a time."""
        if self.kind == "video":
            yield from self._iter_video()
        elif self.kind == "images":
            yield from self._iter_images()
        elif self.kind == "mat5":
            from scipy.io import loadmat

            video = loadmat(str(self.path), variable_names=[self.key])[self.key]
            for t in range(video.shape[0]):
                yield to_uint8(video[t])
        elif self.kind == "mat73":
            import h5py

            with h5py.File(self.path, "r") as f:
                ds = f[self.key]  # MATLAB T x H x W x C is stored as C x W x H x T
                for t in range(ds.shape[-1]):
                    yield to_uint8(np.transpose(ds[..., t], (2, 1, 0)))
        else:
            raise ValueError(f"unknown frame source kind {self.kind!r}")

    def _iter_video(self) -> Iterator[np.ndarray]:
        import cv2

        if not self.path.is_file():
            raise VideoReadError("video file not found", self.path)
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            raise VideoReadError("cannot open video (not a video, or codec missing)", self.path)
        try:
            while True:
                ok, bgr = cap.read()
                if not ok:
                    break
                yield cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        finally:
            cap.release()

    def _iter_images(self) -> Iterator[np.ndarray]:
        import cv2

        for file in self.image_files():
            bgr = cv2.imread(str(file), cv2.IMREAD_COLOR)
            if bgr is None:
                raise VideoReadError("cannot decode image frame", file)
            yield cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def open_sample_video(source: FrameSource, frame_times_s: np.ndarray, fps: float):
    """A :class:`micropulse.io.VideoSource` over a dataset's frames with the dataset's frame times,
    so the face front-end (``micropulse.face.extract_traces``) reads any dataset layout."""
    from micropulse.io import Frame, VideoSource

    class DatasetVideo(VideoSource):
        def __init__(self) -> None:
            super().__init__()
            self.path = source.path
            self.fps = float(fps)
            self.n_frames = int(frame_times_s.size)
            self.codec = source.kind
            lossless = source.kind != "images" or source.pattern.lower().endswith(("png", "bmp"))
            self.lossy = None if source.kind == "video" else not lossless

        def _frames(self):
            times: list[float] = []
            for i, rgb in enumerate(source.iter_frames()):
                t = float(frame_times_s[i]) if i < frame_times_s.size else i / self.fps
                times.append(t)
                if i == 0:
                    self.height, self.width = rgb.shape[:2]
                yield Frame(i, t, rgb)
            self._finish(times, True)

    return DatasetVideo()
