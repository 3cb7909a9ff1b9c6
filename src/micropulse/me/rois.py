"""Micro-expression face crop and ROI geometry on iBUG-68 landmarks (specs/micro-expressions.md §1.2-1.5).

All geometry is in the pixel units of the 320x320 face crop. Rectangles are half-open
``(row0, row1, col0, col1)``. The tables below are the one place where the ROI definitions live:
ME-TST uses 5 ROIs (10 channels), ME-TST+ / BoostingVRME 18 ROIs (36 channels).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from micropulse.errors import InputError

CROP_SIZE = 320  # §1.2: the face crop is resized to 320x320


@dataclass(frozen=True)
class CropBox:
    """Face crop box in source-image pixels, half-open rows [top, bottom), cols [left, right)."""

    top: int
    bottom: int
    left: int
    right: int

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def width(self) -> int:
        return self.right - self.left

    def shifted(self, dx: int, dy: int) -> CropBox:
        return CropBox(self.top + dy, self.bottom + dy, self.left + dx, self.right + dx)


def crop_box_from_eyes(lm68: np.ndarray) -> CropBox:
    """Crop box from the inner eye corners (iBUG 39 and 42), §1.2.

    g = floor((x42 - x39) / 2); centre = midpoint (floored); rows [cy - floor(3.5 g), cy + floor(5.5 g)),
    cols [cx - floor(4.5 g), cx + floor(4.5 g)); top/left clamped at 0.

    Args:
        lm68: (68, 2) landmarks (x, y) in source pixels.
    """
    lm = _check_lm(lm68)
    x39, y39 = lm[39]
    x42, y42 = lm[42]
    g = int(np.floor((x42 - x39) / 2))
    if g <= 0:
        raise InputError(f"inner eye corners are not ordered left-to-right (x39={x39:.1f}, x42={x42:.1f})")
    cx = int(np.floor((x39 + x42) / 2))
    cy = int(np.floor((y39 + y42) / 2))
    return CropBox(
        top=max(0, cy - int(np.floor(3.5 * g))),
        bottom=cy + int(np.floor(5.5 * g)),
        left=max(0, cx - int(np.floor(4.5 * g))),
        right=cx + int(np.floor(4.5 * g)),
    )


def landmarks_in_crop(lm68: np.ndarray, box: CropBox, size: int = CROP_SIZE) -> np.ndarray:
    """Map source-pixel landmarks into crop pixels: x' = (x - left) * size / w (the spec's fallback path).

    The reference code re-runs the landmark predictor on the crop and falls back to this mapping; the
    mapping is exact for a tracked mesh, so micropulse always uses it.
    """
    lm = _check_lm(lm68)
    out = np.empty_like(lm)
    out[:, 0] = (lm[:, 0] - box.left) * size / box.width
    out[:, 1] = (lm[:, 1] - box.top) * size / box.height
    return out


@dataclass(frozen=True)
class Roi:
    """One pooled ROI channel pair (dx, dy).

    ``parent`` is the flow field it is cut from ("self" = its own flow); ``trim`` = (top, bottom, left,
    right) pixels removed from the flow before pooling; ``top_p`` = fraction of largest-magnitude pixels
    averaged.
    """

    name: str
    parent: str
    top_p: float


# Coarse flow regions: each has its own Farneback flow (computed on the same rectangle of the reference
# crop and of the current crop). N is used only through the NL/NR patches.
FLOW_REGIONS: tuple[str, ...] = ("G", "BL", "BR", "M", "N", "LE", "RE")

# §1.3 ROI tables (top-p values as coded, including the left/right brow asymmetry, trap 22).
_ROIS: dict[str, Roi] = {
    r.name: r
    for r in (
        Roi("G", "G", 0.7),
        Roi("BL", "BL", 0.3),
        Roi("BR", "BR", 0.3),
        Roi("M", "M", 0.3),
        Roi("NL", "N", 0.2),
        Roi("NR", "N", 0.2),
        Roi("BL@20", "BL", 0.2),
        Roi("BL@19", "BL", 0.2),
        Roi("BL@18", "BL", 0.2),
        Roi("BR@23", "BR", 0.3),
        Roi("BR@24", "BR", 0.3),
        Roi("BR@25", "BR", 0.3),
        Roi("M@48", "M", 0.2),
        Roi("M@54", "M", 0.2),
        Roi("M@51", "M", 0.2),
        Roi("M@57", "M", 0.2),
        Roi("M@62", "M", 0.2),
        Roi("LE", "LE", 0.3),
        Roi("RE", "RE", 0.3),
    )
}

# §1.5 channel order: each ROI contributes (dx, dy) after subtracting the global (G) motion.
ROI_SETS: dict[str, tuple[str, ...]] = {
    "me-tst": ("BL", "BR", "M", "NL", "NR"),
    "me-tst+": (
        "BL", "BL@20", "BL@19", "BL@18",
        "BR", "BR@23", "BR@24", "BR@25",
        "M", "M@48", "M@54", "M@51", "M@57", "M@62",
        "NL", "NR",
        "LE", "RE",
    ),
}  # fmt: skip


def roi(name: str) -> Roi:
    return _ROIS[name]


def roi_set(name: str) -> tuple[str, ...]:
    """ROI names of a channel set (``"me-tst"``: 5 ROIs / 10 channels; ``"me-tst+"``: 18 / 36)."""
    try:
        return ROI_SETS[name]
    except KeyError:
        raise InputError(f"unknown ROI set {name!r}; known: {', '.join(ROI_SETS)}") from None


def channel_names(set_name: str) -> list[str]:
    """``["BL_x", "BL_y", ...]`` in the model's channel order."""
    return [f"{r}_{axis}" for r in roi_set(set_name) for axis in ("x", "y")]


def flow_regions_for(set_name: str) -> tuple[str, ...]:
    """The coarse flow regions a ROI set needs (G always, for head-motion compensation)."""
    needed = {"G"} | {_ROIS[r].parent for r in roi_set(set_name)}
    return tuple(r for r in FLOW_REGIONS if r in needed)


def _bbox(lm: np.ndarray, idx: range | list[int]) -> tuple[int, int, int, int]:
    pts = lm[list(idx)]
    return (int(pts[:, 0].min()), int(pts[:, 0].max()), int(pts[:, 1].min()), int(pts[:, 1].max()))


def _clip_rect(r0: int, r1: int, c0: int, c1: int, size: int) -> tuple[int, int, int, int]:
    return (max(0, r0), min(size, r1), max(0, c0), min(size, c1))


def region_rects(lm320: np.ndarray, size: int = CROP_SIZE) -> dict[str, tuple[int, int, int, int]]:
    """Rectangles (row0, row1, col0, col1) of the coarse flow regions in crop pixels, §1.3."""
    lm = _check_lm(lm320)
    rects: dict[str, tuple[int, int, int, int]] = {}
    x0, x1, y0, y1 = _bbox(lm, range(29, 31))
    rects["G"] = (y0 - 13, y1 + 13, x0 - 13, x1 + 13)
    x0, x1, y0, y1 = _bbox(lm, range(17, 22))
    rects["BL"] = (y0 - 15, y1 + 5, x0 - 5, x1)
    x0, x1, y0, y1 = _bbox(lm, range(22, 27))
    rects["BR"] = (y0 - 15, y1 + 5, x0, x1)
    x0, x1, y0, y1 = _bbox(lm, range(48, 67))  # 48-66, 67 excluded as coded
    rects["M"] = (y0 - 15, y1 + 10, x0 - 20, x1 + 20)
    x0, x1, y0, y1 = _bbox(lm, range(30, 36))
    rects["N"] = (y0 - 20, y1 + 5, x0 - 30, x1 + 30)
    for name, idx in (("LE", range(36, 42)), ("RE", range(42, 48))):
        x0, x1, y0, y1 = _bbox(lm, idx)
        w = x1 - x0
        h = w / 2
        yc = (y0 + y1) / 2
        rects[name] = (int(yc + h / 2), int(yc + 3 * h / 2), max(0, x0), x1)
    return {k: _clip_rect(*v, size) for k, v in rects.items()}


def trims(name: str, rect: tuple[int, int, int, int], raw_top: int) -> tuple[int, int, int, int]:
    """Pixels trimmed (top, bottom, left, right) from a region's flow before pooling, §1.3.

    ``raw_top`` is the unclipped top row: near the image edge the top trim shrinks by what clipping
    already removed; a short region keeps a bottom trim of 4.
    """
    if name == "G":
        return (15, 10, 5, 5)
    if name in ("LE", "RE"):
        return (5, 5, 5, 5)
    top = 10 - max(0, -raw_top) if raw_top < 0 else 10
    top = max(0, top)
    h = rect[1] - rect[0]
    bottom = 10 if h - top - 10 >= 4 else 4
    return (top, bottom, 10, 10)


def patch_rects(
    lm320: np.ndarray, rects: dict[str, tuple[int, int, int, int]]
) -> dict[str, tuple[int, int, int, int]]:
    """Fine patches (row0, row1, col0, col1) in the coordinates of their parent region's flow field."""
    lm = _check_lm(lm320)

    def at(parent: str, r0: int, r1: int, c0: int, c1: int) -> tuple[int, int, int, int]:
        pr0, pr1, pc0, pc1 = rects[parent]
        h, w = pr1 - pr0, pc1 - pc0
        return (max(0, r0 - pr0), min(h, r1 - pr0), max(0, c0 - pc0), min(w, c1 - pc0))

    out: dict[str, tuple[int, int, int, int]] = {}
    x, y = (int(v) for v in lm[31])
    out["NL"] = at("N", y - 20, y + 5, x - 20, x + 10)
    x, y = (int(v) for v in lm[35])
    out["NR"] = at("N", y - 20, y + 5, x - 10, x + 20)
    for p in (18, 19, 20):
        x, y = (int(v) for v in lm[p])
        out[f"BL@{p}"] = at("BL", y - 10, y + 10, x - 10, x + 10)
    for p in (23, 24, 25):
        x, y = (int(v) for v in lm[p])
        out[f"BR@{p}"] = at("BR", y - 10, y + 10, x - 10, x + 10)
    x, y = (int(v) for v in lm[48])
    out["M@48"] = at("M", y - 10, y + 10, x - 10, x + 20)
    x, y = (int(v) for v in lm[54])
    out["M@54"] = at("M", y - 10, y + 10, x - 20, x + 10)
    for p in (51, 57, 62):
        x, y = (int(v) for v in lm[p])
        out[f"M@{p}"] = at("M", y - 10, y + 10, x - 10, x + 10)
    return out


def _check_lm(lm68: np.ndarray) -> np.ndarray:
    lm = np.asarray(lm68, dtype=np.float64)
    if lm.shape != (68, 2):
        raise InputError(f"expected (68, 2) iBUG landmarks, got shape {lm.shape}")
    if not np.all(np.isfinite(lm)):
        raise InputError("landmarks contain NaN or inf")
    return lm
