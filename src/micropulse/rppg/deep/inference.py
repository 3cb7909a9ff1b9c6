"""Deep rPPG inference on a video of any length: ``predict_bvp(model, crops, fs) -> bvp (T,)``.

Steps: the weights' metadata picks the input transform (crop size, normalisation) and frame rate; the
crops are resampled in time to that frame rate if needed; the model runs either on the whole sequence
(RhythmMamba) or on overlapping chunks of the training chunk length whose outputs are z-scored (as the
trainers do, specs/rppg.md §1.6) and overlap-added with a Hann window. RhythmFormer returns
``8*floor(D/8)`` frames: chunks are cut to a multiple of 8 and the last chunk is aligned to the video's
end, so every frame is covered. Models trained on DiffNormalized labels (PhysNet) predict the first
difference of the pulse: the result is integrated (cumsum + detrend lambda=100, the toolbox's recipe, §4.1).
Weights whose metadata says ``inference="openrppg"`` (open-rppg's ``.h5`` files) run as open-rppg runs them:
consecutive chunks, the last padded with its last frame, raw outputs joined.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from micropulse.errors import InputError, SignalError
from micropulse.progress import progress
from micropulse.rppg.deep.info import WeightsInfo
from micropulse.rppg.deep.registry import ModelSpec, get_spec
from micropulse.rppg.deep.transforms import (
    PreparedVideo,
    _video_scale,
    check_crops,
    resize_crops,
    transform_for,
)
from micropulse.signals.filters import check_fs, detrend

logger = logging.getLogger(__name__)

#: Longest video (frames, at the model's rate) run as one sequence by whole-sequence models.
WHOLE_SEQUENCE_MAX_FRAMES = 1800
#: Relative frame-rate mismatch tolerated before resampling the crops in time.
FS_TOLERANCE = 0.01


@dataclass(frozen=True)
class ChunkPlan:
    """Where the chunks of a video start, and their common length (frames)."""

    starts: tuple[int, ...]
    length: int
    total: int


def plan_chunks(total: int, length: int, overlap: float, multiple: int, min_frames: int) -> ChunkPlan:
    """Cover ``total`` frames with chunks of ``length`` (cut to a multiple of ``multiple``) and ``overlap``.

    The last chunk is aligned to the end. A video shorter than ``length`` becomes one chunk of
    ``multiple*floor(total/multiple)`` frames aligned to the end (the first frames are then filled by
    edge extension in :func:`overlap_add`).
    """
    if not 0.0 <= overlap < 1.0:
        raise InputError(f"overlap must be in [0, 1); got {overlap}")
    length = min(int(length), total) // multiple * multiple
    if length < min_frames:
        raise SignalError(f"video too short for this model: {total} frames, needs at least {min_frames}")
    hop = max(1, int(round(length * (1.0 - overlap))))
    starts = list(range(0, total - length + 1, hop))
    if starts[-1] != total - length:
        starts.append(total - length)
    return ChunkPlan(tuple(starts), length, total)


def zscore(y: np.ndarray) -> np.ndarray:
    """``(y - mean) / std`` (population std); a flat chunk becomes zeros."""
    y = np.asarray(y, dtype=np.float64)
    std = y.std()
    return (y - y.mean()) / std if std > 0 else np.zeros_like(y)


def overlap_add(chunks: list[np.ndarray], starts: tuple[int, ...], total: int) -> np.ndarray:
    """Hann-weighted overlap-add of chunk outputs into a ``(total,)`` signal.

    Each chunk ``k`` covers ``[starts[k], starts[k] + len(chunks[k]))``. Frames no chunk covers (only
    possible before the first start) take the first covered value.
    """
    acc = np.zeros(total)
    weight = np.zeros(total)
    for start, y in zip(starts, chunks, strict=True):
        n = len(y)
        w = np.hanning(n + 2)[1:-1]  # strictly positive, so video edges keep their only chunk
        acc[start : start + n] += w * y
        weight[start : start + n] += w
    covered = weight > 0
    out = np.zeros(total)
    out[covered] = acc[covered] / weight[covered]
    if not covered.all():
        first = int(np.argmax(covered))
        out[:first] = out[first]
    return out


def resample_frames(frames: np.ndarray, fs_in: float, fs_out: float) -> np.ndarray:
    """Linear-in-time resampling of uint8 frames ``(T, H, W, 3)`` from ``fs_in`` to ``fs_out`` Hz."""
    t = frames.shape[0]
    n_out = int(np.floor((t - 1) * fs_out / fs_in)) + 1
    pos = np.arange(n_out) * (fs_in / fs_out)
    lo = np.minimum(np.floor(pos).astype(int), t - 1)
    hi = np.minimum(lo + 1, t - 1)
    frac = (pos - lo).astype(np.float32)[:, None, None, None]
    out = np.empty((n_out,) + frames.shape[1:], dtype=np.uint8)
    for s in range(0, n_out, 256):
        sl = slice(s, s + 256)
        blend = (1 - frac[sl]) * frames[lo[sl]].astype(np.float32) + frac[sl] * frames[hi[sl]].astype(
            np.float32
        )
        out[sl] = np.clip(np.round(blend), 0, 255).astype(np.uint8)
    return out


def _run(model: nn.Module, window: np.ndarray, device: torch.device) -> np.ndarray:
    """One forward: float32 ``(D, H, W, 3)`` -> ``(D',)`` numpy."""
    x = torch.from_numpy(np.ascontiguousarray(window)).permute(0, 3, 1, 2).unsqueeze(0).to(device)
    with torch.no_grad():
        y = model(x)
    y = y.detach().cpu().numpy().reshape(-1)
    if not np.all(np.isfinite(y)):
        raise SignalError("the model produced non-finite values (NaN/inf); check the input video and weights")
    return y


def _predict_chunked(
    model, video: PreparedVideo, spec: ModelSpec, length: int, overlap: float, device, show
) -> np.ndarray:
    plan = plan_chunks(len(video), length, overlap, spec.frame_multiple, spec.min_frames)
    outputs = []
    with progress(len(plan.starts), f"{spec.name} chunks", enabled=show) as advance:
        for start in plan.starts:
            y = _run(model, video.window(start, start + plan.length), device)
            if len(y) != plan.length:
                raise SignalError(f"{spec.name} returned {len(y)} frames for a {plan.length}-frame chunk")
            outputs.append(zscore(y))
            advance()
    return overlap_add(outputs, plan.starts, plan.total)


def _predict_consecutive(model, video: PreparedVideo, spec: ModelSpec, length: int, device, show) -> np.ndarray:
    """open-rppg's rule: consecutive chunks of ``length`` frames, the last one padded with its last frame,
    raw outputs joined (no per-chunk z-score); a video shorter than one chunk is one padded chunk."""
    total = len(video)
    if total < spec.min_frames:
        raise SignalError(f"video too short for {spec.name}: {total} frames, needs at least {spec.min_frames}")
    starts = range(0, total, length)
    out = np.empty(total)
    with progress(len(starts), f"{spec.name} chunks", enabled=show) as advance:
        for start in starts:
            stop = min(start + length, total)
            window = video.window(start, stop)
            if stop - start < length:
                window = np.concatenate([window, np.repeat(window[-1:], length - (stop - start), axis=0)])
            y = _run(model, window, device)
            if len(y) != length:
                raise SignalError(f"{spec.name} returned {len(y)} frames for a {length}-frame chunk")
            out[start:stop] = y[: stop - start]
            advance()
    return out


def _predict_whole(model, video: PreparedVideo, spec: ModelSpec, device) -> np.ndarray:
    total = len(video)
    usable = total // spec.frame_multiple * spec.frame_multiple
    if usable < spec.min_frames:
        raise SignalError(
            f"video too short for {spec.name}: {total} frames, needs at least {spec.min_frames}"
        )
    y = zscore(_run(model, video.window(total - usable, total), device))
    return overlap_add([y], (total - usable,), total)


def _lazy_at_model_size(crops, size: int) -> bool:  # noqa: ANN001 - array-like
    """A non-array frame sequence of uint8 ``(T, size, size, 3)`` (anything else is made an array)."""
    if isinstance(crops, np.ndarray) or not hasattr(crops, "shape") or not hasattr(crops, "__getitem__"):
        return False
    shape = tuple(crops.shape)
    if len(shape) != 4 or shape[1:] != (size, size, 3) or np.dtype(getattr(crops, "dtype", None)) != np.uint8:
        return False
    if shape[0] < 2:
        raise InputError(f"need at least 2 face crops; got {shape[0]}")
    return True


def _prepare_lazy(frames, transform) -> PreparedVideo:  # noqa: ANN001
    """:meth:`InputTransform.prepare` for frames already at the model's size, without holding them all:
    the whole-video statistics are accumulated batch by batch and windows are read on demand."""
    if transform.chunk_scoped:
        return PreparedVideo(frames, transform.normalisation, 0.0, 1.0)
    return PreparedVideo(frames, transform.normalisation, *_video_scale(frames, transform.normalisation))


def predict_bvp(
    model: nn.Module,
    crops: np.ndarray,
    fs: float,
    weights_info: WeightsInfo | None = None,
    *,
    chunk_length: int | None = None,
    overlap: float = 0.5,
    whole_sequence: bool | None = None,
    device: str | None = None,
    show_progress: bool = False,
) -> np.ndarray:
    """Predict the blood-volume pulse of a face video, one value per input frame.

    Args:
        model: from :func:`~micropulse.rppg.deep.create_model` (its ``weights_info`` is used when
            ``weights_info`` is None).
        crops: uint8 face crops ``(T, H, W, 3)`` RGB cut by the weights' crop geometry
            (``weights_info.crop``), any size; or a lazy frame sequence at the model's size and rate (with
            ``shape``, ``dtype`` uint8 and slicing, e.g. :class:`~micropulse.frontend.clock.ModelRateFrames`),
            read one chunk at a time so memory does not grow with the video's length.
        fs: frame rate of ``crops``, Hz.
        weights_info: metadata selecting the input transform, frame rate and chunk length.
        chunk_length: frames per chunk at the model's rate (default: the weights' training chunk).
        overlap: fraction of a chunk shared with the next one (0.5: Hann windows sum to ~1); used by the
            ``overlap-add`` inference rule (weights whose ``inference`` is ``openrppg`` run consecutive chunks,
            as open-rppg does, unless ``whole_sequence`` is given).
        whole_sequence: run the whole video at once (default: yes for whole-sequence models such as
            RhythmMamba with video-level normalisation, up to :data:`WHOLE_SEQUENCE_MAX_FRAMES`).
        device: torch device (default: the model's).
        show_progress: draw a progress bar over chunks.

    Returns:
        ``bvp`` float64 ``(T,)``, z-scored (unitless), aligned with the input frames.
    """
    info = weights_info if weights_info is not None else getattr(model, "weights_info", None)
    if info is None:
        raise InputError("predict_bvp needs weights metadata: pass weights_info= or use create_model()")
    fs = check_fs(fs)
    spec = get_spec(info.arch)
    transform = transform_for(info)
    lazy = _lazy_at_model_size(crops, transform.size) and abs(fs - info.fs) <= FS_TOLERANCE * info.fs
    if not lazy:
        crops = check_crops(crops)
    dev = torch.device(device) if device is not None else next(model.parameters()).device
    model.eval()

    n_in = crops.shape[0]
    resampled = abs(fs - info.fs) > FS_TOLERANCE * info.fs
    frames = crops
    if resampled:
        logger.info("resampling %d frames from %.3f Hz to the model's %.3f Hz", n_in, fs, info.fs)
        frames = resample_frames(resize_crops(crops, transform.size), fs, info.fs)
    video = _prepare_lazy(frames, transform) if lazy else transform.prepare(frames)

    whole = whole_sequence
    if whole is None:
        whole = spec.whole_sequence and not transform.chunk_scoped and len(video) <= WHOLE_SEQUENCE_MAX_FRAMES
    length = int(chunk_length) if chunk_length is not None else int(info.chunk_length)
    if info.inference == "openrppg" and whole_sequence is None:
        bvp = _predict_consecutive(model, video, spec, length, dev, show_progress)
    elif whole:
        bvp = _predict_whole(model, video, spec, dev)
    else:
        bvp = _predict_chunked(model, video, spec, length, overlap, dev, show_progress)

    if info.label_type == "DiffNormalized":
        bvp = zscore(detrend(np.cumsum(bvp), lam=100.0))
    if resampled:
        t_model = np.arange(len(bvp)) / info.fs
        bvp = np.interp(np.arange(n_in) / fs, t_model, bvp)
    return bvp
