"""Face-crop boxes that follow a :class:`~micropulse.face.geometry.CropGeometry`, frame by frame.

:class:`CropBoxTracker` turns frames into crop boxes ``(x1, y1, x2, y2)`` (integer pixels, end exclusive)
by the rules of a geometry: where the source box comes from (detector or tracked landmarks), how it is
shaped (extents about the centre, square, enlargement), how often the detector runs and how the box is
held or smoothed in time. :func:`cut_crop` cuts and resizes. The pipeline's front end is the only caller
that chooses the geometry (from the weights' metadata).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from micropulse.face.backends import FaceBackend, FaceBox, create_backend
from micropulse.face.geometry import CropGeometry
from micropulse.face.tracker import FaceTracker

_INTERP = {"area": cv2.INTER_AREA, "linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC}

#: open-rppg's box filter (``KalmanFilter1D(0.01, 0.5, x, 1)`` per corner, reference interval 1/30 s).
KALMAN_PROCESS_NOISE = 0.01
KALMAN_MEASUREMENT_NOISE = 0.5
KALMAN_INITIAL_ERROR = 1.0
KALMAN_REFERENCE_S = 1.0 / 30.0
#: With one box for the whole video (detect_every=0), frames between checks that a face is still there.
PRESENCE_CHECK_EVERY = 30
#: open-rppg moves its crop box only when the filtered centre moved more than this (its relative rule).
KALMAN_MOVE_THRESHOLD = 0.02


def shape_box(box: np.ndarray | tuple, geometry: CropGeometry) -> np.ndarray:
    """Source box ``(x, y, w, h)`` -> crop box ``(x1, y1, x2, y2)`` (float pixels) by the geometry's shape
    rules: extents about the centre, then square (side max(w, h)), then enlargement about the centre."""
    x, y, w, h = (float(v) for v in box)
    cx, cy = x + w / 2, y + h / 2
    (left, right), (top, bottom) = geometry.x_extent, geometry.y_extent
    x1, x2, y1, y2 = cx + left * w, cx + right * w, cy + top * h, cy + bottom * h
    if geometry.square:
        side = max(x2 - x1, y2 - y1)
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        x1, x2, y1, y2 = mx - side / 2, mx + side / 2, my - side / 2, my + side / 2
    if geometry.scale != 1.0:
        c = geometry.scale
        bw, bh = x2 - x1, y2 - y1
        x1, y1 = x1 - (c - 1) / 2 * bw, y1 - (c - 1) / 2 * bh
        x2, y2 = x1 + c * bw, y1 + c * bh
    return np.array([x1, y1, x2, y2], dtype=np.float64)


def integer_box(box: np.ndarray, width: int, height: int) -> tuple[int, int, int, int] | None:
    """Float ``(x1, y1, x2, y2)`` -> integers clamped to the frame (the toolbox's ``int`` casts and
    ``max(0, .)``); None when nothing of the box is inside the frame."""
    if not np.all(np.isfinite(box)):
        return None
    x1, y1 = max(0, int(box[0])), max(0, int(box[1]))
    x2, y2 = min(width, int(box[2])), min(height, int(box[3]))
    if x2 - x1 < 2 or y2 - y1 < 2:
        return None
    return x1, y1, x2, y2


def cut_crop(rgb: np.ndarray, box: tuple[int, int, int, int], size: int, interpolation: str = "area") -> np.ndarray:
    """Cut ``box`` (integer ``x1, y1, x2, y2``) from an RGB frame and resize it to ``size`` x ``size`` (uint8)."""
    x1, y1, x2, y2 = box
    return cv2.resize(np.ascontiguousarray(rgb[y1:y2, x1:x2]), (size, size), interpolation=_INTERP[interpolation])


class _Kalman1D:
    """open-rppg's scalar Kalman filter: random-walk state, process noise scaled by (dt / 1/30 s)^2."""

    def __init__(self, value: float) -> None:
        self.estimate, self.error = float(value), KALMAN_INITIAL_ERROR

    def update(self, value: float, dt: float) -> float:
        q = KALMAN_PROCESS_NOISE * (dt / KALMAN_REFERENCE_S) ** 2
        pred_err = self.error + q
        gain = pred_err / (pred_err + KALMAN_MEASUREMENT_NOISE)
        self.estimate += gain * (float(value) - self.estimate)
        self.error = (1 - gain) * pred_err
        return self.estimate


@dataclass(frozen=True)
class CropBox:
    """The crop box on one frame: ``box`` integer ``(x1, y1, x2, y2)`` or None; ``found``: a face counts as present."""

    found: bool
    box: tuple[int, int, int, int] | None


class CropBoxTracker:
    """Crop boxes frame by frame by the rules of ``geometry``.

    Args:
        geometry: the crop geometry (from the weights' metadata, or an explicit override).
        backend: the face backend to use instead of ``geometry.detector`` (an instance, for tests).
        detect_every: for ``box_source="landmarks"``: frames between detector runs of the landmark tracker.
    """

    def __init__(
        self, geometry: CropGeometry, backend: str | FaceBackend | None = None, detect_every: int = 30
    ) -> None:
        self.geometry = geometry
        name = backend if backend is not None else geometry.detector
        if geometry.box_source == "landmarks":
            self._tracker: FaceTracker | None = FaceTracker(name, detect_every=detect_every)
            self._backend = self._tracker.backend
        else:
            self._tracker = None
            self._backend = _full_resolution(create_backend(name))
        self.reset()

    def reset(self) -> None:
        """Forget the face (before another video)."""
        self._count = 0
        self._box: np.ndarray | None = None  # the crop box in use (float x1, y1, x2, y2)
        self._raw: np.ndarray | None = None  # last detected (shaped) box, for the Kalman filter
        self._filters: list[_Kalman1D] | None = None
        self._last_t: float | None = None
        self._present = True
        if self._tracker is not None:
            self._tracker.reset()
        else:
            self._backend.reset()

    def close(self) -> None:
        if self._tracker is not None:
            self._tracker.close()
        else:
            self._backend.close()

    def _detect(self, rgb: np.ndarray) -> np.ndarray | None:
        faces = self._backend.detect(rgb)
        return None if not faces else shape_box(faces[0].as_array(), self.geometry)

    def _due(self, index: int) -> bool:
        every = self.geometry.detect_every
        if every == 0:  # the first frame with a face only
            return self._box is None
        return index == 0 or (index + self.geometry.detect_offset) % every == 0

    def update(self, rgb: np.ndarray, time_s: float) -> CropBox:
        """The crop box on the next frame (RGB uint8) at ``time_s`` seconds."""
        index = self._count
        self._count += 1
        h, w = rgb.shape[:2]
        g = self.geometry
        dt = KALMAN_REFERENCE_S if self._last_t is None else max(float(time_s) - self._last_t, 1e-6)
        self._last_t = float(time_s)
        if self._tracker is not None:  # landmark box of the tracked face, every frame
            st = self._tracker.update(rgb)
            if not st.found:
                return CropBox(False, None)
            ib = integer_box(shape_box(st.box, g), w, h)
            return CropBox(ib is not None, ib)
        if self._due(index):
            det = self._detect(rgb)
            if det is not None:
                self._present = True
                self._accept(det, dt)
            else:
                # no box is trusted without a face: "none" has none, "hold" keeps its box but not the face, and
                # open-rppg ("kalman") clears "has face" at once (its border test compares frame pixels with
                # 5%/95% of the model's input size, which any real box fails)
                self._present = False
        elif g.detect_every == 0 and index % PRESENCE_CHECK_EVERY == 0:
            # the toolbox crops every frame with the first box; the detector still checks now and then that a
            # face is there (the box itself is never moved), so a video that loses its face says so
            self._present = bool(self._backend.detect(rgb))
        elif g.smoothing == "kalman":
            self._kalman_step(None, dt)  # between detections its filters follow the last raw box
        if self._box is None:
            return CropBox(False, None)
        ib = integer_box(self._box, w, h)
        return CropBox(self._present and ib is not None, ib)

    def _accept(self, det: np.ndarray, dt: float) -> None:
        if self.geometry.smoothing != "kalman":
            self._box = det  # "none" and "hold": the latest detection, held until the next one
            return
        det = np.maximum(np.round(det), 0.0)  # open-rppg rounds to int and clips negatives to 0
        self._raw = det
        if self._filters is None:
            self._filters = [_Kalman1D(v) for v in det]
            self._box = det.copy()
            return
        kbox = self._kalman_step(det, dt)
        # open-rppg's rule, in its (y1, y2), (x1, x2) layout: centre shift divided by the mean of the
        # box's (y1, x1) and (y2, x2) corners; the box moves only when that exceeds 2%.
        old = self._box
        shift = np.abs(np.array([(kbox[1] + kbox[3]) / 2 - (old[1] + old[3]) / 2, (kbox[0] + kbox[2]) / 2 - (old[0] + old[2]) / 2]))
        ref = np.array([(old[1] + old[0]) / 2, (old[3] + old[2]) / 2])
        if np.max(shift / np.maximum(ref, 1e-9)) > KALMAN_MOVE_THRESHOLD:
            self._box = kbox

    def _kalman_step(self, det: np.ndarray | None, dt: float) -> np.ndarray | None:
        """Update the corner filters with ``det`` (or the last raw detection on frames without one)."""
        if self._filters is None:
            return None
        src = det if det is not None else self._raw
        return np.array([round(f.update(v, dt)) for f, v in zip(self._filters, src, strict=True)], float)


def _full_resolution(backend: FaceBackend) -> FaceBackend:
    """The Haar backend on the full frame, as the toolbox runs ``detectMultiScale`` (no speed-up resize)."""
    if getattr(backend, "name", "") == "haar" and hasattr(backend, "max_side"):
        backend.max_side = 1 << 30
    return backend


__all__ = ["CropBox", "CropBoxTracker", "FaceBox", "cut_crop", "integer_box", "shape_box"]
