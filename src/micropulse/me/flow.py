"""Optical-flow backends for micro-expression features (specs/micro-expressions.md §1.4) and top-p pooling."""

from __future__ import annotations

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


@FLOW_BACKENDS.register("dis")
def _dis() -> FlowFn:
    """OpenCV DIS (fast preset): the fast option; not what the published numbers used."""
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)

    def flow(ref: np.ndarray, cur: np.ndarray) -> np.ndarray:
        if min(ref.shape[:2]) < 8:  # DIS needs at least one 8x8 patch
            return np.zeros((*ref.shape[:2], 2), np.float32)
        return dis.calc(np.ascontiguousarray(ref), np.ascontiguousarray(cur), None)

    return flow


def create_flow(name: str = "farneback") -> FlowFn:
    """A flow function ``(ref_gray_uint8, cur_gray_uint8) -> (H, W, 2) float32 (dx, dy) in pixels``."""
    return FLOW_BACKENDS.get(name)()


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
