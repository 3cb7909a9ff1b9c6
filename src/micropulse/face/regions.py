"""Skin regions for the pulse: forehead and the two cheeks, and their mean colour per frame.

Regions are polygons on MediaPipe mesh vertices (eyes, brows, nostrils and mouth stay outside them);
for box-only backends they are fixed fractions of the face box. "left"/"right" are IMAGE left/right
(as the iBUG brow ROIs BL/BR of specs/micro-expressions.md §1.3): ``left_cheek`` is the subject's
right cheek.

Masks are rasterised once per backend run, at LOW resolution (the face window reduced by an integer
factor so the face is ~``target_px`` wide), and moved with the tracked translation between runs; per
frame the work is one INTER_AREA reduction of the face window and one masked mean per region.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from micropulse.errors import InputError
from micropulse.face.tracker import FaceState

# A vertex is a mesh index, or (a, b, t): the point a + t (b - a) on the way from vertex a to b.
Vertex = int | tuple[int, int, float]

_BROW_TOP = (105, 66, 107, 9, 336, 296, 334)  # upper edge of the brows, image left -> right
_ROW_2 = (104, 69, 108, 151, 337, 299, 333)  # the row of vertices above them
_ROW_1 = (103, 67, 109, 10, 338, 297, 332)  # the next row, near the hairline (often on hair)

REGION_MESH: dict[str, tuple[Vertex, ...]] = {
    # forehead: from 30% of the way above the brows up to halfway between the two rows above them
    "forehead": tuple((a, b, 0.5) for a, b in zip(_ROW_2, _ROW_1, strict=True))
    + tuple((a, b, 0.3) for a, b in zip(reversed(_BROW_TOP), reversed(_ROW_2), strict=True)),
    # below the lower eyelid, outside the nose and the nasolabial fold (image left = subject's right)
    "left_cheek": (116, 117, 118, 119, 100, 142, 36, 205, 187, 123),
    "right_cheek": (345, 346, 347, 348, 329, 371, 266, 425, 411, 352),
}


def _pairs(vertices: tuple[Vertex, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    trip = [v if isinstance(v, tuple) else (v, v, 0.0) for v in vertices]
    a, b, t = zip(*trip, strict=True)
    return np.array(a, dtype=np.intp), np.array(b, dtype=np.intp), np.array(t, dtype=np.float64)[:, None]


_MESH_PAIRS = {name: _pairs(v) for name, v in REGION_MESH.items()}

# For box-only backends: rectangles as fractions of an OpenCV Haar face box (x0, y0, x1, y1).
REGION_BOX: dict[str, tuple[float, float, float, float]] = {
    "forehead": (0.30, 0.06, 0.70, 0.18),
    "left_cheek": (0.16, 0.52, 0.36, 0.72),
    "right_cheek": (0.64, 0.52, 0.84, 0.72),
}

# Skin colour in YCrCb (Chai & Ngan 1999): Cr 133-173, Cb 77-127, any luma.
SKIN_YCRCB_LO = np.array([0, 133, 77], dtype=np.uint8)
SKIN_YCRCB_HI = np.array([255, 173, 127], dtype=np.uint8)

REGION_COLOURS = ((255, 64, 64), (64, 255, 64), (64, 128, 255), (255, 255, 0), (255, 0, 255))


def check_regions(regions: Sequence[str]) -> tuple[str, ...]:
    """Validate region names; returns them as a tuple."""
    names = tuple(regions)
    bad = [r for r in names if r not in REGION_MESH]
    if bad or not names:
        raise InputError(f"unknown skin region(s) {bad or '(none given)'}; known: {', '.join(REGION_MESH)}")
    return names


def region_polygons(
    regions: Sequence[str], landmarks: np.ndarray | None = None, box: np.ndarray | None = None
) -> list[np.ndarray]:
    """Polygons (K, 2) in frame pixels for each region, from mesh landmarks or else from a box."""
    if landmarks is not None:
        out = []
        for r in regions:
            a, b, t = _MESH_PAIRS[r]
            out.append(landmarks[a] + t * (landmarks[b] - landmarks[a]))
        return out
    if box is None:
        raise InputError("region polygons need landmarks or a face box")
    x, y, w, h = box
    out = []
    for r in regions:
        a, b, c, d = REGION_BOX[r]
        out.append(
            np.array(
                [
                    [x + a * w, y + b * h],
                    [x + c * w, y + b * h],
                    [x + c * w, y + d * h],
                    [x + a * w, y + d * h],
                ]
            )
        )
    return out


def skin_mask(rgb: np.ndarray) -> np.ndarray:
    """uint8 mask (255 = skin-coloured) of an RGB uint8 image, by the YCrCb rule above."""
    return cv2.inRange(cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb), SKIN_YCRCB_LO, SKIN_YCRCB_HI)


def draw_regions(rgb: np.ndarray, polygons: Sequence[np.ndarray], thickness: int = 2) -> np.ndarray:
    """A copy of ``rgb`` with the region polygons outlined (for thumbnails and plots)."""
    out = np.ascontiguousarray(rgb).copy()
    for k, poly in enumerate(polygons):
        pts = np.round(poly * 16).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(
            out, [pts], True, REGION_COLOURS[k % len(REGION_COLOURS)], thickness, cv2.LINE_AA, shift=4
        )
    return out


class RegionSampler:
    """Mean RGB of each skin region on each frame, computed at low resolution.

    Args:
        regions: region names (see :data:`REGION_MESH`).
        use_skin_mask: also require skin colour (YCrCb rule) inside each region.
        target_px: width in pixels the face is reduced to before averaging.
        hysteresis_px: the regions follow the tracked offset in whole pixels, moving only once it is
            more than this many pixels from their current position.
    """

    def __init__(
        self,
        regions: Sequence[str],
        use_skin_mask: bool = False,
        target_px: int = 64,
        hysteresis_px: float = 0.8,
    ) -> None:
        self.regions = check_regions(regions)
        self.hysteresis_px = float(hysteresis_px)
        self.use_skin_mask = bool(use_skin_mask)
        self.target_px = int(target_px)
        self._epoch = None
        self.polygons: list[np.ndarray] = []

    def _rebuild(self, state: FaceState) -> None:
        self._epoch = state.epoch
        self._pos = (int(round(state.offset[0])), int(round(state.offset[1])))
        ref_box = state.box - np.array([state.offset[0], state.offset[1], 0.0, 0.0])
        polys = region_polygons(self.regions, state.ref_landmarks, ref_box)
        self.polygons = polys
        pts = np.concatenate(polys)
        lo, hi = np.floor(pts.min(axis=0)) - 1, np.ceil(pts.max(axis=0)) + 1
        f = max(1, int(ref_box[2] // self.target_px))
        self.f = f
        self.wx, self.wy = int(lo[0]), int(lo[1])
        self.sw = max(1, int(np.ceil((hi[0] - lo[0]) / f)))
        self.sh = max(1, int(np.ceil((hi[1] - lo[1]) / f)))
        origin = np.array([self.wx, self.wy], dtype=np.float64)
        self.masks = []
        for poly in polys:
            mask = np.zeros((self.sh, self.sw), np.uint8)
            pts16 = np.round((poly - origin) / f * 16 - 8).astype(np.int32).reshape(-1, 1, 2)
            cv2.fillPoly(mask, [pts16], 255, cv2.LINE_8, shift=4)
            self.masks.append(mask)
        self.counts = [cv2.countNonZero(m) for m in self.masks]

    def sample(self, rgb: np.ndarray, state: FaceState) -> np.ndarray:
        """(R, 3) float64 mean R, G, B (0-255) per region; NaN rows for regions with no pixels."""
        if state.epoch != self._epoch:
            self._rebuild(state)
        f, sw, sh = self.f, self.sw, self.sh
        # whole-pixel window position with hysteresis: the tracked offset wobbles by a few tenths of
        # a pixel even on a still face, and each whole-pixel step of the regions is a step in colour
        px, py = self._pos
        dx, dy = state.offset
        if abs(dx - px) > self.hysteresis_px:
            px = int(round(dx))
        if abs(dy - py) > self.hysteresis_px:
            py = int(round(dy))
        self._pos = (px, py)
        x0, y0 = self.wx + px, self.wy + py
        h, w = rgb.shape[:2]
        # whole low-res cells inside the frame
        j0, i0 = max(0, -(x0 // f)), max(0, -(y0 // f))
        j1, i1 = min(sw, (w - x0) // f), min(sh, (h - y0) // f)
        out = np.full((len(self.masks), 3), np.nan)
        if j1 <= j0 or i1 <= i0:
            return out
        win = rgb[y0 + f * i0 : y0 + f * i1, x0 + f * j0 : x0 + f * j1]
        small = win if f == 1 else cv2.resize(win, (j1 - j0, i1 - i0), interpolation=cv2.INTER_AREA)
        whole = (i0, j0, i1, j1) == (0, 0, sh, sw)
        skin = skin_mask(small) if self.use_skin_mask else None
        for k, mask in enumerate(self.masks):
            m = mask if whole else np.ascontiguousarray(mask[i0:i1, j0:j1])
            if skin is not None:
                m = cv2.bitwise_and(m, skin)
            n = self.counts[k] if (whole and skin is None) else cv2.countNonZero(m)
            if n:
                out[k] = cv2.mean(small, m)[:3]
        return out
