"""Crop geometry: how a deep model's face crop is cut from a frame — a property of the model's weights.

A network trained on tight face boxes gives wrong pulses on loose ones (measured: open-rppg's RhythmMamba
weights answer 82 bpm on a real clip with their own tight box and 48-54 bpm on the rPPG-Toolbox's 1.5x
square box), so the geometry travels with the weights (``WeightsInfo.crop``) and the one front end
(:mod:`micropulse.pipeline.frontend`) cuts crops from it; nothing else decides crop geometry.

This module is pure Python (no OpenCV, no torch): ``rppg.deep`` imports it to describe its weights.
The box arithmetic lives in :mod:`micropulse.face.boxes`.

Conventions shipped (each constant defined here once):

* ``toolbox`` — rPPG-Toolbox ``crop_face_resize`` (specs/rppg.md §3.2): OpenCV Haar cascade
  (``haarcascade_frontalface_default.xml``, ``detectMultiScale`` defaults, widest face), the detector box
  enlarged by LARGE_BOX_COEF = 1.5 about its centre and clamped to the frame, detection on the first frame
  only (DYNAMIC_DETECTION off in the shipped configs), ``cv2.INTER_AREA`` resize.
* ``openrppg`` — open-rppg 0.1.1 ``rppg/main.py``: BlazeFace short-range box decoded as open-rppg decodes
  it (letterbox, first anchor above 0.5: :mod:`micropulse.face.blazeface`), x = cx +- 0.45 w,
  y from cy - 0.6 h to cy + 0.5 h (not square, not enlarged), detection on frames 0, 4, 9, 14, ... (every
  5th, one early: the schedule its threads produce in almost every run), each corner
  smoothed by a 1-D Kalman filter and the box moved only when its centre shifts by > 2% of its size,
  ``cv2.INTER_AREA`` resize, frames repeated or dropped (nearest in time) to the model's frame rate.
* ``micropulse`` — what ``micropulse train`` uses for its own checkpoints: the tracked landmark box made
  square and enlarged 1.5x (the toolbox's enlargement on a steadier box), frames resampled to the model rate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from micropulse.errors import InputError

#: Where the box comes from: the face detector's box, or the extent of the tracked landmarks.
BOX_SOURCES = ("detector", "landmarks")
#: Temporal handling of the box: none (every frame's own box), hold (one box per detection, held until the
#: next), kalman (open-rppg's per-corner Kalman filter with a 2% move threshold).
SMOOTHING = ("none", "hold", "kalman")
#: Frame-rate policy towards the model's training rate: resample (linear interpolation of frames in time),
#: repeat (nearest frame in time: frames repeated or dropped, as open-rppg does), none (frames as decoded).
FPS_POLICIES = ("resample", "repeat", "none")
#: Resize interpolation (names of OpenCV flags).
INTERPOLATIONS = ("area", "linear", "cubic")

#: rPPG-Toolbox LARGE_BOX_COEF in every shipped config.
TOOLBOX_BOX_SCALE = 1.5


@dataclass(frozen=True)
class CropGeometry:
    """How to cut a model's face crop from a frame.

    Attributes:
        convention: name of the convention (``toolbox``, ``openrppg``, ``micropulse`` or ``custom``).
        detector: face backend that finds the box (``haar``, ``mediapipe``).
        box_source: ``detector`` (the detector's box) or ``landmarks`` (extent of the tracked landmarks).
        x_extent: left and right edge of the box relative to the source box's centre, in units of its
            width (``(-0.5, 0.5)`` = the box itself; open-rppg: ``(-0.45, 0.45)``).
        y_extent: top and bottom edge relative to the centre, in units of its height (open-rppg: ``(-0.6, 0.5)``).
        square: make the box square (side max(w, h), same centre) before enlarging.
        scale: enlargement about the centre (toolbox LARGE_BOX_COEF); 1.0 = none.
        detect_every: frames between detector runs; 0 = the first frame with a face only (toolbox,
            DYNAMIC_DETECTION off); 1 = every frame.
        detect_offset: with ``detect_every`` = N > 1 the detector runs on the first frame and on frames
            ``i`` with ``(i + detect_offset) % N == 0`` (open-rppg: 1 — its worker thread reads the frame
            counter after the main thread has advanced it, so it detects on frames 0, 4, 9, 14, ...).
        smoothing: one of :data:`SMOOTHING`.
        interpolation: resize interpolation, one of :data:`INTERPOLATIONS`.
        fps_policy: one of :data:`FPS_POLICIES`.
    """

    convention: str
    detector: str
    box_source: str = "detector"
    x_extent: tuple[float, float] = (-0.5, 0.5)
    y_extent: tuple[float, float] = (-0.5, 0.5)
    square: bool = False
    scale: float = 1.0
    detect_every: int = 1
    detect_offset: int = 0
    smoothing: str = "none"
    interpolation: str = "area"
    fps_policy: str = "resample"

    def __post_init__(self) -> None:
        object.__setattr__(self, "x_extent", tuple(float(v) for v in self.x_extent))
        object.__setattr__(self, "y_extent", tuple(float(v) for v in self.y_extent))
        problems = []
        if self.box_source not in BOX_SOURCES:
            problems.append(f"box_source {self.box_source!r} (known: {', '.join(BOX_SOURCES)})")
        if self.smoothing not in SMOOTHING:
            problems.append(f"smoothing {self.smoothing!r} (known: {', '.join(SMOOTHING)})")
        if self.fps_policy not in FPS_POLICIES:
            problems.append(f"fps_policy {self.fps_policy!r} (known: {', '.join(FPS_POLICIES)})")
        if self.interpolation not in INTERPOLATIONS:
            problems.append(f"interpolation {self.interpolation!r} (known: {', '.join(INTERPOLATIONS)})")
        if len(self.x_extent) != 2 or not self.x_extent[0] < self.x_extent[1]:
            problems.append(f"x_extent {self.x_extent} (need left < right)")
        if len(self.y_extent) != 2 or not self.y_extent[0] < self.y_extent[1]:
            problems.append(f"y_extent {self.y_extent} (need top < bottom)")
        if not self.scale > 0:
            problems.append(f"scale {self.scale} (need > 0)")
        if self.detect_every < 0:
            problems.append(f"detect_every {self.detect_every} (need >= 0)")
        if self.detect_offset < 0:
            problems.append(f"detect_offset {self.detect_offset} (need >= 0)")
        if problems:
            raise InputError("bad crop geometry: " + "; ".join(problems))

    def with_(self, **changes: Any) -> CropGeometry:
        """A copy with some fields changed (``convention`` becomes ``custom`` unless given)."""
        changes.setdefault("convention", "custom")
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (extents as lists)."""
        out = asdict(self)
        out["x_extent"], out["y_extent"] = list(self.x_extent), list(self.y_extent)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CropGeometry:
        """Inverse of :meth:`to_dict`; unknown keys are an :class:`InputError`."""
        extra = set(data) - set(cls.__dataclass_fields__)
        if extra:
            raise InputError(f"crop geometry has unknown fields {sorted(extra)}")
        try:
            return cls(**data)
        except TypeError as exc:
            raise InputError(f"crop geometry is incomplete: {exc}") from None


#: rPPG-Toolbox checkpoints (``final_model_release/*.pth``): see the module docstring.
TOOLBOX = CropGeometry(
    convention="toolbox",
    detector="haar",
    box_source="detector",
    square=False,
    scale=TOOLBOX_BOX_SCALE,
    detect_every=0,
    smoothing="hold",
    interpolation="area",
    fps_policy="resample",
)

#: open-rppg 0.1.1 ``.h5`` weights: see the module docstring.
OPENRPPG = CropGeometry(
    convention="openrppg",
    detector="blazeface",
    box_source="detector",
    x_extent=(-0.45, 0.45),
    y_extent=(-0.6, 0.5),
    square=False,
    scale=1.0,
    detect_every=5,
    detect_offset=1,
    smoothing="kalman",
    interpolation="area",
    fps_policy="repeat",
)

#: micropulse's own checkpoints (``micropulse train``): tracked landmark box, square, 1.5x.
MICROPULSE = CropGeometry(
    convention="micropulse",
    detector="mediapipe",
    box_source="landmarks",
    square=True,
    scale=TOOLBOX_BOX_SCALE,
    detect_every=1,
    smoothing="none",
    interpolation="area",
    fps_policy="resample",
)

#: The conventions by name (``--crop NAME`` on the command line overrides the weights' own, explicitly).
CONVENTIONS: dict[str, CropGeometry] = {g.convention: g for g in (TOOLBOX, OPENRPPG, MICROPULSE)}


def get_convention(name: str) -> CropGeometry:
    """The named crop convention; an unknown name lists the known ones."""
    try:
        return CONVENTIONS[str(name).lower()]
    except KeyError:
        raise InputError(f"unknown crop convention {name!r}; known: {', '.join(sorted(CONVENTIONS))}") from None
