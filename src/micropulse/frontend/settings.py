"""The front end's settings: one typed object, written into every output (scikit-learn style).

Every job that turns a video into a pulse wave — ``micropulse pulse`` (classic or deep), ``evaluate``,
batch runs, ``live``, ``serve`` and the training-data path — reads its face and timing rules from a
:class:`FrontEndSettings`. Differences on purpose (``segment="whole"`` for toolbox-style evaluation) are
settings, so they appear in the output JSON and in result hashes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from micropulse.errors import InputError
from micropulse.face.geometry import CONVENTIONS, CropGeometry, get_convention
from micropulse.face.traces import DEFAULT_REGIONS

#: Gaps in the face track up to this long (seconds) are bridged by interpolation (classic) or by holding
#: the last crop (deep); longer gaps end a face segment.
MAX_GAP_S = 1.0
#: Shortest face segment (seconds) a heart rate is computed from.
MIN_FACE_SECONDS = 2.0
#: Which frames are analysed: the longest face segment, or the whole video (toolbox-style evaluation:
#: every frame, gaps of any length bridged, frames before the first face take the first face).
SEGMENTS = ("longest", "whole")
#: Frames between face-detector runs of the landmark tracker.
DETECT_EVERY = 30


@dataclass(frozen=True)
class FrontEndSettings:
    """How a video becomes face data and a pulse wave.

    Attributes:
        face: face backend for the skin regions of the classic methods (``micropulse list face``).
        regions: skin regions averaged per frame (classic methods).
        max_gap_s: face gaps up to this long (seconds) are bridged inside a segment.
        segment: ``longest`` (the longest face segment) or ``whole`` (every frame; toolbox-style).
        min_seconds: shortest analysed stretch of face, seconds.
        fps: frame-rate override in Hz (required for a folder of frames); None = the container's
            timestamps.
        crop: explicit crop geometry for deep models (a :class:`CropGeometry` or a convention name:
            ``toolbox``, ``openrppg``, ``micropulse``); None = the geometry stored with the weights (the
            normal case — a model is only right on the crops it was trained on).
        detect_every: frames between detector runs of the landmark tracker (classic regions).
    """

    face: str = "mediapipe"
    regions: tuple[str, ...] = DEFAULT_REGIONS
    max_gap_s: float = MAX_GAP_S
    segment: str = "longest"
    min_seconds: float = MIN_FACE_SECONDS
    fps: float | None = None
    crop: CropGeometry | str | None = field(default=None)
    detect_every: int = DETECT_EVERY

    def __post_init__(self) -> None:
        object.__setattr__(self, "regions", tuple(self.regions))
        if self.segment not in SEGMENTS:
            raise InputError(f"segment must be one of {', '.join(SEGMENTS)} (--segment), got {self.segment!r}")
        if not self.max_gap_s >= 0:
            raise InputError(f"max_gap_s must be >= 0 seconds, got {self.max_gap_s}")
        if not self.min_seconds > 0:
            raise InputError(f"min_seconds must be > 0 seconds, got {self.min_seconds}")
        if self.fps is not None and not self.fps > 0:
            raise InputError(f"--fps must be > 0 Hz, got {self.fps}")
        if self.detect_every < 0:
            raise InputError(f"detect_every must be >= 0 frames, got {self.detect_every}")
        if isinstance(self.crop, str):
            object.__setattr__(self, "crop", get_convention(self.crop))
        elif isinstance(self.crop, dict):
            object.__setattr__(self, "crop", CropGeometry.from_dict(self.crop))

    def geometry_for(self, weights_geometry: CropGeometry) -> CropGeometry:
        """The crop geometry to use: the explicit override if set, else the weights' own."""
        return self.crop if isinstance(self.crop, CropGeometry) else weights_geometry

    def with_(self, **changes: Any) -> FrontEndSettings:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the crop override as its fields, or None)."""
        d = asdict(self)
        d["regions"] = list(self.regions)
        d["crop"] = self.crop.to_dict() if isinstance(self.crop, CropGeometry) else None
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FrontEndSettings:
        extra = set(data) - set(cls.__dataclass_fields__)
        if extra:
            raise InputError(f"unknown front-end settings {sorted(extra)}; known: {sorted(cls.__dataclass_fields__)}")
        return cls(**data)

    def key(self) -> str:
        """16-hex hash of the settings (part of result and cache keys)."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:16]


__all__ = ["CONVENTIONS", "DEFAULT_REGIONS", "FrontEndSettings", "MAX_GAP_S", "MIN_FACE_SECONDS", "SEGMENTS"]
