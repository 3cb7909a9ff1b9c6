"""Track a face through a whole video and keep its boxes and landmarks (for the expression half)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from micropulse.errors import NoFaceError
from micropulse.face.backends import FaceBackend
from micropulse.face.tracker import FaceTracker
from micropulse.io import VideoSource, open_video, prefetch


@dataclass(frozen=True)
class FaceTrack:
    """Face position on every frame.

    Attributes:
        times_s: (T,) frame times, seconds.
        found: (T,) a face is tracked. fresh: (T,) the backend ran on the frame.
        boxes: (T, 4) (x, y, w, h) pixels, NaN where not found.
        landmarks: (T, N, 2) float32 pixels (NaN where not found), None for box-only backends.
        coverage: fraction of frames with a face. fps: Hz. source: the video's name.
    """

    times_s: np.ndarray
    found: np.ndarray
    fresh: np.ndarray
    boxes: np.ndarray
    landmarks: np.ndarray | None
    coverage: float
    fps: float
    source: str


def track_faces(
    video: VideoSource | str | Path,
    backend: str | FaceBackend = "mediapipe",
    detect_every: int = 30,
    mesh_every: int = 1,
    face_index: int = 0,
    keep_landmarks: bool = True,
    refit_tolerance: float = 0.0,
) -> FaceTrack:
    """Track one face (largest, or ``face_index`` by size) through ``video``.

    ``mesh_every=1`` runs the landmark model on every frame (accurate landmarks for expression work);
    larger values propagate landmarks by the tracked translation in between (faster).
    ``refit_tolerance`` (see :class:`FaceTracker`) is 0 here: every landmark run is kept, since
    expression work needs small landmark motions that the pulse front-end deliberately ignores.

    Raises:
        NoFaceError: no face on any frame (the message names the video).
    """
    src = open_video(video)
    tracker = FaceTracker(
        backend,
        detect_every=detect_every,
        mesh_every=mesh_every,
        face_index=face_index,
        refit_tolerance=refit_tolerance,
    )
    n_lm = tracker.backend.n_landmarks if keep_landmarks else 0
    times, found, fresh, boxes, lms = [], [], [], [], []
    missing = np.full((n_lm, 2), np.nan, dtype=np.float32)
    try:
        for frame in prefetch(src):
            st = tracker.update(frame.rgb)
            times.append(frame.time_s)
            found.append(st.found)
            fresh.append(st.fresh)
            boxes.append(st.box)
            if n_lm:
                lm = st.landmarks
                lms.append(missing if lm is None else lm.astype(np.float32))
    finally:
        tracker.close()
    found_arr = np.asarray(found, dtype=bool)
    if not found_arr.any():
        raise NoFaceError(f"no face found in any of the {len(found)} frames", src.path)
    return FaceTrack(
        times_s=np.asarray(times),
        found=found_arr,
        fresh=np.asarray(fresh, dtype=bool),
        boxes=np.stack(boxes),
        landmarks=np.stack(lms) if n_lm else None,
        coverage=float(found_arr.mean()),
        fps=float(src.fps),
        source=src.name,
    )
