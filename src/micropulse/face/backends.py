"""Face backends: a detector (boxes) and, where the backend has one, a landmark model.

Backends register by name in :data:`FACE_BACKENDS`; :func:`create_backend` builds one and an unknown
name lists the known ones.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from micropulse.registry import Registry


@dataclass(frozen=True, slots=True)
class FaceBox:
    """A detected face in frame pixels: top-left corner (x, y), width w, height h; detector score."""

    x: float
    y: float
    w: float
    h: float
    score: float = 1.0

    @property
    def area(self) -> float:
        return self.w * self.h

    def as_array(self) -> np.ndarray:
        """(x, y, w, h) as float64."""
        return np.array([self.x, self.y, self.w, self.h], dtype=np.float64)


class FaceBackend(ABC):
    """What the tracker needs from a backend.

    Attributes:
        name: the registry name.
        n_landmarks: landmarks per face (478 for the mediapipe mesh), 0 for box-only backends.
    """

    name: str = ""
    n_landmarks: int = 0

    @abstractmethod
    def detect(self, rgb: np.ndarray) -> list[FaceBox]:
        """All faces in an RGB uint8 frame, largest first."""

    def landmarks(self, rgb: np.ndarray, box: FaceBox) -> np.ndarray | None:
        """Landmarks (n_landmarks, 2) in frame pixels (x, y) for the face near ``box``; None if lost.

        Box-only backends return None. Backends may keep state between calls (tracking).
        """
        return None

    def reset(self) -> None:
        """Forget any state kept between frames (call when switching faces or videos)."""
        return None

    def close(self) -> None:
        """Release models."""
        return None


FACE_BACKENDS: Registry[type[FaceBackend]] = Registry("face backend")
# Entries are imported on first use (the mediapipe graph and OpenCV's cascades load only when asked for).
FACE_BACKENDS.register_lazy("mediapipe", "micropulse.face.mediapipe:MediapipeBackend")
FACE_BACKENDS.register_lazy("haar", "micropulse.face.haar:HaarBackend")
FACE_BACKENDS.register_lazy("blazeface", "micropulse.face.blazeface:BlazeFaceBackend")


def create_backend(name: str | FaceBackend = "mediapipe") -> FaceBackend:
    """Build a registered backend by name ('mediapipe', 'haar'); a backend instance is returned as is."""
    if isinstance(name, FaceBackend):
        return name
    return FACE_BACKENDS.get(name)()


def list_backends() -> list[str]:
    """Names of the registered face backends."""
    return FACE_BACKENDS.names()
