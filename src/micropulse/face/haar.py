"""OpenCV Haar cascade backend (box only), as the rPPG-Toolbox 'HC' backend (specs/rppg.md §3.2).

The toolbox runs ``detectMultiScale`` with default parameters on the full frame; here the frame is
first reduced so its longer side is at most ``max_side`` pixels (speed), and boxes are scaled back.
"""

from __future__ import annotations

import cv2
import numpy as np

from micropulse.errors import MicropulseError
from micropulse.face.backends import FaceBackend, FaceBox


class HaarBackend(FaceBackend):
    """OpenCV ``haarcascade_frontalface_default.xml``; boxes only (regions come from the box)."""

    name = "haar"
    n_landmarks = 0

    def __init__(self, max_side: int = 480) -> None:
        path = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"
        self._cascade = cv2.CascadeClassifier(path)
        if self._cascade.empty():
            raise MicropulseError("cannot load the OpenCV Haar cascade (OpenCV >= 5 dropped them)", path)
        self.max_side = int(max_side)

    def detect(self, rgb: np.ndarray) -> list[FaceBox]:
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        scale = min(1.0, self.max_side / max(gray.shape[:2]))
        if scale < 1.0:
            gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        found = self._cascade.detectMultiScale(gray)
        boxes = [FaceBox(*(float(v) / scale for v in b)) for b in np.asarray(found).reshape(-1, 4)]
        return sorted(boxes, key=lambda b: -b.area)
