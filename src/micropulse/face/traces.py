"""One pass over a video: track the face and average the skin regions (face crops for deep models are the
front end's, cut by the weights' crop geometry: :mod:`micropulse.face.boxes`).

This is the call the pulse pipeline makes: :func:`extract_traces` returns RGB traces per region with
their timestamps, where the face was found, and a thumbnail with the regions drawn.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from micropulse.errors import InputError, NoFaceError
from micropulse.face.backends import FaceBackend
from micropulse.face.gaps import fill_short_gaps
from micropulse.face.regions import RegionSampler, check_regions, draw_regions
from micropulse.face.tracker import FaceTracker
from micropulse.io import VideoSource, open_video, prefetch
from micropulse.progress import progress as progress_bar

log = logging.getLogger(__name__)

DEFAULT_REGIONS = ("forehead", "left_cheek", "right_cheek")


@dataclass(frozen=True)
class FaceTraces:
    """Per-frame skin colour of a video's face.

    Attributes:
        rgb: (T, R, 3) mean R, G, B (0-255) per region; NaN where the face is missing (gaps longer
            than ``max_gap_s`` and the ends of the video).
        times_s: (T,) frame times in seconds (container timestamps where present).
        face_found: (T,) the face was tracked on the frame.
        interpolated: (T,) the values were interpolated across a short gap.
        coverage: fraction of frames with the face found (0-1; interpolated frames do not count).
        region_names: the R region names.
        fps: nominal frame rate, Hz. n_frames: frames decoded (T).
        lossy: the codec is lossy (None: unknown). codec: fourcc or kind of source.
        thumbnail: an RGB uint8 frame with the face and the regions drawn (None if no face).
        boxes: (T, 4) face box (x, y, w, h) pixels, NaN where missing (short gaps interpolated).
        source: the video's name. backend: the face backend used.
    """

    rgb: np.ndarray
    times_s: np.ndarray
    face_found: np.ndarray
    interpolated: np.ndarray
    coverage: float
    region_names: tuple[str, ...]
    fps: float
    n_frames: int
    lossy: bool | None
    codec: str
    thumbnail: np.ndarray | None = field(repr=False, default=None)
    boxes: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 4)))
    source: str = ""
    backend: str = ""

    def mean_rgb(self) -> np.ndarray:
        """(T, 3) mean over the regions that have a value on each frame (NaN where none)."""
        valid = np.isfinite(self.rgb).all(axis=2)
        count = valid.sum(axis=1)
        total = np.where(valid[..., None], self.rgb, 0.0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count[:, None] > 0, total / count[:, None], np.nan)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (per-frame arrays as lists, NaN as None; no thumbnail or crops)."""

        def clean(a: np.ndarray) -> list:
            return np.where(np.isfinite(a), a, None).tolist()

        return {
            "source": self.source,
            "backend": self.backend,
            "fps": self.fps,
            "n_frames": self.n_frames,
            "codec": self.codec,
            "lossy": self.lossy,
            "coverage": self.coverage,
            "region_names": list(self.region_names),
            "times_s": self.times_s.tolist(),
            "face_found": self.face_found.tolist(),
            "interpolated": self.interpolated.tolist(),
            "rgb": clean(self.rgb),
            "boxes": clean(self.boxes),
        }


def extract_traces(
    video: VideoSource | str | Path,
    backend: str | FaceBackend = "mediapipe",
    regions: Sequence[str] = DEFAULT_REGIONS,
    detect_every: int = 30,
    mesh_every: int = 10,
    face_index: int = 0,
    skin_mask: bool = False,
    max_gap_s: float = 0.5,
    progress: bool = False,
) -> FaceTraces:
    """Track the face through a video and return the mean colour of its skin regions on every frame.

    Args:
        video: a path (file or frame folder) or an open :class:`VideoSource`.
        backend: face backend name ('mediapipe', 'haar') or instance.
        regions: skin regions to average (see :data:`micropulse.face.regions.REGION_MESH`).
        detect_every: frames between detector runs while tracking.
        mesh_every: frames between landmark-model runs (between them landmarks follow the tracked shift).
        face_index: which face by size rank (0 = the largest).
        skin_mask: keep only skin-coloured pixels (YCrCb rule) inside each region.
        max_gap_s: gaps in the face track up to this many seconds are interpolated.
        progress: draw a progress bar.

    Raises:
        NoFaceError: no face on any frame (the message names the video).
        VideoReadError, InputError: the video cannot be read; bad parameters.
    """
    names = check_regions(regions)
    if not max_gap_s >= 0:
        raise InputError(f"max_gap_s must be >= 0 seconds, got {max_gap_s}")
    src = open_video(video)
    tracker = FaceTracker(backend, detect_every=detect_every, mesh_every=mesh_every, face_index=face_index)
    sampler = RegionSampler(names, use_skin_mask=skin_mask)
    empty = np.full((len(names), 3), np.nan)
    rows: list[np.ndarray] = []
    times: list[float] = []
    found: list[bool] = []
    boxes: list[np.ndarray] = []
    thumbnail = None
    try:
        with progress_bar(src.n_frames, f"face {src.name}", enabled=progress) as advance:
            for frame in prefetch(src):
                state = tracker.update(frame.rgb)
                times.append(frame.time_s)
                found.append(state.found)
                boxes.append(state.box)
                if state.found:
                    values = sampler.sample(frame.rgb, state)
                    rows.append(values)
                    if thumbnail is None and state.fresh and np.isfinite(values).all():
                        thumbnail = draw_regions(frame.rgb, sampler.polygons)
                else:
                    rows.append(empty)
                advance()
    finally:
        tracker.close()
    found_arr = np.asarray(found, dtype=bool)
    if not found_arr.any():
        raise NoFaceError(f"no face found in any of the {len(found)} frames", src.path)
    times_arr = np.asarray(times, dtype=np.float64)
    rgb = np.stack(rows)
    valid = found_arr & np.isfinite(rgb).all(axis=(1, 2))
    rgb, filled = fill_short_gaps(rgb, valid, times_arr, max_gap_s)
    box_arr, _ = fill_short_gaps(np.stack(boxes), found_arr, times_arr, max_gap_s)
    coverage = float(found_arr.mean())
    if coverage < 1.0:
        log.info("%s: face found on %.1f%% of the frames", src.name, 100 * coverage)
    return FaceTraces(
        rgb=rgb,
        times_s=times_arr,
        face_found=found_arr,
        interpolated=filled,
        coverage=coverage,
        region_names=names,
        fps=float(src.fps),
        n_frames=len(found),
        lossy=src.lossy,
        codec=src.codec,
        thumbnail=thumbnail,
        boxes=box_arr,
        source=src.name,
        backend=tracker.backend.name,
    )
