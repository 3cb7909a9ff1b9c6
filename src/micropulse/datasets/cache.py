"""Preprocessing cache for deep models: per-video uint8 face crops, keyed by the preprocessing config.

Layout: ``CACHE/{dataset}/{config_key}/{video_id}.npy`` (T x S x S x 3 uint8 RGB crops) next to
``{video_id}.json`` (frame count, fps, coverage, the config). Both are written to temporary names
and renamed, JSON last, so an interrupted run never leaves a half-written entry that looks
finished. The key hashes every setting that changes the crops (spec §3.2: crop size 72 or 128,
box scale, backend, alignment of the frames), so changing one never reuses stale crops.

Crops are stored and returned as uint8 (a 900 x 128 x 128 x 3 video is 44 MB, not the toolbox's float64
chunks of 63 MB per 160 frames, trap §9.15). Normalisation (DiffNormalized / Standardized, spec §3.3) is
not the cache's business: it is bound to a model's weights and applied by the model side
(``micropulse.rppg.deep.transform_for(weights_info)``), so the data layer holds no model code.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from micropulse.datasets.frames import open_sample_video
from micropulse.errors import FileFormatError, InputError
from micropulse.face.geometry import TOOLBOX_BOX_SCALE

CROP_SIZES = (72, 128)


@dataclass(frozen=True)
class CropConfig:
    """Settings that determine the cached crops.

    Attributes:
        size: crop side in pixels (72 for PhysNet/DeepPhys..., 128 for RhythmFormer/Mamba).
        scale: face box enlargement (the toolbox's LARGE_BOX_COEF, 1.5 in every shipped config).
        backend: face backend name.
        detect_every: frames between detector runs.
    """

    size: int = 128
    scale: float = TOOLBOX_BOX_SCALE
    backend: str = "mediapipe"
    detect_every: int = 30

    def __post_init__(self) -> None:
        if self.size not in CROP_SIZES:
            raise InputError(f"crop size must be one of {CROP_SIZES} pixels, got {self.size}")
        if not self.scale >= 1.0:
            raise InputError(f"crop scale must be >= 1, got {self.scale}")

    def key(self) -> str:
        """Short hash of the config (16 hex digits)."""
        blob = json.dumps(asdict(self), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def _atomic_bytes(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class CropCache:
    """Per-video crop cache under ``root/{dataset}/{config key}/``.

    Args:
        root: cache folder.
        dataset: dataset name (a sub-folder).
        config: crop settings; their hash names the sub-folder.
    """

    def __init__(self, root: str | Path, dataset: str, config: CropConfig = CropConfig()) -> None:
        self.config = config
        self.dir = Path(root) / dataset / config.key()

    def paths(self, video_id: str) -> tuple[Path, Path]:
        safe = video_id.replace("/", "_")
        return self.dir / f"{safe}.npy", self.dir / f"{safe}.json"

    def has(self, video_id: str) -> bool:
        """True when a complete entry exists (its JSON is written last)."""
        npy, meta = self.paths(video_id)
        return npy.is_file() and meta.is_file()

    def save(self, video_id: str, crops: np.ndarray, fps: float, extra: dict | None = None) -> Path:
        """Store ``crops`` (T x S x S x 3 uint8) atomically; returns the .npy path."""
        crops = np.asarray(crops)
        s = self.config.size
        if crops.dtype != np.uint8 or crops.ndim != 4 or crops.shape[1:] != (s, s, 3):
            raise InputError(f"crops must be uint8 (T, {s}, {s}, 3), got {crops.dtype} {crops.shape}")
        self.dir.mkdir(parents=True, exist_ok=True)
        npy, meta = self.paths(video_id)
        _atomic_bytes(npy, lambda f: np.save(f, crops, allow_pickle=False))
        doc = {
            "video": video_id,
            "n_frames": int(crops.shape[0]),
            "fps": float(fps),
            "config": asdict(self.config),
            "key": self.config.key(),
            **(extra or {}),
        }
        _atomic_bytes(meta, lambda f: f.write(json.dumps(doc, indent=1).encode()))
        return npy

    def load(self, video_id: str, mmap: bool = True) -> np.ndarray:
        """The cached crops, uint8 ``(T, S, S, 3)`` as stored (memory-mapped by default)."""
        npy, meta = self.paths(video_id)
        if not self.has(video_id):
            raise FileFormatError(
                f"no cached crops for {video_id!r} (expected {npy.name} and {meta.name})", self.dir
            )
        try:
            crops = np.load(npy, mmap_mode="r" if mmap else None, allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise FileFormatError(f"unreadable cached crops: {exc}; delete it to rebuild", npy) from None
        return crops

    def info(self, video_id: str) -> dict:
        _, meta = self.paths(video_id)
        try:
            return json.loads(meta.read_text())
        except (OSError, ValueError) as exc:
            raise FileFormatError(f"unreadable cache metadata: {exc}", meta) from None


def cached_crops(cache: CropCache, sample, progress: bool = False) -> tuple[np.ndarray, float]:
    """The sample's face crops from ``cache``, extracting and storing them first when absent.

    Returns ``(crops, face_coverage)``; crops are uint8 (T, S, S, 3), memory-mapped when cached.
    """
    if not cache.has(sample.id):
        # the face stack (OpenCV, mediapipe) is loaded only when crops must be extracted
        from micropulse.face import extract_traces

        cfg = cache.config
        video = open_sample_video(sample.video, sample.frame_times_s, sample.fps)
        traces = extract_traces(
            video,
            backend=cfg.backend,
            detect_every=cfg.detect_every,
            crops_size=cfg.size,
            crop_scale=cfg.scale,
            progress=progress,
        )
        cache.save(sample.id, traces.crops, sample.fps, {"face_coverage": float(traces.coverage)})
    return cache.load(sample.id), float(cache.info(sample.id).get("face_coverage", float("nan")))
