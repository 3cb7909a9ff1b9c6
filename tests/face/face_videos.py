"""Generated face videos for the face tests: scikit-image's astronaut moved around, plus blank frames."""

from __future__ import annotations

import cv2
import numpy as np
from skimage import data

H, W, FPS = 240, 320, 30.0
SCALE = 0.5  # astronaut image (512 px) shown at 256 px


def astronaut(scale: float = SCALE) -> np.ndarray:
    img = data.astronaut()
    return cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def place(face: np.ndarray, x: int, y: int, h: int = H, w: int = W, bg: int = 60) -> np.ndarray:
    """A frame with ``face`` pasted at (x, y) (clipped to the frame)."""
    out = np.full((h, w, 3), bg, np.uint8)
    fh, fw = face.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + fw), min(h, y + fh)
    out[y0:y1, x0:x1] = face[y0 - y : y1 - y, x0 - x : x1 - x]
    return out


def path_xy(i: int) -> tuple[int, int]:
    """Face position on frame i: a slow wobble of about +-12 px."""
    return 30 + int(round(12 * np.sin(i / 9))), -10 + int(round(6 * np.cos(i / 7)))


# frames [40, 45) have no face (a short gap, 0.17 s) and [70, 88) neither (0.6 s, longer than 0.5 s)
N_FRAMES = 100
NO_FACE = set(range(40, 45)) | set(range(70, 88))


def moving_frames(pulse: np.ndarray | None = None) -> list[np.ndarray]:
    face = astronaut()
    frames = []
    for i in range(N_FRAMES):
        if i in NO_FACE:
            frames.append(np.full((H, W, 3), 60, np.uint8))
            continue
        img = face
        if pulse is not None:
            img = np.clip(face * (1.0 + pulse[i] * np.array([0.3, 1.0, 0.5])), 0, 255).astype(np.uint8)
        frames.append(place(img, *path_xy(i)))
    return frames
