"""Face crops for deep rPPG models: the rPPG-Toolbox box enlargement and INTER_AREA resize.

specs/rppg.md §3.2: with c = LARGE_BOX_COEF (1.5 in every shipped config),
x' = max(0, x - (c-1)/2 w), y' = max(0, y - (c-1)/2 h), w' = c w, h' = c h, cast to int, the crop
clipped to the frame (so a box pushed off the top/left edge is no longer centred), resized with
``cv2.INTER_AREA`` to 72 x 72 or 128 x 128. The toolbox's no-face fallback box [0, 0, H, W] (width and
height swapped, §9) is NOT reproduced: a missing or empty box raises :class:`InputError`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from micropulse.errors import InputError
from micropulse.face.backends import FaceBackend
from micropulse.face.tracker import FaceTracker
from micropulse.io import VideoSource, open_video, prefetch


def square_box(box: np.ndarray) -> np.ndarray:
    """The square (x, y, s, s) with side max(w, h) around the centre of (x, y, w, h)."""
    x, y, w, h = box
    s = max(w, h)
    return np.array([x + w / 2 - s / 2, y + h / 2 - s / 2, s, s], dtype=np.float64)


def face_crop(frame: np.ndarray, box: np.ndarray | tuple, scale: float = 1.5, size: int = 72) -> np.ndarray:
    """Crop the enlarged face box and resize it (uint8, ``size`` x ``size`` x 3).

    Args:
        frame: RGB uint8 (H, W, 3).
        box: (x, y, w, h) face box in pixels.
        scale: enlargement coefficient c (LARGE_BOX_COEF).
        size: output side in pixels (72 for PhysNet-type models, 128 for RhythmFormer/RhythmMamba).

    Raises:
        InputError: the box is NaN, empty, or lies outside the frame.
    """
    x, y, w, h = (float(v) for v in box)
    if not all(np.isfinite([x, y, w, h])) or w <= 0 or h <= 0:
        raise InputError(f"no usable face box ({x}, {y}, {w}, {h}): no face on this frame")
    if size < 1 or scale <= 0:
        raise InputError(f"crop size must be >= 1 and scale > 0, got size={size}, scale={scale}")
    x1 = int(max(0.0, x - (scale - 1) / 2 * w))
    y1 = int(max(0.0, y - (scale - 1) / 2 * h))
    w1, h1 = int(scale * w), int(scale * h)
    crop = frame[y1 : y1 + h1, x1 : x1 + w1]
    if crop.shape[0] == 0 or crop.shape[1] == 0:
        raise InputError(
            f"face box ({x:.0f}, {y:.0f}, {w:.0f}, {h:.0f}) lies outside the {frame.shape[1]}x{frame.shape[0]} frame"
        )
    return cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)


def try_face_crop(frame: np.ndarray, box: np.ndarray, scale: float, size: int) -> np.ndarray | None:
    """:func:`face_crop` of the square around ``box``, or None where the box is unusable."""
    try:
        return face_crop(frame, square_box(box), scale, size)
    except InputError:
        return None


def iter_face_crops(
    video: VideoSource | str | Path,
    size: int = 72,
    scale: float = 1.5,
    backend: str | FaceBackend = "mediapipe",
    detect_every: int = 30,
    face_index: int = 0,
) -> Iterator[tuple[int, float, np.ndarray | None]]:
    """Yield ``(frame_index, time_s, crop)`` for every frame; ``crop`` is None where no face is tracked.

    The box is the tracked face box made square (side max(w, h)), then enlarged by ``scale`` and resized
    as :func:`face_crop` does.
    """
    src = open_video(video)
    tracker = FaceTracker(backend, detect_every=detect_every, face_index=face_index)
    try:
        for frame in prefetch(src):
            state = tracker.update(frame.rgb)
            crop = try_face_crop(frame.rgb, state.box, scale, size) if state.found else None
            yield frame.index, frame.time_s, crop
    finally:
        tracker.close()
