"""The front end's one rule for face segments and one rule for the frame clock (pure numpy).

* **Segments**: frames with a face, with gaps up to ``max_gap_s`` bridged, form segments; ``longest``
  analyses the longest segment (by duration), ``whole`` every frame of the video.
* **Clock**: container timestamps that follow ``index / fps`` within half a frame are regular (Matroska
  rounds them to milliseconds) and the nominal rate is used; anything else (variable frame rate, dropped
  frames) is put on a uniform grid at the mean rate of the stretch.
* **Filling**: inside the analysed stretch, colour rows without a face are interpolated linearly in time
  (ends: the nearest value); crops without a face hold the last crop (before the first face: the first).
* **Model rate** for deep models, by the weights' ``fps_policy``: ``resample`` (frames blended linearly in
  time), ``repeat`` (nearest earlier frame in time, open-rppg's rule: frames repeated or dropped) or
  ``none`` (frames as decoded).
"""

from __future__ import annotations

import numpy as np

from micropulse.errors import SignalError

#: open-rppg emits a frame for model sample k once the video time reaches (k - 0.3) / fs.
REPEAT_LEAD = 0.3


def face_segments(found: np.ndarray, times_s: np.ndarray, max_gap_s: float) -> list[tuple[int, int]]:
    """Index ranges ``[start, stop)`` of face presence, gaps up to ``max_gap_s`` seconds bridged.

    A gap is the time between the last frame with a face and the next one, less one frame interval:
    one missing frame at 30 fps is a 0.033-s gap.
    """
    idx = np.flatnonzero(np.asarray(found, bool))
    if idx.size == 0:
        return []
    t = np.asarray(times_s, float)
    dt = float(np.median(np.diff(t))) if t.size > 1 else 0.0
    gaps = np.diff(t[idx]) - dt
    cuts = np.flatnonzero(gaps > max_gap_s + 1e-9)
    starts = np.concatenate([[idx[0]], idx[cuts + 1]])
    stops = np.concatenate([idx[cuts] + 1, [idx[-1] + 1]])
    return [(int(a), int(b)) for a, b in zip(starts, stops, strict=True)]


def choose_segment(
    found: np.ndarray, times_s: np.ndarray, segment: str, max_gap_s: float, min_seconds: float, fps: float, name: str
) -> tuple[int, int]:
    """The analysed frames ``[start, stop)`` by the segment rule; :class:`SignalError` when too short."""
    t = np.asarray(times_s, float)
    segs = face_segments(found, t, max_gap_s)
    if not segs:
        raise SignalError(f"{name}: no frame with a usable face")
    if segment == "whole":
        start, stop = 0, t.size
    else:
        start, stop = max(segs, key=lambda s: t[s[1] - 1] - t[s[0]])
    length = (t[stop - 1] - t[start] + 1.0 / fps) if stop - start > 1 else 0.0
    if length < min_seconds:
        where = "in one stretch" if segment == "longest" else "in the video"
        raise SignalError(
            f"{name}: only {length:.2f} s of face {where}; at least {min_seconds:g} s are needed for a heart rate"
        )
    return int(start), int(stop)


def is_regular(times_s: np.ndarray, fps: float) -> bool:
    """Timestamps follow ``t0 + index / fps`` within half a frame."""
    t = np.asarray(times_s, float)
    return bool(fps > 0 and t.size > 0 and np.max(np.abs(t - (t[0] + np.arange(t.size) / fps))) < 0.5 / fps)


def frame_rate(times_s: np.ndarray, fps: float) -> float:
    """Rate of the uniform grid, Hz: the nominal ``fps`` for regular stamps, else the mean rate."""
    t = np.asarray(times_s, float)
    if is_regular(t, fps) or t.size < 2 or t[-1] <= t[0]:
        return float(fps)
    return float((t.size - 1) / (t[-1] - t[0]))


def fill_rows(values: np.ndarray, valid: np.ndarray, times_s: np.ndarray) -> np.ndarray:
    """Rows of ``values`` (T, C) where ``valid`` is False, interpolated linearly in time (ends: nearest)."""
    out = np.array(values, dtype=np.float64, copy=True)
    ok = np.asarray(valid, bool)
    if ok.all() or not ok.any():
        return out
    t = np.asarray(times_s, float)
    for c in range(out.shape[1]):
        out[~ok, c] = np.interp(t[~ok], t[ok], out[ok, c])
    return out


def hold_index(valid: np.ndarray) -> np.ndarray:
    """For every frame, the index of the last valid frame at or before it (before the first: the first)."""
    ok = np.asarray(valid, bool)
    idx = np.where(ok, np.arange(ok.size), -1)
    idx = np.maximum.accumulate(idx)
    first = int(np.argmax(ok)) if ok.any() else 0
    return np.where(idx < 0, first, idx)


def uniform_rows(times_s: np.ndarray, values: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """(T, C) rows at ``times_s`` -> ``(t_uniform, rows)`` at ``fs`` Hz from the first time (linear)."""
    t = np.asarray(times_s, float)
    n = int(np.floor((t[-1] - t[0]) * fs + 1e-9)) + 1
    tu = t[0] + np.arange(n) / fs
    return tu, np.column_stack([np.interp(tu, t, values[:, c]) for c in range(values.shape[1])])


def model_rate_index(times_s: np.ndarray, fs_model: float, policy: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each model sample takes its frame from, by the frame-rate ``policy``.

    Returns ``(t_model, lo, frac)``: model sample times (seconds), the frame index below each and the
    blend weight of the next frame (``resample``: linear in time; ``repeat``: weight 0 on the frame that
    open-rppg would emit; ``none``: the frames themselves).
    """
    t = np.asarray(times_s, float)
    if policy == "none":
        return t.copy(), np.arange(t.size), np.zeros(t.size)
    lead = REPEAT_LEAD if policy == "repeat" else 0.0
    n = int(np.floor((t[-1] - t[0]) * fs_model + lead + 1e-9)) + 1
    rel = t - t[0]
    k = np.arange(n)
    tm = t[0] + k / fs_model
    if policy == "repeat":
        lo = np.searchsorted(rel, (k - REPEAT_LEAD) / fs_model - 1e-12, side="left")
        return tm, np.minimum(lo, t.size - 1), np.zeros(n)
    pos = np.interp(tm, t, np.arange(t.size, dtype=float))
    lo = np.minimum(np.floor(pos).astype(int), t.size - 1)
    return tm, lo, pos - lo


def gather_frames(frames: np.ndarray, lo: np.ndarray, frac: np.ndarray, block: int = 256) -> np.ndarray:
    """uint8 frames ``(T, H, W, 3)`` at (``lo``, ``frac``): ``(1 - frac) * f[lo] + frac * f[lo + 1]``."""
    out = np.empty((lo.size,) + frames.shape[1:], dtype=np.uint8)
    hi = np.minimum(lo + 1, frames.shape[0] - 1)
    for s in range(0, lo.size, block):
        sl = slice(s, s + block)
        w = frac[sl].astype(np.float32)[:, None, None, None]
        if not np.any(w):
            out[sl] = frames[lo[sl]]
            continue
        blend = (1 - w) * frames[lo[sl]].astype(np.float32) + w * frames[hi[sl]].astype(np.float32)
        out[sl] = np.clip(np.round(blend), 0, 255).astype(np.uint8)
    return out


class ModelRateFrames:
    """:func:`gather_frames` on demand: ``(N, H, W, 3)`` uint8 frames at the model's rate, computed for the
    range asked for, so a long video never has all its model-rate frames in memory at once.

    ``frames`` is anything indexable by an index array like a ``(T, H, W, 3)`` uint8 array (an array, a
    memory map or a :class:`~micropulse.io.spill.FrameSpool`). Slicing with step 1 gives exactly what
    ``gather_frames(frames, lo, frac)[start:stop]`` gives.
    """

    dtype = np.dtype(np.uint8)
    ndim = 4

    def __init__(self, frames, lo: np.ndarray, frac: np.ndarray) -> None:  # noqa: ANN001 - array-like
        self._frames = frames
        self._lo = np.asarray(lo, dtype=np.int64)
        self._frac = np.asarray(frac, dtype=float)
        self.shape = (int(self._lo.size), *tuple(frames.shape[1:]))

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, index: slice) -> np.ndarray:
        if not isinstance(index, slice) or index.indices(self.shape[0])[2] != 1:
            raise TypeError("ModelRateFrames supports slices with step 1 only")
        start, stop, _ = index.indices(self.shape[0])
        lo, frac = self._lo[start:stop], self._frac[start:stop]
        if lo.size == 0:
            return np.empty((0, *self.shape[1:]), np.uint8)
        # the frames this range touches (each lo and lo + 1), read once; sorted and unique, so local
        # index + 1 is frame lo + 1 and gather_frames' own rule applies unchanged
        last = self._frames.shape[0] - 1
        need = np.unique(np.concatenate([lo, np.minimum(lo + 1, last)]))
        return gather_frames(np.asarray(self._frames[need]), np.searchsorted(need, lo), frac)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:  # noqa: ANN001 - numpy protocol
        out = self[0 : self.shape[0]]
        return out if dtype is None else out.astype(dtype, copy=False)
