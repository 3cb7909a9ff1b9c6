"""ME training data from the ME dataset loaders (CAS(ME)^3, SAMM-LV, CAS(ME)^2...): ROI flow window
features extracted once per video and cached (``cache_dir/me-features/<dataset>/<video>-<key>.npz``, written
atomically), labels moved onto the features' frame grid."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from micropulse.errors import DatasetLayoutError
from micropulse.me import labels as L
from micropulse.me.extract import FeatureConfig, VideoMEFeatures, _load, _save, extract_me_features
from micropulse.progress import progress

log = logging.getLogger(__name__)


@dataclass
class MEVideoData:
    """One labelled video reduced to its window features."""

    video: str
    subject: str
    feats: VideoMEFeatures
    intervals: list[L.MEInterval]  # on the features' (subsampled) frame grid


def _key(video, cfg: FeatureConfig) -> str:  # noqa: ANN001 - MEVideo
    first = video.frames[0] if video.frames else ""
    blob = json.dumps({"cfg": asdict(cfg), "n": video.n_frames, "first": str(first), "fps": video.fps, "v": 1},
                      sort_keys=True)  # fmt: skip
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def video_features(video, cfg: FeatureConfig, cache_dir: str | Path) -> VideoMEFeatures:  # noqa: ANN001
    """Window features of one loader video (its frame images), from the cache when present."""
    from micropulse.io import open_video

    path = (
        Path(cache_dir)
        / "me-features"
        / video.dataset
        / f"{video.id.replace('/', '_')}-{_key(video, cfg)}.npz"
    )
    if path.is_file():
        return _load(path)
    frames = np.stack([cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for f in video.iter_frames(gray=False)])
    feats = extract_me_features(open_video(frames, fps=video.fps), cfg)
    _save(path, feats)
    return feats


def dataset_videos(name: str, root: str | Path, cfg: FeatureConfig, cache_dir: str | Path) -> list:
    """Every labelled video of the ME dataset ``name`` at ``root`` as ``MEVideoData`` (features + intervals)."""
    from micropulse.datasets.me import create_dataset

    videos = create_dataset(name, root)
    if not videos:
        raise DatasetLayoutError(f"no labelled {name} video found", root)
    out = []
    with progress(len(videos), f"ME features {name}") as advance:
        for v in videos:
            feats = video_features(v, cfg, cache_dir)
            skip = max(int(feats.frame_skip), 1)
            ivs = [iv if skip == 1 else replace(iv, onset=iv.onset // skip, offset=iv.offset // skip,
                                                 apex=None if iv.apex is None else iv.apex // skip)
                   for iv in v.intervals]  # fmt: skip
            out.append(MEVideoData(v.id, str(v.subject), feats, ivs))
            advance()
    return out
