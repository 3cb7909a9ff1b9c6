"""A per-video cache of the front end's face crops (uint8, memory-mapped), keyed by everything that
decides them: the front-end settings, the crop geometry and the crop size.

``evaluate --cache-dir`` and the training-data path read crops through :func:`cached_crops`: a second
run over a dataset, or another model with the same crop geometry, skips the face work. Entries are
written atomically (crops first, metadata last), so an interrupted run never leaves an entry that
looks finished.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from micropulse.errors import FileFormatError
from micropulse.face.geometry import CropGeometry
from micropulse.frontend.read import FaceSignal, read_crops
from micropulse.frontend.settings import FrontEndSettings
from micropulse.io.atomic import atomic_write


def crop_key(settings: FrontEndSettings, geometry: CropGeometry, size: int) -> str:
    """16-hex hash of what decides the crops (settings that affect face reading, geometry, size)."""
    blob = {"face": settings.face, "fps": settings.fps, "detect_every": settings.detect_every,
            "geometry": geometry.to_dict(), "size": int(size)}  # fmt: skip
    return hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()[:16]


class CropStore:
    """Crops of many videos under ``root/<namespace>/<crop key>/<video id>.{npy,json}``."""

    def __init__(self, root: str | Path, namespace: str, settings: FrontEndSettings, geometry: CropGeometry, size: int):
        self.settings, self.geometry, self.size = settings, geometry, int(size)
        self.dir = Path(root) / namespace / crop_key(settings, geometry, size)

    def _paths(self, video_id: str) -> tuple[Path, Path]:
        safe = str(video_id).replace("/", "_").replace("\\", "_")
        return self.dir / f"{safe}.npy", self.dir / f"{safe}.json"

    def has(self, video_id: str) -> bool:
        npy, meta = self._paths(video_id)
        return npy.is_file() and meta.is_file()

    def save(self, video_id: str, face: FaceSignal) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        npy, meta = self._paths(video_id)
        atomic_write(npy, lambda f: np.save(f, np.ascontiguousarray(face.values), allow_pickle=False))
        doc = {
            "video": str(video_id), "source": face.source, "times_s": face.times_s.tolist(),
            "found": face.found.astype(int).tolist(), "boxes": np.where(np.isfinite(face.boxes), face.boxes, -1).tolist(),
            "fps": face.fps, "n_frames": face.n_frames, "lossy": face.lossy, "codec": face.codec,
            "geometry": self.geometry.to_dict(), "size": self.size,
        }  # fmt: skip
        atomic_write(meta, json.dumps(doc))

    def load(self, video_id: str) -> FaceSignal:
        npy, meta = self._paths(video_id)
        try:
            doc = json.loads(meta.read_text())
            crops = np.load(npy, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise FileFormatError(f"unreadable cached crops ({exc}); delete the entry to rebuild it", npy) from None
        boxes = np.asarray(doc["boxes"], float)
        found = np.asarray(doc["found"], bool)
        return FaceSignal(
            source=doc["source"], times_s=np.asarray(doc["times_s"], float), found=found, values=crops,
            boxes=np.where(boxes < 0, np.nan, boxes), fps=float(doc["fps"]), n_frames=int(doc["n_frames"]),
            lossy=doc["lossy"], codec=doc["codec"],
            thumbnail=np.array(crops[int(np.argmax(found))]) if found.any() else None,
            geometry=CropGeometry.from_dict(doc["geometry"]),
        )  # fmt: skip


def cached_crops(store: CropStore, video_id: str, video, progress: bool = False) -> FaceSignal:
    """The video's crops from ``store``, read (:func:`read_crops`) and stored first when absent."""
    if not store.has(video_id):
        store.save(video_id, read_crops(video, store.settings, store.geometry, store.size, progress))
    return store.load(video_id)
