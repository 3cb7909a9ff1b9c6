"""The face front-end: detector and landmark backends, tracking, skin regions, crop geometry and boxes, traces.

No torch here. Backends: ``mediapipe`` (default; 478-point mesh) and ``haar`` (box only). Names are
loaded on first use (PEP 562), so importing a light module such as :mod:`micropulse.face.geometry`
(which ``rppg.deep`` does to describe its weights) does not load OpenCV or mediapipe.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "FACE_BACKENDS": "backends", "FaceBackend": "backends", "FaceBox": "backends", "create_backend": "backends",
    "list_backends": "backends", "CropGeometry": "geometry", "get_convention": "geometry",
    "CropBoxTracker": "boxes", "cut_crop": "boxes", "shape_box": "boxes",
    "IBUG68_FROM_MESH": "ibug68", "landmarks_68": "ibug68",
    "REGION_MESH": "regions", "RegionSampler": "regions", "draw_regions": "regions",
    "region_polygons": "regions", "skin_mask": "regions",
    "FaceTraces": "traces", "extract_traces": "traces", "FaceState": "tracker", "FaceTracker": "tracker",
    "FaceTrack": "tracking", "track_faces": "tracking",
}  # fmt: skip

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'micropulse.face' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"micropulse.face.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
