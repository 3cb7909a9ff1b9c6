"""Validation of the inputs of the classic methods: RGB traces (T, 3) and skin pixels (T, N, 3).

Every problem becomes a named error (:class:`InputError` / :class:`SignalError`) whose message names
the method and what is wrong, never a traceback from deep inside numpy.
"""

from __future__ import annotations

import numpy as np

from micropulse.errors import InputError, SignalError


def _as_float_array(x: object, method: str) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{method}: input must be a numeric array, got {type(x).__name__}") from None
    return arr


def _check_finite(arr: np.ndarray, method: str, what: str) -> None:
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise SignalError(
            f"{method}: {what} contains NaN or inf (first at frame {int(bad[0])}); fill or interpolate "
            "the gaps first (micropulse.signals.fill_gaps)"
        )


def _check_length(n_frames: int, min_frames: int, method: str) -> None:
    if n_frames < min_frames:
        raise SignalError(
            f"{method}: input too short: {n_frames} frames, this method needs at least {min_frames} "
            "(one analysis window at this sampling rate)"
        )


def as_pixels(x: object, method: str, min_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Skin pixels as a float64 array (T, N, 3) and the boolean mask (T, N) of usable pixels.

    Accepts (T, N, 3) or (T, H, W, 3) non-negative values. A pixel whose three channels are all
    zero is treated as masked out (the convention of skin-masked face crops); every frame needs at
    least one usable pixel.
    """
    arr = _as_float_array(x, method)
    if arr.ndim == 4 and arr.shape[-1] == 3:
        arr = arr.reshape(arr.shape[0], -1, 3)
    if arr.ndim != 3 or arr.shape[-1] != 3:
        hint = (
            " (that is an RGB trace; this method needs the skin pixels of every frame)"
            if arr.ndim == 2
            else ""
        )
        raise InputError(
            f"{method}: expected pixels of shape (T, N, 3) or (T, H, W, 3), got {arr.shape}{hint}"
        )
    if arr.shape[1] == 0:
        raise InputError(f"{method}: pixel array has no pixels (shape {arr.shape})")
    _check_length(arr.shape[0], min_frames, method)
    _check_finite(arr, method, "pixel array")
    if np.any(arr < 0):
        raise InputError(f"{method}: pixel values must be >= 0 (any positive colour scale)")
    valid = np.any(arr > 0, axis=2)
    empty = ~np.any(valid, axis=1)
    if np.any(empty):
        raise SignalError(f"{method}: frame {int(np.argmax(empty))} has no usable (non-black) skin pixel")
    return arr, valid


def spatial_mean(pixels: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Mean colour (T, 3) of the usable pixels of each frame."""
    weights = valid / valid.sum(axis=1, keepdims=True)
    return np.matmul(weights[:, None, :], pixels)[:, 0, :]


def as_rgb_trace(x: object, method: str, min_frames: int) -> np.ndarray:
    """An RGB trace as a float64 array (T, 3) with strictly positive, finite values.

    A trace is the mean skin colour per frame in any positive scale (0-255, 0-1, raw sums).
    Pixel arrays (T, N, 3) or (T, H, W, 3) are accepted too and averaged over their usable pixels.
    """
    arr = _as_float_array(x, method)
    if arr.ndim in (3, 4) and arr.shape[-1] == 3:
        pixels, valid = as_pixels(arr, method, min_frames)
        arr = spatial_mean(pixels, valid)
    if arr.ndim != 2 or arr.shape[1] != 3:
        hint = (
            " (transposed? pass frames along the first axis)" if arr.ndim == 2 and arr.shape[0] == 3 else ""
        )
        raise InputError(f"{method}: expected an RGB trace of shape (T, 3), got {arr.shape}{hint}")
    _check_length(arr.shape[0], min_frames, method)
    _check_finite(arr, method, "RGB trace")
    if np.any(arr <= 0):
        frame, channel = np.argwhere(arr <= 0)[0]
        raise InputError(
            f"{method}: RGB trace values must be > 0 (mean skin colour in any positive scale); "
            f"frame {int(frame)} channel {'RGB'[int(channel)]} is {arr[frame, channel]:g}"
        )
    return arr
