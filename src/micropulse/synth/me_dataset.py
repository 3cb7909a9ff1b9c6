"""Synthetic micro-expression videos written to disk: one lossless video, or whole dataset trees.

The expressions themselves are rendered by :mod:`micropulse.synth.me` (landmark-driven AU warps on real
face material, onset/apex/offset, head motion, noise). This module writes them out:

* :func:`make_me_video` -- one lossless FFV1 video (``video.mkv``) with its truth as ``intervals.csv``
  (``video, onset, apex, offset, type, emotion``; 0-based frames, the format ``micropulse megc-score``
  reads) and ``meta.json``;
* :func:`write_me_dataset` -- a tree in the **CAS(ME)^3 part A** layout (30 fps, ``data/spNO.<s>/<v>/
  color/<n>.jpg`` + ``casme3_label.xlsx``) or the **SAMM-LV** layout (200 fps, ``SAMM_longvideos/<SSS>_<n>/
  <SSS>_<n>_<nnnn>.jpg`` + the LV and SAMM micro sheets), which the loaders in
  :mod:`micropulse.datasets.me` read back. Frames are JPEG (quality 95 by default) because that is how
  those datasets ship; use :func:`make_me_video` where lossless frames matter.

All output is synthetic and deterministic by seed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from micropulse.datasets.me.writers import LabelRow, write_casme3_labels, write_samm_lv_labels
from micropulse.errors import InputError
from micropulse.me.labels import MEInterval, index_to_label
from micropulse.synth.me import MEClip, MESettings, material_with_landmarks, render_me_clip, subject_variant

log = logging.getLogger(__name__)

#: Frame rate of each dataset layout (Hz), as the real datasets record.
LAYOUT_FPS = {"casme3": 30.0, "samm-lv": 200.0}


@dataclass(frozen=True)
class SynthMEVideo:
    """Truth of one written synthetic video: expressions on its full-rate frame grid (0-based)."""

    subject: str
    video: str
    fps: float
    n_frames: int
    intervals: tuple[MEInterval, ...]
    path: Path

    def to_dict(self) -> dict[str, object]:
        return {
            "subject": self.subject,
            "video": self.video,
            "fps": self.fps,
            "n_frames": self.n_frames,
            "path": str(self.path),
            "intervals": [iv.to_dict() for iv in self.intervals],
            "synthetic": True,
        }


def _render(
    subject: int, seed: int, *, seconds: float, fps: float, n_micro: int, n_macro: int, size: int,
    head_motion_px: float, noise_std: float, face: tuple[np.ndarray, np.ndarray],
) -> MEClip:  # fmt: skip
    image, lm = subject_variant(face[0], face[1], subject, size=size)
    settings = MESettings(
        seconds=seconds,
        fps=fps,
        n_micro=n_micro,
        n_macro=n_macro,
        head_motion_px=head_motion_px,
        noise_std=noise_std,
        seed=seed,
    )
    return render_me_clip(image, lm, settings)


def intervals_frame(video: str, intervals: tuple[MEInterval, ...] | list[MEInterval]) -> pd.DataFrame:
    """Truth as the interval table of ``micropulse megc-score`` (0-based inclusive frames)."""
    return pd.DataFrame(
        [(video, iv.onset, iv.apex, iv.offset, iv.type, iv.emotion) for iv in intervals],
        columns=["video", "onset", "apex", "offset", "type", "emotion"],
    )


def make_me_video(
    out_dir: str | Path,
    *,
    seconds: float = 12.0,
    fps: float = 30.0,
    n_micro: int = 3,
    n_macro: int = 1,
    size: int = 320,
    head_motion_px: float = 0.5,
    noise_std: float = 1.0,
    seed: int = 0,
    material: str = "astronaut",
) -> SynthMEVideo:
    """Write one synthetic expression video: ``video.mkv`` (FFV1, lossless), ``intervals.csv``, ``meta.json``.

    ``size`` is the square frame size in pixels; ``seconds`` the duration (s); ``fps`` the rate (Hz).
    """
    from micropulse.io.writers import write_video

    out = Path(out_dir)
    clip = _render(
        seed % 7, seed, seconds=seconds, fps=fps, n_micro=n_micro, n_macro=n_macro, size=size,
        head_motion_px=head_motion_px, noise_std=noise_std, face=material_with_landmarks(material),
    )  # fmt: skip
    path = write_video(out / "video.mkv", clip.frames, fps)
    truth = SynthMEVideo("synthetic", "video", fps, len(clip.frames), tuple(clip.intervals), path)
    intervals_frame("video", clip.intervals).to_csv(out / "intervals.csv", index=False)
    meta = truth.to_dict() | {"seed": seed, "material": material, "size": size}
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return truth


def write_me_dataset(
    root: str | Path,
    *,
    layout: str = "casme3",
    n_subjects: int = 2,
    videos_per_subject: int = 1,
    seconds: float = 10.0,
    n_micro: int = 3,
    n_macro: int = 1,
    size: int = 256,
    head_motion_px: float = 0.5,
    noise_std: float = 1.0,
    seed: int = 0,
    material: str = "astronaut",
    jpeg_quality: int = 95,
    with_type: bool = False,
) -> list[SynthMEVideo]:
    """Write a synthetic ME dataset tree in the ``"casme3"`` or ``"samm-lv"`` layout; returns the truth.

    Subjects are distinct re-framings of the face material (:func:`micropulse.synth.me.subject_variant`);
    every video gets its own seed (``seed * 1000 + 10 * subject + video``). Frame rates follow the layout
    (30 / 200 fps). ``with_type`` adds macro rows and a Type column to the CAS(ME)^3 sheet (the
    distributed sheet lists MEs only); the SAMM-LV sheets always carry both types.
    """
    if layout not in LAYOUT_FPS:
        raise InputError(f"unknown ME dataset layout {layout!r}; known: {', '.join(LAYOUT_FPS)}")
    if n_subjects < 1 or videos_per_subject < 1:
        raise InputError("n_subjects and videos_per_subject must be >= 1")
    if not 1 <= jpeg_quality <= 100:
        raise InputError(f"jpeg_quality must lie in 1..100, got {jpeg_quality}")
    root = Path(root)
    fps = LAYOUT_FPS[layout]
    face = material_with_landmarks(material)
    truths: list[SynthMEVideo] = []
    rows: list[LabelRow] = []
    for s in range(n_subjects):
        for v in range(videos_per_subject):
            clip = _render(
                s, seed * 1000 + 10 * s + v, seconds=seconds, fps=fps, n_micro=n_micro, n_macro=n_macro,
                size=size, head_motion_px=head_motion_px, noise_std=noise_std, face=face,
            )  # fmt: skip
            if layout == "casme3":
                subject, video = str(s + 1), chr(ord("a") + v)
                folder = root / "data" / f"spNO.{subject}" / video / "color"
                names = [f"{t + 1}.jpg" for t in range(len(clip.frames))]
            else:
                subject, video = f"{s + 6:03d}", f"{s + 6:03d}_{v + 1}"
                folder = root / "SAMM_longvideos" / video
                names = [f"{video}_{t + 1:04d}.jpg" for t in range(len(clip.frames))]
            _write_jpegs(folder, names, clip.frames, jpeg_quality)
            truths.append(SynthMEVideo(subject, video, fps, len(clip.frames), tuple(clip.intervals), folder))
            rows += [
                LabelRow(
                    subject,
                    video,
                    index_to_label(iv.onset),
                    index_to_label(iv.apex or iv.onset),
                    index_to_label(iv.offset),
                    iv.emotion,
                    iv.type,
                )  # fmt: skip
                for iv in clip.intervals
            ]
    if layout == "casme3":
        write_casme3_labels(root, rows, with_type=with_type)
    else:
        write_samm_lv_labels(root, rows)
    (root / "truth.json").write_text(json.dumps([t.to_dict() for t in truths], indent=2) + "\n")
    log.info("wrote %d synthetic %s videos under %s", len(truths), layout, root)
    return truths


def _write_jpegs(folder: Path, names: list[str], frames_rgb: np.ndarray, quality: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    params = [cv2.IMWRITE_JPEG_QUALITY, int(quality)]
    for name, frame in zip(names, frames_rgb, strict=True):
        if not cv2.imwrite(str(folder / name), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), params):
            raise InputError("cannot write frame image", folder / name)
