"""Input transforms bound to weights: resize the face crops, then normalise as the weights were trained.

Face crops come from the front end, cut by the weights' crop geometry (``WeightsInfo.crop``), as uint8
``(T, H, W, 3)`` RGB. Normalisations (§3.3):

* ``DiffNormalized``: ``d_t = (c_{t+1} - c_t) / (c_{t+1} + c_t + 1e-7)``, divided by the std of all d over the
  whole video, a zero frame appended (length kept), NaN -> 0.
* ``Standardized``: ``(c - mean) / std`` with ONE scalar mean/std over all frames, pixels and channels.
* ``ChannelStandardized`` (open-rppg): ``x = c / 255`` z-scored per colour channel over each model chunk
  (``(x - mean_c) / (std_c + 1e-6)``); done per chunk because open-rppg does it inside the model call.

The first two are whole-video (non-causal, trap 13). :class:`RunningNormalizer` is the causal version for
streaming: it uses the statistics of the frames seen SO FAR (a cumulative mean/variance), so early frames
are scaled with fewer samples and a drifting video is scaled by its past, not its future. For a
stationary video it converges to the whole-video result; DiffNormalized additionally lags one frame
(``d_t`` needs frame t+1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from micropulse.errors import InputError
from micropulse.rppg.deep.info import NORMALISATIONS, WeightsInfo

#: Normalisations computed per model chunk rather than over the whole video.
CHUNK_SCOPED: frozenset[str] = frozenset({"ChannelStandardized"})


def check_crops(crops: np.ndarray) -> np.ndarray:
    """Validate uint8 face crops ``(T, H, W, 3)``; return them as a C-contiguous array."""
    arr = np.asarray(crops)
    if arr.ndim != 4 or arr.shape[-1] != 3:
        raise InputError(f"face crops must be (T, H, W, 3) RGB; got shape {arr.shape}")
    if arr.dtype != np.uint8:
        raise InputError(f"face crops must be uint8 (0-255); got dtype {arr.dtype}")
    if arr.shape[0] < 2:
        raise InputError(f"need at least 2 face crops; got {arr.shape[0]}")
    return np.ascontiguousarray(arr)


def resize_crops(crops: np.ndarray, size: int, batch: int = 256) -> np.ndarray:
    """Resize uint8 crops ``(T, H, W, 3)`` to ``(T, size, size, 3)`` uint8.

    Shrinking uses area averaging (cv2 INTER_AREA for integer ratios; the toolbox's choice, §3.2),
    enlarging uses bilinear. Output is rounded to uint8 like cv2's resize of a uint8 frame.
    """
    crops = check_crops(crops)
    if size <= 0:
        raise InputError(f"resize size must be positive; got {size}")
    t, h, w, _ = crops.shape
    if (h, w) == (size, size):
        return crops
    out = np.empty((t, size, size, 3), dtype=np.uint8)
    mode = "area" if h >= size and w >= size else "bilinear"
    for start in range(0, t, batch):
        x = torch.from_numpy(crops[start : start + batch]).permute(0, 3, 1, 2).float()
        kwargs = {} if mode == "area" else {"align_corners": False}
        y = F.interpolate(x, size=(size, size), mode=mode, **kwargs)
        out[start : start + batch] = y.round().clamp(0, 255).byte().permute(0, 2, 3, 1).numpy()
    return out


def diff_normalized(frames: np.ndarray) -> np.ndarray:
    """Whole-video DiffNormalized (§3.3): ``(T, H, W, C)`` -> float32 of the same shape."""
    c = np.asarray(frames, dtype=np.float32)
    d = (c[1:] - c[:-1]) / (c[1:] + c[:-1] + 1e-7)
    std = float(d.std(dtype=np.float64))
    d = d / std if std > 0 else np.zeros_like(d)
    out = np.concatenate([d, np.zeros_like(c[:1])], axis=0)
    return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32, copy=False)


def standardized(frames: np.ndarray) -> np.ndarray:
    """Whole-video Standardized (§3.3): one scalar mean and std over everything; float32."""
    c = np.asarray(frames, dtype=np.float32)
    std = float(c.std(dtype=np.float64))
    out = (c - float(c.mean(dtype=np.float64))) / std if std > 0 else np.zeros_like(c)
    return np.nan_to_num(out, nan=0.0).astype(np.float32, copy=False)


#: The 256 values of a uint8 channel after open-rppg's ``c / 255`` (float64).
_LEVELS = np.arange(256) / 255.0


def channel_standardized(frames: np.ndarray, batch: int = 16) -> np.ndarray:
    """open-rppg's per-chunk input normalisation: ``c/255`` z-scored per colour channel, eps 1e-6; float32.

    uint8 frames go through a histogram: per channel, the exact float64 mean and (two-pass) std come from
    the counts of the 256 levels, and the output is a 256-entry float32 table indexed by the pixels — no
    float64 copy of the frames (9x faster on a 160-frame 128x128 chunk, same values up to float64
    rounding of the statistics). Other dtypes are z-scored in float64 directly.
    """
    arr = np.asarray(frames)
    if arr.dtype != np.uint8 or arr.ndim != 4 or arr.shape[-1] != 3:
        x = arr.astype(np.float64) / 255.0  # float64 statistics: float32 sums drift by ~1e-3
        mean = x.mean(axis=(0, 1, 2), keepdims=True)
        std = x.std(axis=(0, 1, 2), keepdims=True)
        return ((x - mean) / (std + 1e-6)).astype(np.float32)
    out = np.empty(arr.shape, np.float32)
    if arr.size == 0:
        return out
    for c in range(3):
        counts = np.zeros(256, np.int64)
        for start in range(0, arr.shape[0], batch):
            counts += np.bincount(arr[start : start + batch, ..., c].ravel(), minlength=256)
        n = float(counts.sum())
        mean = float(counts @ _LEVELS) / n
        std = float(np.sqrt(float(counts @ np.square(_LEVELS - mean)) / n))
        table = ((_LEVELS - mean) / (std + 1e-6)).astype(np.float32)
        out[..., c] = table[arr[..., c]]
    return out


_NORMALISERS = {
    "DiffNormalized": diff_normalized,
    "Standardized": standardized,
    "ChannelStandardized": channel_standardized,
}
assert set(_NORMALISERS) == set(NORMALISATIONS)  # one implementation per declared normalisation


def normalise(frames: np.ndarray, normalisation: str) -> np.ndarray:
    """Apply a named normalisation to ``(T, H, W, 3)`` frames (uint8 or float) -> float32."""
    try:
        fn = _NORMALISERS[normalisation]
    except KeyError:
        raise InputError(
            f"unknown normalisation {normalisation!r}; known: {', '.join(NORMALISATIONS)}"
        ) from None
    return fn(frames)


def _video_scale(frames: np.ndarray, normalisation: str, batch: int = 512) -> tuple[float, float]:
    """Whole-video (mean, std) that :func:`normalise` would use, accumulated in float64 batches."""
    n, total, total_sq = 0, 0.0, 0.0
    t = frames.shape[0]
    for start in range(0, t, batch):
        if normalisation == "DiffNormalized":
            c = frames[start : min(start + batch + 1, t)].astype(np.float32)
            if c.shape[0] < 2:
                break
            v = (c[1:] - c[:-1]) / (c[1:] + c[:-1] + 1e-7)
        else:
            v = frames[start : start + batch].astype(np.float32)
        n += v.size
        total += float(v.sum(dtype=np.float64))
        total_sq += float(np.square(v, dtype=np.float64).sum())
    mean = total / n
    return mean, float(np.sqrt(max(total_sq / n - mean * mean, 0.0)))


@dataclass(frozen=True)
class PreparedVideo:
    """Resized uint8 frames plus the whole-video statistics of their normalisation.

    :meth:`window` returns normalised float32 frames for any range, so a long video is never held in
    float32 at once. ``window(0, T)`` equals :func:`normalise` of the whole video (up to float rounding).
    """

    frames: np.ndarray
    normalisation: str
    mean: float
    std: float

    def __len__(self) -> int:
        return int(self.frames.shape[0])

    def window(self, start: int, stop: int) -> np.ndarray:
        """Normalised frames ``[start, stop)`` as float32 ``(stop - start, H, W, 3)``."""
        t = len(self)
        if not 0 <= start < stop <= t:
            raise InputError(f"window [{start}, {stop}) is outside the video of {t} frames")
        if self.normalisation in CHUNK_SCOPED:
            return normalise(self.frames[start:stop], self.normalisation)
        if self.normalisation == "Standardized":
            c = self.frames[start:stop].astype(np.float32)
            return ((c - self.mean) / self.std if self.std > 0 else np.zeros_like(c)).astype(np.float32)
        c = self.frames[start : min(stop + 1, t)].astype(np.float32)
        d = (c[1:] - c[:-1]) / (c[1:] + c[:-1] + 1e-7)
        d = d / self.std if self.std > 0 else np.zeros_like(d)
        if d.shape[0] < stop - start:  # the window reaches the last frame: DiffNormalized appends a zero
            d = np.concatenate([d, np.zeros_like(c[:1])], axis=0)
        return np.nan_to_num(d, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)


@dataclass(frozen=True)
class InputTransform:
    """The input a set of weights needs: crop side (pixels) and normalisation, from :class:`WeightsInfo`."""

    size: int
    normalisation: str

    @classmethod
    def from_info(cls, info: WeightsInfo) -> InputTransform:
        return cls(size=int(info.input_size), normalisation=info.normalisation)

    @property
    def chunk_scoped(self) -> bool:
        return self.normalisation in CHUNK_SCOPED

    def prepare(self, crops: np.ndarray) -> PreparedVideo:
        """uint8 crops ``(T, S, S, 3)`` -> :class:`PreparedVideo` (resized; normalised on demand)."""
        resized = resize_crops(crops, self.size)
        if self.chunk_scoped:
            mean, std = 0.0, 1.0
        else:
            mean, std = _video_scale(resized, self.normalisation)
        return PreparedVideo(resized, self.normalisation, mean, std)

    def __call__(self, crops: np.ndarray) -> np.ndarray:
        """Whole-video transform: uint8 crops -> normalised float32 ``(T, size, size, 3)``."""
        return normalise(resize_crops(crops, self.size), self.normalisation)

    def running(self) -> RunningNormalizer:
        """A causal normaliser for streaming (see the module docstring for how it differs)."""
        return RunningNormalizer(self.normalisation)


def transform_for(info: WeightsInfo) -> InputTransform:
    """The input transform bound to a set of weights."""
    return InputTransform.from_info(info)


class RunningNormalizer:
    """Causal normalisation for streaming: statistics of all frames seen so far (cumulative, float64).

    ``push(frames)`` takes resized frames ``(k, H, W, 3)`` in order and returns the normalised frames
    available so far: the same k frames for Standardized/ChannelStandardized; for DiffNormalized the
    differences ``d_{t-1} = f(c_t, c_{t-1})`` — one frame of latency, the first push returns k-1 frames.
    ChannelStandardized uses running per-channel statistics (open-rppg itself is per chunk).
    """

    def __init__(self, normalisation: str) -> None:
        if normalisation not in NORMALISATIONS:
            raise InputError(f"unknown normalisation {normalisation!r}; known: {', '.join(NORMALISATIONS)}")
        self.normalisation = normalisation
        self._n = 0
        self._sum = 0.0
        self._sumsq = 0.0
        self._csum = np.zeros(3)
        self._csumsq = np.zeros(3)
        self._cn = 0
        self._last: np.ndarray | None = None

    def _update(self, values: np.ndarray) -> tuple[float, float]:
        self._n += values.size
        self._sum += float(values.sum(dtype=np.float64))
        self._sumsq += float(np.square(values, dtype=np.float64).sum())
        mean = self._sum / self._n
        var = max(self._sumsq / self._n - mean * mean, 0.0)
        return mean, float(np.sqrt(var))

    def push(self, frames: np.ndarray) -> np.ndarray:
        c = np.asarray(frames, dtype=np.float32)
        if c.ndim != 4 or c.shape[-1] != 3:
            raise InputError(f"frames must be (k, H, W, 3); got shape {c.shape}")
        if self.normalisation == "Standardized":
            mean, std = self._update(c)
            return ((c - mean) / std if std > 0 else np.zeros_like(c)).astype(np.float32)
        if self.normalisation == "ChannelStandardized":
            x = c / np.float32(255.0)
            self._cn += x.shape[0] * x.shape[1] * x.shape[2]
            self._csum += x.sum(axis=(0, 1, 2), dtype=np.float64)
            self._csumsq += np.square(x, dtype=np.float64).sum(axis=(0, 1, 2))
            mean = self._csum / self._cn
            std = np.sqrt(np.maximum(self._csumsq / self._cn - mean**2, 0.0))
            return ((x - mean) / (std + 1e-6)).astype(np.float32)
        seq = c if self._last is None else np.concatenate([self._last[None], c], axis=0)
        self._last = c[-1].copy()
        if seq.shape[0] < 2:
            return np.zeros((0,) + c.shape[1:], dtype=np.float32)
        d = (seq[1:] - seq[:-1]) / (seq[1:] + seq[:-1] + 1e-7)
        _, std = self._update(d)
        out = d / std if std > 0 else np.zeros_like(d)
        return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)
