"""ROI optical-flow features for micro-expression spotting (specs/micro-expressions.md §1.2-1.6).

A long video is cut into windows of ``k`` frames with stride ``k/2``; inside a window every frame is
compared with the window's first frame (cumulative displacement, §1.4), on each ROI of a 320x320 face
crop. Each ROI gives (dx, dy) = top-p mean flow minus the global (nose-bridge) motion. One window is a
``(C, k)`` array: C = 10 for ME-TST, 36 for ME-TST+.

Differences from the reference code (documented on purpose):

* landmarks come from the tracked face mesh mapped into the crop (the spec's fallback path), not from a
  second detector pass on the crop;
* the translation-tracking shift is converted from crop pixels to source pixels (trap 18 fixed);
* a window whose first frame has no face uses the first frame with a face as its reference and writes
  zero vectors before it (BoostingVRME's rule, not ME-TST's backward search that wraps around, trap 19).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from micropulse.errors import InputError
from micropulse.me import rois as R
from micropulse.me.flow import create_flow, top_p_mean

log = logging.getLogger(__name__)

# §1.6: window length k per dataset (frames on the effective-fps grid) and frame_skip.
WINDOW_LENGTH = {"casme3": 50, "samm-lv": 30}
FRAME_SKIP = {"casme3": 1, "samm-lv": 7}
MAX_TRACK_STEPS = 3  # §1.4: the crop is re-centred at most 3 times per frame


def n_windows(n_frames: int, k: int) -> int:
    """Number of windows W = floor(n / (k/2)) - 1 (frames past (W+1)·k/2 are dropped), §1.6."""
    _check_k(k)
    return max(0, n_frames // (k // 2) - 1)


def window_starts(n_frames: int, k: int) -> list[int]:
    """First frame of each window: w·k/2."""
    return [w * (k // 2) for w in range(n_windows(n_frames, k))]


def crop_gray(frame_gray: np.ndarray, box: R.CropBox, size: int = R.CROP_SIZE) -> np.ndarray:
    """Cut ``box`` out of a grayscale frame (zero-padded beyond the frame) and resize to ``size``² bilinear."""
    h, w = frame_gray.shape[:2]
    t, b, lft, rgt = box.top, box.bottom, box.left, box.right
    if t >= 0 and lft >= 0 and b <= h and rgt <= w:
        patch = frame_gray[t:b, lft:rgt]
    else:
        patch = np.zeros((box.height, box.width), frame_gray.dtype)
        st, sb, sl, sr = max(t, 0), min(b, h), max(lft, 0), min(rgt, w)
        if sb > st and sr > sl:
            patch[st - t : sb - t, sl - lft : sr - lft] = frame_gray[st:sb, sl:sr]
    return cv2.resize(patch, (size, size), interpolation=cv2.INTER_LINEAR)


@dataclass(frozen=True)
class WindowGeometry:
    """Everything fixed for one window: source crop box and the ROI rectangles in crop pixels."""

    box: R.CropBox
    rects: dict[str, tuple[int, int, int, int]]
    raw_tops: dict[str, int]
    patches: dict[str, tuple[int, int, int, int]]

    @classmethod
    def from_landmarks(cls, lm68: np.ndarray) -> WindowGeometry:
        box = R.crop_box_from_eyes(lm68)
        lm320 = R.landmarks_in_crop(lm68, box)
        rects = R.region_rects(lm320)
        raw = R.region_rects(lm320, size=10**6)  # unclipped (only the lower clamp at 0 differs)
        raw_tops = {k: _raw_top(lm320, k, v) for k, v in raw.items()}
        return cls(box, rects, raw_tops, R.patch_rects(lm320, rects))


def _raw_top(lm320: np.ndarray, name: str, rect: tuple[int, int, int, int]) -> int:
    if name in ("BL", "BR"):
        idx = range(17, 22) if name == "BL" else range(22, 27)
        return int(lm320[list(idx), 1].min()) - 15
    return rect[0]


class WindowFeaturizer:
    """Computes the (C, k) feature array of one window from its grayscale source frames.

    Args:
        roi_set: ``"me-tst"`` (10 channels) or ``"me-tst+"`` (36 channels).
        flow: optical-flow backend name (``"farneback"`` as published, ``"dis"`` fast).
        track: re-centre the crop on global head translation (§1.4).
    """

    def __init__(self, roi_set: str = "me-tst", flow: str = "farneback", track: bool = True) -> None:
        self.roi_names = R.roi_set(roi_set)
        self.regions = R.flow_regions_for(roi_set)
        self.flow = create_flow(flow)  # thread-safe: windows may run on several threads at once
        self.track = track
        self.n_channels = 2 * len(self.roi_names)

    def _region_flows(
        self, geom: WindowGeometry, ref: np.ndarray, cur: np.ndarray, names: Iterable[str]
    ) -> dict[str, np.ndarray]:
        out = {}
        for name in names:
            r0, r1, c0, c1 = geom.rects[name]
            if r1 - r0 < 2 or c1 - c0 < 2:
                out[name] = np.zeros((max(r1 - r0, 0), max(c1 - c0, 0), 2), np.float32)
                continue
            out[name] = self.flow(ref[r0:r1, c0:c1], cur[r0:r1, c0:c1])
        return out

    def _pool_region(self, geom: WindowGeometry, name: str, field: np.ndarray) -> np.ndarray:
        t, b, lft, rgt = R.trims(name, geom.rects[name], geom.raw_tops[name])
        h, w = field.shape[:2]
        core = field[t : max(t, h - b), lft : max(lft, w - rgt)]
        if core.size == 0:
            core = field
        return top_p_mean(core, R.roi(name).top_p)

    def _global(self, geom: WindowGeometry, ref: np.ndarray, cur: np.ndarray) -> np.ndarray:
        return self._pool_region(geom, "G", self._region_flows(geom, ref, cur, ("G",))["G"])

    def frame_features(
        self, geom: WindowGeometry, ref: np.ndarray, frame_gray: np.ndarray
    ) -> tuple[np.ndarray, WindowGeometry]:
        """Features of one frame against the window reference crop; returns (C,) and the (maybe shifted) geometry."""
        cur = crop_gray(frame_gray, geom.box)
        g = self._global(geom, ref, cur)
        steps = 0
        while self.track and steps < MAX_TRACK_STEPS and float(g @ g) > 1.0:
            sx = geom.box.width / R.CROP_SIZE
            sy = geom.box.height / R.CROP_SIZE
            dx, dy = int(round(g[0] * sx)), int(round(g[1] * sy))
            if dx == 0 and dy == 0:
                break
            geom = WindowGeometry(geom.box.shifted(dx, dy), geom.rects, geom.raw_tops, geom.patches)
            cur = crop_gray(frame_gray, geom.box)
            g = self._global(geom, ref, cur)
            steps += 1
        flows = self._region_flows(geom, ref, cur, (r for r in self.regions if r != "G"))
        feats = np.empty(self.n_channels, np.float64)
        for i, name in enumerate(self.roi_names):
            spec = R.roi(name)
            if spec.parent == name:
                v = self._pool_region(geom, name, flows[name])
            else:
                r0, r1, c0, c1 = geom.patches[name]
                v = top_p_mean(flows[spec.parent][r0:r1, c0:c1], spec.top_p)
            feats[2 * i : 2 * i + 2] = v - g
        return feats, geom

    def window(self, frames_gray: Sequence[np.ndarray], landmarks: Sequence[np.ndarray | None]) -> np.ndarray:
        """(C, k) features of one window. ``landmarks[t]`` is the (68, 2) iBUG set of frame t, or None.

        The reference is the first frame with a face; earlier frames and a faceless window are zeros.
        """
        k = len(frames_gray)
        out = np.zeros((self.n_channels, k), np.float64)
        ref_t = next((t for t, lm in enumerate(landmarks) if lm is not None), None)
        if ref_t is None:
            return out
        geom = WindowGeometry.from_landmarks(np.asarray(landmarks[ref_t]))
        ref = crop_gray(_gray(frames_gray[ref_t]), geom.box)
        for t in range(ref_t + 1, k):
            out[:, t], geom = self.frame_features(geom, ref, _gray(frames_gray[t]))
        return out


@dataclass(frozen=True)
class VideoFeatures:
    """Window features of one video: ``windows`` (W, C, k), window ``starts`` (frames), channel names."""

    windows: np.ndarray
    starts: np.ndarray
    k: int
    channels: tuple[str, ...]
    n_frames: int


def iter_windows(
    frames: Iterable[tuple[np.ndarray, np.ndarray | None]], k: int
) -> Iterator[tuple[int, list[np.ndarray], list[np.ndarray | None]]]:
    """Group a stream of (gray frame, landmarks-or-None) into half-overlapping windows of ``k`` frames.

    Holds at most ``k`` frames in memory. Yields (start_frame, frames, landmarks).
    """
    _check_k(k)
    half = k // 2
    buf_f: list[np.ndarray] = []
    buf_l: list[np.ndarray | None] = []
    start = 0
    for frame, lm in frames:
        buf_f.append(frame)
        buf_l.append(lm)
        if len(buf_f) == k:
            yield start, list(buf_f), list(buf_l)
            del buf_f[:half], buf_l[:half]
            start += half


def video_features(
    frames: Iterable[tuple[np.ndarray, np.ndarray | None]],
    k: int,
    roi_set: str = "me-tst",
    flow: str = "farneback",
    track: bool = True,
) -> VideoFeatures:
    """Features of every window of a video stream of (gray frame, (68,2) landmarks or None)."""
    fz = WindowFeaturizer(roi_set=roi_set, flow=flow, track=track)
    wins, starts = [], []
    counter = [0]

    def counted() -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
        for item in frames:
            counter[0] += 1
            yield item

    for start, fr, lm in iter_windows(counted(), k):
        wins.append(fz.window(fr, lm))
        starts.append(start)
    arr = np.stack(wins) if wins else np.zeros((0, fz.n_channels, k))
    return VideoFeatures(
        arr, np.asarray(starts, dtype=np.int64), k, tuple(R.channel_names(roi_set)), counter[0]
    )


def _gray(frame: np.ndarray) -> np.ndarray:
    if frame.ndim == 3:
        return cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    return frame


def _check_k(k: int) -> None:
    if k < 4 or k % 2:
        raise InputError(f"window length k must be an even number of frames >= 4, got {k}")
