"""The one front end from video to pulse wave, shared by every job (DESIGN.md "One front end").

``raw_pulse(video, method=... | model=..., weights=..., settings=FrontEndSettings(...))`` -> :class:`RawPulse`.
Face tracking, skin regions or crops (crop geometry from the weights' metadata), one rule for face gaps
and segments, one rule for the frame clock. No torch at import time (deep models load it when used).
"""

from micropulse.frontend.predict import (
    RawPulse,
    check_method,
    classic_from_face,
    deep_from_face,
    load_model,
    raw_pulse,
    weights_geometry,
)
from micropulse.frontend.read import FaceSignal, read_crops, read_regions
from micropulse.frontend.settings import MAX_GAP_S, MIN_FACE_SECONDS, SEGMENTS, FrontEndSettings

__all__ = [
    "MAX_GAP_S",
    "MIN_FACE_SECONDS",
    "SEGMENTS",
    "FaceSignal",
    "FrontEndSettings",
    "RawPulse",
    "check_method",
    "classic_from_face",
    "deep_from_face",
    "load_model",
    "raw_pulse",
    "read_crops",
    "read_regions",
    "weights_geometry",
]
