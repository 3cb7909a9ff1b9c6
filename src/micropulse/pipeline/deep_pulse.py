"""Video -> face crops -> deep rPPG model -> BVP: the deep path of ``micropulse pulse --model``.

Lives in ``pipeline`` because it joins ``face`` (OpenCV, mediapipe) and ``rppg.deep`` (torch), which must
not import each other. The pulse pipeline (``analyse_video(..., model=, weights=)``) calls :func:`deep_bvp`
and then runs the same signal analysis as for the classic methods.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from micropulse.errors import NoFaceError, SignalError

logger = logging.getLogger(__name__)

#: Face dropouts up to this long (seconds) are bridged by repeating the last crop.
MAX_GAP_S = 0.5


@dataclass(frozen=True)
class DeepBVP:
    """A BVP predicted by a deep model over the longest face segment of a video.

    Attributes:
        times_s: frame times of the segment, seconds (from the video's timestamps).
        bvp: z-scored pulse, one value per frame of the segment.
        fs: frame rate used for the model, Hz (median frame interval of the segment).
        model: registered model name.
        weights: the weights' metadata (``WeightsInfo.to_dict()``).
        segment_frames: (first, last + 1) frame indices of the segment in the video.
        n_frames: frames decoded from the video.
        bridged_frames: frames without a face that were filled with the previous crop.
        face_frames: frames of the whole video with a face.
        lossy: the video codec is lossy (None if unknown). codec: its fourcc.
        thumbnail: one face crop (RGB uint8) for plots, or None.
    """

    times_s: np.ndarray
    bvp: np.ndarray
    fs: float
    model: str
    weights: dict[str, Any]
    segment_frames: tuple[int, int]
    n_frames: int
    bridged_frames: int
    face_frames: int = 0
    lossy: bool | None = None
    codec: str = ""
    thumbnail: np.ndarray | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the arrays are left out; write them as CSV)."""
        return {
            "model": self.model,
            "weights": self.weights,
            "fs_hz": self.fs,
            "segment_frames": list(self.segment_frames),
            "n_frames": self.n_frames,
            "bridged_frames": self.bridged_frames,
        }


def longest_face_segment(found: np.ndarray, max_gap: int) -> tuple[int, int, np.ndarray]:
    """Longest run of frames with a face once gaps of at most ``max_gap`` frames are bridged.

    Returns ``(start, stop, bridged)`` where ``bridged`` marks the gap frames inside ``[start, stop)``.
    Same rule as the classic path (:func:`micropulse.pipeline.pulse_core.face_segments`), counted in frames.
    """
    from micropulse.pipeline.pulse_core import face_segments

    found = np.asarray(found, bool)
    segments = face_segments(found, np.arange(found.size), max_gap_s=max_gap + 1)
    if not segments:
        return 0, 0, np.zeros(0, bool)
    start, stop = max(segments, key=lambda s: s[1] - s[0])
    return start, stop, ~found[start:stop]


def deep_bvp(
    video: str | Path | np.ndarray,
    model: str = "rhythmmamba",
    weights: str | Path | None = None,
    face: str = "mediapipe",
    fps: float | None = None,
    progress: bool = False,
    min_seconds: float = 5.0,
) -> DeepBVP:
    """Predict the BVP of a face video with a deep model.

    Args:
        video: a video file, a frame folder or a uint8 array (see :func:`micropulse.io.open_video`).
        model: registered deep model (``micropulse.rppg.deep.list_models()``).
        weights: a weights file (micropulse .pt, official .pth, open-rppg .h5); None = random init,
            which is only useful for testing (a warning is logged).
        face: face backend name.
        fps: frame rate override, Hz (required for a frame folder).
        progress: draw progress bars.
        min_seconds: shortest usable face segment, seconds.

    Raises:
        NoFaceError: no face in the whole video. SignalError: face segment too short.
        WeightsError, UnknownNameError: bad weights or model name.
    """
    from micropulse.face.crops import iter_face_crops
    from micropulse.io import open_video
    from micropulse.rppg.deep import create_model, predict_bvp

    net = create_model(model, weights=weights)
    info = net.weights_info
    if weights is None:
        logger.warning("deep model %s runs with RANDOM weights: its BVP is meaningless", model)
    src = open_video(video, fps=fps)
    crops: list[np.ndarray | None] = []
    times: list[float] = []
    try:
        for _, time_s, crop in iter_face_crops(src, size=info.input_size, scale=1.5, backend=face):
            crops.append(crop)
            times.append(time_s)
    finally:
        src.close()
    where = video if isinstance(video, (str, Path)) else None  # error messages name the file, if any
    found = np.array([c is not None for c in crops], dtype=bool)
    if not found.any():
        raise NoFaceError(f"no face found in any of the {len(crops)} frames", where)
    t = np.asarray(times, dtype=np.float64)
    # Mean rate over the whole run of frames: container stamps rounded to whole milliseconds (Matroska) make
    # the median interval 33 ms at 30 fps, i.e. 30.3 Hz, a +1% HR bias; the container rate is used when the
    # two agree to 1%.
    fs_video = (len(t) - 1) / float(t[-1] - t[0]) if len(t) > 1 and t[-1] > t[0] else float(src.fps or 30.0)
    if src.fps and abs(src.fps - fs_video) <= 0.01 * src.fps:
        fs_video = float(src.fps)
    start, stop, bridged = longest_face_segment(found, max_gap=int(round(MAX_GAP_S * fs_video)))
    if (stop - start) / fs_video < min_seconds:
        raise SignalError(
            f"the longest face segment is {(stop - start) / fs_video:.2f} s; at least {min_seconds:g} s are needed",
            where,
        )
    segment = []
    last = None
    for crop in crops[start:stop]:
        last = crop if crop is not None else last
        segment.append(last)
    bvp = predict_bvp(net, np.stack(segment), fs_video, show_progress=progress)
    return DeepBVP(
        times_s=t[start:stop],
        bvp=bvp,
        fs=fs_video,
        model=model,
        weights=info.to_dict(),
        segment_frames=(start, stop),
        n_frames=len(crops),
        bridged_frames=int(bridged.sum()),
        face_frames=int(found.sum()),
        lossy=src.lossy,
        codec=src.codec,
        thumbnail=crops[int(np.flatnonzero(found)[0])],
    )
