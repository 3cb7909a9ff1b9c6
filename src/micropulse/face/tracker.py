"""Follow one face through a video: run the backend now and then, propagate in between.

Running the 478-point mesh on every frame costs ~4 ms (≈245 fps on one core); a pulse analysis must
run at several hundred fps. So the tracker runs the backend's landmark model every ``mesh_every``
frames and its detector every ``detect_every`` frames (and at once when the track is lost), and in
between moves the last landmarks by the face's translation, estimated by normalised cross-correlation
of a 64 x 64 gray patch of the face against the central 48 x 48 of the patch taken when the backend
last ran (no drift between backend runs; ~0.1 ms per frame whatever the video size). Phase
correlation was tried first: it whitens the spectrum, so the uint8 noise of a pulsing skin tone moved
its estimate by tenths of a pixel on a still face.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from micropulse.errors import InputError
from micropulse.face.backends import FaceBackend, FaceBox, create_backend

log = logging.getLogger(__name__)

PATCH = 64  # side of the gray patch used to estimate the translation, pixels
MARGIN = 8  # the template is the patch less this margin on each side: +-8 patch pixels per frame


@dataclass(frozen=True, slots=True)
class FaceState:
    """Where the tracked face is on one frame.

    Attributes:
        index: frame number.
        found: a face is tracked on this frame.
        box: (x, y, w, h) in frame pixels (NaN when not found).
        fresh: the backend ran on this frame (else the box and landmarks were moved by the estimated
            translation ``offset`` since the last backend run).
        offset: (dx, dy) pixels moved since the last backend run.
        epoch: counts backend runs; data derived from the landmarks can be cached per epoch.
        ref_landmarks: landmarks (N, 2) at the last backend run (None for box-only backends).
    """

    index: int
    found: bool
    box: np.ndarray
    fresh: bool = False
    offset: tuple[float, float] = (0.0, 0.0)
    epoch: int = -1
    ref_landmarks: np.ndarray | None = None

    @property
    def landmarks(self) -> np.ndarray | None:
        """Landmarks (N, 2) on this frame, in frame pixels (None when unknown)."""
        if not self.found or self.ref_landmarks is None:
            return None
        return self.ref_landmarks + np.asarray(self.offset)


_NAN_BOX = np.full(4, np.nan)


def _contains(box: np.ndarray, face: FaceBox) -> bool:
    """True when the centre of ``face`` lies inside ``box`` (x, y, w, h): the same face."""
    cx, cy = face.x + face.w / 2, face.y + face.h / 2
    return bool(box[0] <= cx <= box[0] + box[2] and box[1] <= cy <= box[1] + box[3])


def _vertex(three: np.ndarray) -> float:
    """Sub-pixel position (-0.5..0.5) of the peak of a parabola through three samples."""
    a, b, c = (float(v) for v in three)
    den = a - 2 * b + c
    return 0.0 if den >= 0 else 0.5 * (a - c) / den


def _box_of(points: np.ndarray) -> np.ndarray:
    lo, hi = points.min(axis=0), points.max(axis=0)
    return np.array([lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1]], dtype=np.float64)


class FaceTracker:
    """Track one face (the largest, or another by size rank) frame by frame.

    Args:
        backend: backend name ('mediapipe', 'haar') or instance.
        detect_every: run the detector every this many frames while tracking (0: only when lost).
        mesh_every: run the landmark model every this many frames (landmark backends); while the
            landmark runs find the face where tracking put it (see ``refit_tolerance``) the interval
            doubles, up to 3 x ``mesh_every``, and falls back to ``mesh_every`` when they do not.
        face_index: which face by size rank, 0 = the largest.
        track: propagate between backend runs by template matching (False: hold the last position).
        retry_every: while no face is tracked, try the detector every this many frames.
        min_response: correlation (0-1) below which the track counts as lost.
        refit_tolerance: when a scheduled landmark run moves the landmarks by less than this fraction
            of the face width (mean over points) from where tracking put them, the new landmarks are
            dropped and the old ones kept: mesh jitter would otherwise move the skin regions a little
            at every run, which adds noise far larger than a pulse. 0 always takes the new ones.
    """

    def __init__(
        self,
        backend: str | FaceBackend = "mediapipe",
        detect_every: int = 30,
        mesh_every: int = 10,
        face_index: int = 0,
        track: bool = True,
        retry_every: int = 3,
        min_response: float = 0.6,
        refit_tolerance: float = 0.025,
    ) -> None:
        if mesh_every < 1 or retry_every < 1 or detect_every < 0 or face_index < 0:
            raise InputError(
                f"need mesh_every >= 1, retry_every >= 1, detect_every >= 0, face_index >= 0 "
                f"(got {mesh_every}, {retry_every}, {detect_every}, {face_index})"
            )
        self.backend = create_backend(backend)
        self.detect_every, self.mesh_every, self.face_index = (
            int(detect_every),
            int(mesh_every),
            int(face_index),
        )
        self.track, self.retry_every, self.min_response = bool(track), int(retry_every), float(min_response)
        self.refit_tolerance = float(refit_tolerance)
        self.reset()

    def reset(self) -> None:
        """Forget the face (use before another video)."""
        self.backend.reset()
        self._count = 0
        self._epoch = -1
        self._tracking = False
        self._lost_at = 0
        self._last_detect = self._last_fresh = 0
        self._mesh_gap = self.mesh_every
        self._ref_box = _NAN_BOX
        self._ref_lm: np.ndarray | None = None
        self._template: np.ndarray | None = None
        self._offset = (0.0, 0.0)

    # -- helpers -------------------------------------------------------------------------------
    def _patch(self, rgb: np.ndarray, box: np.ndarray, dx: float, dy: float) -> np.ndarray:
        sx, sy = PATCH / box[2], PATCH / box[3]
        m = np.array([[sx, 0.0, -sx * (box[0] + dx)], [0.0, sy, -sy * (box[1] + dy)]])
        small = cv2.warpAffine(
            rgb, m, (PATCH, PATCH), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        return cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)

    def _set_ref(self, rgb: np.ndarray, index: int, box: np.ndarray, lm: np.ndarray | None) -> FaceState:
        self._ref_box, self._ref_lm, self._offset = box, lm, (0.0, 0.0)
        if self.track:
            self._template = np.ascontiguousarray(
                self._patch(rgb, box, 0.0, 0.0)[MARGIN:-MARGIN, MARGIN:-MARGIN]
            )
        self._tracking, self._last_fresh, self._mesh_gap = True, index, self.mesh_every
        self._epoch += 1
        return FaceState(index, True, box.copy(), True, (0.0, 0.0), self._epoch, lm)

    def _pick(self, boxes: list[FaceBox]) -> FaceBox | None:
        return boxes[self.face_index] if len(boxes) > self.face_index else None

    def _acquire(self, rgb: np.ndarray, index: int) -> FaceState | None:
        """Detect, pick by size rank, fit landmarks; None when no face."""
        self._last_detect = index
        pick = self._pick(self.backend.detect(rgb))
        if pick is None:
            return None
        self.backend.reset()
        return self._refit(rgb, index, pick)

    def _refit(self, rgb: np.ndarray, index: int, box: FaceBox) -> FaceState | None:
        if self.backend.n_landmarks == 0:
            return self._set_ref(rgb, index, box.as_array(), None)
        lm = self.backend.landmarks(rgb, box)
        if lm is None:
            return None
        return self._set_ref(rgb, index, _box_of(lm), lm)

    def _lose(self, index: int) -> FaceState:
        if self._tracking:
            log.debug("face lost at frame %d", index)
        self._tracking, self._lost_at = False, index
        self.backend.reset()
        return FaceState(index, False, _NAN_BOX)

    def _current_box(self) -> np.ndarray:
        b = self._ref_box
        return np.array([b[0] + self._offset[0], b[1] + self._offset[1], b[2], b[3]])

    # -- the step ----------------------------------------------------------------------------------
    def update(self, rgb: np.ndarray) -> FaceState:
        """Process the next frame (RGB uint8) and say where the face is."""
        index = self._count
        self._count += 1
        if not self._tracking:
            if (index - self._lost_at) % self.retry_every:
                return FaceState(index, False, _NAN_BOX)
            state = self._acquire(rgb, index)
            return state if state is not None else self._lose(index)

        ok = True
        if self.track:
            ok = self._propagate(rgb)
        box = self._current_box()
        h, w = rgb.shape[:2]
        cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
        if not (0 <= cx < w and 0 <= cy < h):
            ok = False

        if self.detect_every and index - self._last_detect >= self.detect_every:
            self._last_detect = index
            pick = self._pick(self.backend.detect(rgb))
            if pick is not None and (not ok or not _contains(box, pick)):
                self.backend.reset()  # another face (or the track drifted): start again on it
                state = self._refit(rgb, index, pick)
                return state if state is not None else self._lose(index)
            if pick is not None and self.backend.n_landmarks == 0:
                return self._set_ref(rgb, index, pick.as_array(), None)
            if pick is None and not ok:
                return self._lose(index)

        if self.backend.n_landmarks and (not ok or index - self._last_fresh >= self._mesh_gap):
            lm = self.backend.landmarks(rgb, FaceBox(*box))
            if lm is None:
                state = self._acquire(rgb, index)
                return state if state is not None else self._lose(index)
            self._last_fresh = index
            if ok and self._ref_lm is not None:
                moved = float(np.abs(lm - (self._ref_lm + np.asarray(self._offset))).mean())
                if moved < self.refit_tolerance * box[2]:
                    self._mesh_gap = min(2 * self._mesh_gap, 3 * self.mesh_every)
                    return FaceState(index, True, box, False, self._offset, self._epoch, self._ref_lm)
            return self._set_ref(rgb, index, _box_of(lm), lm)
        if not ok:
            state = self._acquire(rgb, index)
            return state if state is not None else self._lose(index)
        return FaceState(index, True, box, False, self._offset, self._epoch, self._ref_lm)

    def _propagate(self, rgb: np.ndarray) -> bool:
        """Update the offset by template matching; False when the face patch no longer matches."""
        dx, dy = self._offset
        box = self._ref_box
        cur = self._patch(rgb, box, dx, dy)
        score = cv2.matchTemplate(cur, self._template, cv2.TM_CCOEFF_NORMED)
        _, best, _, (px, py) = cv2.minMaxLoc(score)
        if not best >= self.min_response:
            return False
        sx = px - MARGIN + _vertex(score[py, px - 1 : px + 2]) if 0 < px < 2 * MARGIN else px - MARGIN
        sy = py - MARGIN + _vertex(score[py - 1 : py + 2, px]) if 0 < py < 2 * MARGIN else py - MARGIN
        self._offset = (dx + sx * box[2] / PATCH, dy + sy * box[3] / PATCH)
        return True

    def close(self) -> None:
        self.backend.close()
