"""Lossless writers: FFV1 video (Matroska or AVI) and folders of PNG frames.

Lossy codecs destroy a pulse of a fraction of a percent (../shared/DESIGN.md decision 3), so every
test and synthetic video micropulse writes is lossless.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

from micropulse.errors import InputError, VideoReadError
from micropulse.io.source import Frame

FFV1_SUFFIXES = (".mkv", ".avi")


def _as_image(item: np.ndarray | Frame, index: int) -> np.ndarray:
    img = item.rgb if isinstance(item, Frame) else np.asarray(item)
    if img.dtype != np.uint8:
        raise InputError(f"frame {index}: must be uint8, got {img.dtype}")
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] != 3):
        raise InputError(f"frame {index}: must be (H, W, 3) RGB or (H, W) gray, got shape {img.shape}")
    return img


def ffv1_supported() -> bool:
    """True when this OpenCV build can write FFV1 (checked once with a tiny file)."""
    global _FFV1_OK
    if _FFV1_OK is None:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            probe = Path(tmp) / "probe.mkv"
            writer = cv2.VideoWriter(str(probe), cv2.VideoWriter_fourcc(*"FFV1"), 10.0, (16, 16))
            _FFV1_OK = bool(writer.isOpened())
            writer.release()
    return _FFV1_OK


_FFV1_OK: bool | None = None


def write_video(path: str | Path, frames: Iterable[np.ndarray | Frame], fps: float) -> Path:
    """Write frames as a lossless FFV1 video, streaming (frames are not kept in memory).

    Args:
        path: output file, ``.mkv`` or ``.avi``; parent folders are created.
        frames: RGB uint8 (H, W, 3) arrays, 2-D gray uint8 arrays (a gray video is written) or
            :class:`Frame` objects; all the same size.
        fps: frame rate in Hz.

    Returns:
        The path written.

    Raises:
        InputError: bad suffix, fps, frame dtype/shape, size change, or no frames.
        VideoReadError: this OpenCV build cannot write FFV1 (use :func:`write_png_frames` instead).
    """
    out = Path(path)
    if out.suffix.lower() not in FFV1_SUFFIXES:
        raise InputError(f"FFV1 videos are written as {' or '.join(FFV1_SUFFIXES)}, not {out.suffix!r}", out)
    if not (float(fps) > 0 and np.isfinite(fps)):
        raise InputError(f"fps must be a positive number of Hz, got {fps}", out)
    out.parent.mkdir(parents=True, exist_ok=True)
    writer: cv2.VideoWriter | None = None
    shape: tuple[int, ...] = ()
    n = 0
    try:
        for n, item in enumerate(frames):  # noqa: B007 - n is used after the loop
            img = _as_image(item, n)
            if writer is None:
                shape = img.shape
                writer = cv2.VideoWriter(
                    str(out),
                    cv2.VideoWriter_fourcc(*"FFV1"),
                    float(fps),
                    (img.shape[1], img.shape[0]),
                    img.ndim == 3,
                )
                if not writer.isOpened():
                    raise VideoReadError(
                        "this OpenCV build cannot write FFV1 video; write lossless PNG frames with "
                        "micropulse.io.write_png_frames(folder, frames) instead",
                        out,
                    )
            elif img.shape != shape:
                raise InputError(f"frame {n}: shape {img.shape} differs from the first frame's {shape}", out)
            writer.write(cv2.cvtColor(img, cv2.COLOR_RGB2BGR) if img.ndim == 3 else img)
    finally:
        if writer is not None:
            writer.release()
    if writer is None:
        raise InputError("no frames to write", out)
    return out


def write_png_frames(folder: str | Path, frames: Iterable[np.ndarray | Frame], digits: int = 6) -> Path:
    """Write frames as lossless PNG files ``frame_000000.png``... in ``folder`` (created if needed).

    Read them back with ``open_video(folder, fps=...)``. Returns the folder.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for i, item in enumerate(frames):
        img = _as_image(item, i)
        bgr = cv2.cvtColor(img, cv2.COLOR_RGB2BGR) if img.ndim == 3 else img
        file = out / f"frame_{i:0{digits}d}.png"
        if not cv2.imwrite(str(file), bgr):
            raise VideoReadError("cannot write this PNG file", file)
        count += 1
    if count == 0:
        raise InputError("no frames to write", out)
    return out
