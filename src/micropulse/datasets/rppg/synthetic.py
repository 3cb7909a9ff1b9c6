"""Synthetic dataset trees in a real layout, from :func:`micropulse.synth.make_pulse_video`.

``make_ubfc_tree`` writes ``ROOT/subject{n}/vid.avi`` (FFV1, lossless) + ``ground_truth.txt`` (rows:
PPG, HR bpm, time s — UBFC-rPPG DATASET_2) so ``micropulse evaluate --dataset ubfc-rppg`` can be run
and tested end to end with known truth. Numbers measured on it are synthetic and must be labelled so.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from micropulse.errors import InputError


def _copy_to_avi(src: Path, dst: Path) -> int:
    import cv2

    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS)
    writer = None
    n = 0
    try:
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            if writer is None:
                h, w = bgr.shape[:2]
                writer = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"FFV1"), fps, (w, h))
            writer.write(bgr)
            n += 1
    finally:
        cap.release()
        if writer is not None:
            writer.release()
    return n


def make_ubfc_tree(
    root: str | Path,
    n_videos: int = 10,
    seconds: float = 10.0,
    size: tuple[int, int] = (128, 128),
    fps: float = 30.0,
    hr_range_bpm: tuple[float, float] = (55.0, 110.0),
    seed: int = 0,
    motion: bool = False,
) -> dict[str, float]:
    """Write a UBFC-rPPG DATASET_2 tree of synthetic videos; returns {subject folder: mean true HR}.

    Args:
        root: output folder (created).
        n_videos: number of subjects (subject1..subjectN).
        seconds, size, fps: length (s), (width, height) pixels, frame rate (Hz) of every video.
        hr_range_bpm: true HRs are spread evenly over this range (bpm).
        seed: base seed (video i uses seed + i).
        motion: add head motion.
    """
    from micropulse.synth import make_pulse_video

    if n_videos < 1:
        raise InputError(f"n_videos must be >= 1, got {n_videos}")
    root = Path(root)
    hrs = np.linspace(hr_range_bpm[0], hr_range_bpm[1], n_videos)
    truth = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, hr in enumerate(hrs, start=1):
            v = make_pulse_video(
                Path(tmp) / str(i),
                seconds=seconds,
                hr_bpm=float(hr),
                fps=fps,
                seed=seed + i,
                size=size,
                motion=motion,
            )
            d = root / f"subject{i}"
            d.mkdir(parents=True, exist_ok=True)
            n = _copy_to_avi(v.video_path, d / "vid.avi")
            table = np.loadtxt(v.bvp_path, delimiter=",", skiprows=1, ndmin=2)
            meta = json.loads(v.meta_path.read_text())
            hr_series = np.asarray(meta["hr_series"], dtype=float)
            hr_row = hr_series[:, -1] if hr_series.ndim == 2 else hr_series
            rows = np.vstack([table[:n, 1], hr_row[:n], table[:n, 0]])
            np.savetxt(d / "ground_truth.txt", rows, fmt="%.9e")
            truth[d.name] = float(v.hr_bpm)
    return truth
