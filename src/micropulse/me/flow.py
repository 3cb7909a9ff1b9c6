"""Optical-flow backends for micro-expression features (specs/micro-expressions.md §1.4) and top-p pooling."""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np

from micropulse.registry import Registry

FlowFn = Callable[[np.ndarray, np.ndarray], np.ndarray]

FLOW_BACKENDS: Registry[Callable[[], FlowFn]] = Registry("optical-flow backend")

# §1.4: Farneback parameters of ME-TST / BoostingVRME.
FARNEBACK = {"pyr_scale": 0.5, "levels": 3, "winsize": 15, "iterations": 5, "poly_n": 7, "poly_sigma": 1.5}


@FLOW_BACKENDS.register("farneback")
def _farneback() -> FlowFn:
    """Farneback with the spec's parameters (the reference implementation)."""
    p = FARNEBACK

    def flow(ref: np.ndarray, cur: np.ndarray) -> np.ndarray:
        return cv2.calcOpticalFlowFarneback(
            ref, cur, None, p["pyr_scale"], p["levels"], p["winsize"], p["iterations"], p["poly_n"],
            p["poly_sigma"], 0,
        )  # fmt: skip

    return flow


# OpenCV 4.11 DIS, fast preset: 8x8 patches, finest pyramid scale 2.
DIS_PATCH, DIS_FINEST_SCALE = 8, 2


def dis_coarsest_scale(height: int, width: int, patch: int = DIS_PATCH) -> int:
    """The coarsest pyramid scale OpenCV 4.11's ``DISOpticalFlow::calc`` picks for an image (C++ int casts)."""
    by_motion = int(math.log(max(width, height) / (4.0 * patch)) / math.log(2.0) + 0.5)
    by_patch = int(math.log(min(width, height) / patch) / math.log(2.0))
    return min(by_motion, by_patch)


@FLOW_BACKENDS.register("dis")
def _dis() -> FlowFn:
    """OpenCV DIS (fast preset): the fast option; not what the published numbers used.

    Two guards around OpenCV 4.11 (both found on ME ROI patches): for an image whose coarsest scale is
    below the preset's finest scale 2 (min side < 32 px or max side < 91 px, e.g. a 40x90 brow) ``calc``
    skips every level and reads buffers it never filled -- the result then depends on earlier calls of
    the same object, and a fresh object segfaults -- so the finest scale is lowered to the coarsest one
    there (what later OpenCV versions do themselves). And a DIS object is not thread-safe and keeps
    buffers from its last call, so every call uses a fresh one (~5 us).
    """

    def flow(ref: np.ndarray, cur: np.ndarray) -> np.ndarray:
        h, w = ref.shape[:2]
        coarsest = dis_coarsest_scale(h, w) if min(h, w) >= DIS_PATCH else -1
        if coarsest < 0:  # DIS needs at least one 8x8 patch (OpenCV raises below ~12 px)
            return np.zeros((h, w, 2), np.float32)
        dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
        if coarsest < DIS_FINEST_SCALE:
            dis.setFinestScale(coarsest)
        return dis.calc(np.ascontiguousarray(ref), np.ascontiguousarray(cur), None)

    return flow


def create_flow(name: str = "farneback") -> FlowFn:
    """A flow function ``(ref_gray_uint8, cur_gray_uint8) -> (H, W, 2) float32 (dx, dy) in pixels``."""
    return FLOW_BACKENDS.get(name)()


def list_flows() -> list[str]:
    """Names of the registered optical-flow backends."""
    return FLOW_BACKENDS.names()


def top_p_mean(flow: np.ndarray, p: float) -> np.ndarray:
    """Mean (dx, dy) over the fraction ``p`` of pixels with the largest flow magnitude (§1.4).

    Returns (0, 0) for an empty field.
    """
    f = flow.reshape(-1, 2)
    n = f.shape[0]
    if n == 0:
        return np.zeros(2, np.float64)
    keep = max(1, int(p * n))
    mag = f[:, 0] * f[:, 0] + f[:, 1] * f[:, 1]
    if keep >= n:
        return f.mean(axis=0, dtype=np.float64)
    idx = np.argpartition(mag, n - keep)[n - keep :]
    return f[idx].mean(axis=0, dtype=np.float64)
