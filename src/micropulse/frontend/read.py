"""Video -> per-frame face data: skin-region colours (classic methods) or face crops (deep models).

Both readers stream the video once (decoding overlapped with face work by ``io.prefetch``) and return a
:class:`FaceSignal`: frame times, where the face was found, the face boxes, and the per-frame values.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from micropulse.errors import NoFaceError
from micropulse.face.boxes import CropBoxTracker, cut_crop
from micropulse.face.geometry import CropGeometry
from micropulse.frontend.settings import FrontEndSettings
from micropulse.io import VideoSource, open_video, prefetch
from micropulse.io.spill import FrameSpool
from micropulse.progress import progress as progress_bar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FaceSignal:
    """Per-frame face data of one video.

    Attributes:
        source: the video's name (file path as given, or the source's name).
        times_s: (T,) frame times, seconds (container timestamps where present).
        found: (T,) a face was tracked on the frame.
        values: (T, 3) float mean skin colour (NaN where no face) for regions, or (T, S, S, 3) uint8 crops
            (zeros where no face) for deep models: an array, or a :class:`~micropulse.io.spill.FrameSpool`
            (indexable like one, kept on disk so memory does not grow with the video's length).
        boxes: (T, 4) the face or crop box per frame (regions: x, y, w, h of the tracked face; crops:
            x1, y1, x2, y2 of the crop), NaN where none.
        fps: nominal frame rate, Hz. n_frames: frames decoded. lossy/codec: the codec and whether it is lossy.
        thumbnail: an RGB uint8 image for plots (a face with its regions, or a crop), or None.
        geometry: the crop geometry used (crops only).
    """

    source: str
    times_s: np.ndarray
    found: np.ndarray
    values: np.ndarray
    boxes: np.ndarray
    fps: float
    n_frames: int
    lossy: bool | None
    codec: str
    thumbnail: np.ndarray | None = field(default=None, repr=False)
    geometry: CropGeometry | None = None

    @property
    def coverage(self) -> float:
        """Fraction of frames (0-1) with a face."""
        return float(self.found.mean()) if self.found.size else 0.0


def _name(video: VideoSource | str | Path, src: VideoSource) -> str:
    return str(video) if isinstance(video, (str, Path)) else src.name


def read_regions(
    video: VideoSource | str | Path | np.ndarray, settings: FrontEndSettings, progress: bool = False
) -> FaceSignal:
    """Track the face and average its skin regions on every frame (see :func:`micropulse.face.extract_traces`).

    Raises:
        NoFaceError: no face on any frame. VideoReadError: the video cannot be read.
    """
    from micropulse.face.traces import extract_traces

    src = open_video(video, fps=settings.fps)
    try:
        traces = extract_traces(
            src,
            backend=settings.face,
            regions=settings.regions,
            detect_every=settings.detect_every,
            max_gap_s=0.0,  # gaps are bridged by the front end's one rule (clock.choose_segment)
            progress=progress,
        )
    finally:
        src.close()
    rgb = traces.mean_rgb()
    found = traces.face_found & np.isfinite(rgb).all(axis=1)
    return FaceSignal(
        source=_name(video, src),
        times_s=traces.times_s,
        found=found,
        values=rgb,
        boxes=traces.boxes,
        fps=traces.fps,
        n_frames=traces.n_frames,
        lossy=traces.lossy,
        codec=traces.codec,
        thumbnail=traces.thumbnail,
    )


def read_crops(
    video: VideoSource | str | Path | np.ndarray,
    settings: FrontEndSettings,
    geometry: CropGeometry,
    size: int,
    progress: bool = False,
    spill: bool = True,
) -> FaceSignal:
    """Cut a face crop of ``size`` x ``size`` pixels from every frame by ``geometry`` (uint8).

    ``spill``: keep the crops in a temporary file (:class:`~micropulse.io.spill.FrameSpool`, read back by
    index) so memory stays flat in the video's length; False holds them in one array.

    Raises:
        NoFaceError: no face on any frame. VideoReadError: the video cannot be read.
    """
    src = open_video(video, fps=settings.fps)
    tracker = CropBoxTracker(geometry, detect_every=settings.detect_every)
    crops = FrameSpool((size, size, 3))
    times: list[float] = []
    found: list[bool] = []
    boxes: list[tuple] = []
    blank = np.zeros((size, size, 3), np.uint8)
    nan_box = (np.nan,) * 4
    try:
        with progress_bar(src.n_frames, f"face crops {src.name}", enabled=progress) as advance:
            for frame in prefetch(src):
                cb = tracker.update(frame.rgb, frame.time_s)
                times.append(frame.time_s)
                found.append(cb.found)
                boxes.append(cb.box if cb.box is not None else nan_box)
                crops.append(cut_crop(frame.rgb, cb.box, size, geometry.interpolation) if cb.box is not None else blank)
                advance()
    finally:
        tracker.close()
        src.close()
    found_arr = np.asarray(found, bool)
    name = _name(video, src)
    if not found_arr.any():
        raise NoFaceError(f"no face found in any of the {len(found)} frames", src.path or name)
    values = crops if spill else np.asarray(crops)
    if not spill:
        crops.close()
    return FaceSignal(
        source=name,
        times_s=np.asarray(times, float),
        found=found_arr,
        values=values,
        boxes=np.asarray(boxes, float),
        fps=float(src.fps),
        n_frames=len(found),
        lossy=src.lossy,
        codec=src.codec,
        thumbnail=values[int(np.argmax(found_arr))].copy(),
        geometry=geometry,
    )
