"""Video -> micro-expression window features: decode, subsample, track the face, ROI flow (§1.1-1.6).

Streams the video (at most ``k`` frames in memory), runs the face tracker on every kept frame (the mesh
only every few frames) and computes the (W, C, k) window features with
:class:`micropulse.me.features.WindowFeaturizer`. Results can be cached per video, keyed by a hash of
everything that changes them, and written atomically.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from micropulse.errors import InputError, NoFaceError
from micropulse.me import rois as R
from micropulse.me.features import VideoFeatures, WindowFeaturizer, iter_windows
from micropulse.progress import progress

log = logging.getLogger(__name__)

TARGET_FPS = 30.0  # the ME-TST grids are ~30 fps (CAS(ME)^3 30, SAMM-LV 200/7 = 28.6)


@dataclass(frozen=True)
class FeatureConfig:
    """What determines the features of a video (and so the cache key).

    Attributes:
        roi_set: ``"me-tst"`` (10 channels) or ``"me-tst+"`` (36).
        k: window length in frames on the subsampled grid (50 for CAS(ME)^3, 30 for SAMM-LV).
        frame_skip: keep every n-th frame; 0 = choose from the video's fps (round(fps / 30), >= 1).
        flow: ``"farneback"`` (published) or ``"dis"`` (fast).
        track: re-centre the crop on head translation (§1.4).
        backend: face backend for landmarks.
    """

    roi_set: str = "me-tst"
    k: int = 50
    frame_skip: int = 0
    flow: str = "farneback"
    track: bool = True
    backend: str = "mediapipe"

    def skip_for(self, fps: float) -> int:
        if self.frame_skip > 0:
            return self.frame_skip
        return max(1, int(round(fps / TARGET_FPS))) if fps and np.isfinite(fps) else 1

    def key(self, path: Path) -> str:
        st = path.stat()
        blob = json.dumps({"cfg": asdict(self), "file": str(path.resolve()), "size": st.st_size,
                           "mtime": st.st_mtime_ns, "v": 1}, sort_keys=True)  # fmt: skip
        return hashlib.sha256(blob.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class VideoMEFeatures:
    """Window features of one video plus what is needed to map frames back to the source video."""

    features: VideoFeatures
    fps: float
    frame_skip: int
    face_coverage: float
    thumbnail: np.ndarray | None = None
    #: per kept frame (the ~30 fps grid): True where the face was tracked; None for old cache files
    face_found: np.ndarray | None = None

    @property
    def effective_fps(self) -> float:
        return self.fps / self.frame_skip


def _tracked_frames(
    source, cfg: FeatureConfig, skip: int, stats: dict, show_progress: bool
) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    from micropulse.face.ibug68 import landmarks_68
    from micropulse.face.tracker import FaceTracker

    tracker = FaceTracker(cfg.backend)
    total = source.n_frames
    try:
        with progress(total, f"ME features {source.path.name if source.path else ''}", show_progress) as adv:
            for frame in source:
                adv()
                if frame.index % skip:
                    continue
                state = tracker.update(frame.rgb)
                lm = state.landmarks
                stats["kept"] += 1
                stats["mask"].append(lm is not None)
                if lm is not None:
                    stats["found"] += 1
                    lm68 = landmarks_68(lm)
                    if stats.get("thumb") is None:
                        stats["thumb"] = _thumbnail(frame.rgb, lm68)
                else:
                    lm68 = None
                yield cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2GRAY), lm68
    finally:
        tracker.close()


def _thumbnail(rgb: np.ndarray, lm68: np.ndarray) -> np.ndarray:
    box = R.crop_box_from_eyes(lm68)
    h, w = rgb.shape[:2]
    crop = rgb[max(0, box.top) : min(h, box.bottom), max(0, box.left) : min(w, box.right)].copy()
    return cv2.resize(crop, (160, 160), interpolation=cv2.INTER_AREA) if crop.size else rgb


def extract_me_features(
    video,
    cfg: FeatureConfig = FeatureConfig(),
    cache_dir: str | Path | None = None,
    show_progress: bool = False,
    threads: int = 2,
) -> VideoMEFeatures:
    """Window features of a video file / frame folder / array (see :func:`micropulse.io.open_video`).

    ``threads``: windows featurised at once on worker threads while the calling thread decodes and tracks
    the next frames (OpenCV releases the GIL in the flow calls). The features do not depend on it: every
    window is computed by the same code on its own frames, and results are kept in window order.
    Raises :class:`NoFaceError` (naming the file) when no face is found on any kept frame.
    """
    if threads < 1:
        raise InputError(f"threads must be >= 1, got {threads}")
    from micropulse.io import open_video

    source = open_video(video)
    path = getattr(source, "path", None)
    cache_file = None
    if cache_dir is not None and path is not None and Path(path).is_file():
        cache_file = Path(cache_dir) / f"{Path(path).stem}-{cfg.key(Path(path))}.npz"
        if cache_file.exists():
            return _load(cache_file)
    skip = cfg.skip_for(source.fps)
    stats = {"kept": 0, "found": 0, "thumb": None, "mask": []}
    fz = WindowFeaturizer(cfg.roi_set, flow=cfg.flow, track=cfg.track)
    windows = iter_windows(_tracked_frames(source, cfg, skip, stats, show_progress), cfg.k)
    with source:
        if threads == 1:
            done = [(start, fz.window(frames, lms)) for start, frames, lms in windows]
        else:
            done = _windows_threaded(fz, windows, threads)
    starts = [start for start, _ in done]
    wins = [w for _, w in done]
    if stats["found"] == 0:
        raise NoFaceError("no face found in any frame", path)
    arr = np.stack(wins).astype(np.float32) if wins else np.zeros((0, fz.n_channels, cfg.k), np.float32)
    vf = VideoFeatures(
        arr, np.asarray(starts, np.int64), cfg.k, tuple(R.channel_names(cfg.roi_set)), stats["kept"]
    )
    out = VideoMEFeatures(vf, float(source.fps), skip, stats["found"] / max(stats["kept"], 1), stats["thumb"],
                          np.asarray(stats["mask"], dtype=bool))  # fmt: skip
    if cache_file is not None:
        _save(cache_file, out)
    return out


@contextmanager
def _cv2_threads(n: int) -> Iterator[None]:
    """OpenCV's own thread pool set to ``n`` (process-wide, restored): the windows already run in parallel,
    and nested pools on small ROI patches only add synchronisation."""
    before = cv2.getNumThreads()
    cv2.setNumThreads(n)
    try:
        yield
    finally:
        cv2.setNumThreads(before)


def _windows_threaded(
    fz: WindowFeaturizer, windows: Iterator[tuple[int, list, list]], threads: int
) -> list[tuple[int, np.ndarray]]:
    """Featurise windows on ``threads`` workers, in order; at most ``2 * threads`` windows are pending."""
    done: list[tuple[int, np.ndarray]] = []
    pending: deque[tuple[int, Future]] = deque()
    with _cv2_threads(1), ThreadPoolExecutor(max_workers=threads, thread_name_prefix="me-features") as pool:
        try:
            for start, frames, lms in windows:
                pending.append((start, pool.submit(fz.window, frames, lms)))
                while len(pending) > 2 * threads:
                    s, fut = pending.popleft()
                    done.append((s, fut.result()))
            while pending:
                s, fut = pending.popleft()
                done.append((s, fut.result()))
        finally:
            for _, fut in pending:
                fut.cancel()
    return done


def _save(path: Path, f: VideoMEFeatures) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(
        tmp, windows=f.features.windows, starts=f.features.starts, k=f.features.k,
        channels=np.array(f.features.channels), n_frames=f.features.n_frames, fps=f.fps,
        frame_skip=f.frame_skip, coverage=f.face_coverage,
        thumbnail=f.thumbnail if f.thumbnail is not None else np.zeros((0, 0, 3), np.uint8),
        face_found=f.face_found if f.face_found is not None else np.zeros(0, bool),
    )  # fmt: skip
    os.replace(tmp, path)


def _load(path: Path) -> VideoMEFeatures:
    z = np.load(path)
    vf = VideoFeatures(
        z["windows"], z["starts"], int(z["k"]), tuple(str(c) for c in z["channels"]), int(z["n_frames"])
    )
    thumb = z["thumbnail"] if z["thumbnail"].size else None
    found = z["face_found"].astype(bool) if "face_found" in z.files and z["face_found"].size else None
    return VideoMEFeatures(vf, float(z["fps"]), int(z["frame_skip"]), float(z["coverage"]), thumb, found)
