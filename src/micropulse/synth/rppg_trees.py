"""Synthetic rPPG dataset trees in the exact layouts of the eight loaders of :mod:`micropulse.datasets.rppg`.

A :class:`PulseClip` is a synthetic face video in memory (:func:`micropulse.synth.pulse_video.render_frames`)
with its known pulse; one writer per layout puts clips on disk as that dataset ships them (video container or
image folder or MATLAB file, ground-truth file, sampling rate, time stamps), so that the loaders, the training
data path and ``micropulse evaluate`` all run on a tree with known truth:

==============  ==========================================================================================
``ubfc-rppg``   ``subject{n}/vid.avi`` + ``ground_truth.txt`` (DATASET_2; :func:`write_ubfc1` DATASET_1)
``pure``        ``NN-MM/NN-MM/Image{ns}.png`` + ``NN-MM.json`` (60 Hz oximeter packets, ns stamps)
``mmpd``        ``subject{n}/p{n}_{k}.mat`` (MATLAB v5: video 0..1, GT_ppg, attributes)
``ubfc-phys``   ``s{n}/vid_s{n}_T{k}.avi`` (35 fps) + ``bvp_s{n}_T{k}.csv`` (64 Hz)
``ibvp``        ``pXX_y/pXX_y_rgb/{i}.bmp`` + ``pXX_y_bvp.csv`` (BVP + SQ columns)
``scamps``      ``{Train,Val,Test}/P{nnnnnn}.mat`` (MATLAB v7.3 = HDF5: Xsub, d_ppg)
``cohface``     ``{subject}/{session}/data.avi`` (20 fps) + ``data.hdf5`` (pulse 256 Hz, time)
``vipl-hr``     ``p{n}/v{k}/source{s}/video.avi`` + ``wave.csv`` (60 Hz) + ``gt_HR.csv`` + ``time.txt``
==============  ==========================================================================================

Every tree is synthetic: numbers measured on one must be labelled so. Videos are written lossless (FFV1,
PNG, BMP, float MATLAB arrays), as lossy codecs destroy the pulse (DESIGN decision 3).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import cv2
import numpy as np

from micropulse.errors import InputError
from micropulse.synth.ppg import ppg_waveform
from micropulse.synth.pulse_video import SynthSettings, render_frames

#: Frame rate (Hz) each layout's camera records at; the others record 30 fps.
LAYOUT_FPS = {"cohface": 20.0, "ubfc-phys": 35.0}
#: Ground-truth sampling rates (Hz) of the layouts whose PPG is not one sample per frame.
PURE_PPG_FS, UBFC_PHYS_BVP_FS, COHFACE_PULSE_FS, VIPL_WAVE_FS = 60.0, 64.0, 256.0, 60.0
FINE_STEP_S = 1e-3  # truth grid of a clip, seconds
_PURE_T0_NS = 1_392_643_993_642_753_000  # a PURE-like epoch (ns) for the first frame


@dataclass(frozen=True)
class PulseClip:
    """A synthetic face video in memory and its truth.

    Attributes:
        frames: (T, H, W, 3) uint8 RGB.
        fps: frame rate, Hz.
        hr_bpm: mean heart rate put in, bpm.
        seed, resp_bpm, hrv_bpm: what shaped the pulse (see :func:`micropulse.synth.ppg.ppg_waveform`).
    """

    frames: np.ndarray
    fps: float
    hr_bpm: float
    seed: int
    resp_bpm: float
    hrv_bpm: float

    @cached_property
    def _truth(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The pulse on one fine grid (ppg_waveform normalises per call, so every sampling interpolates it)."""
        t = np.arange(0, len(self.frames) / self.fps + 0.5, FINE_STEP_S)
        w = ppg_waveform(t, self.hr_bpm, seed=self.seed, resp_bpm=self.resp_bpm, hrv_bpm=self.hrv_bpm)
        return t, w.bvp, w.hr_bpm

    def ppg(self, t_s: np.ndarray) -> np.ndarray:
        """The true pulse (unitless, about unit peak-to-peak) at times ``t_s`` (s after the first frame)."""
        t, bvp, _ = self._truth
        return np.interp(np.asarray(t_s, float), t, bvp)

    def mean_hr(self, t0: float, t1: float) -> float:
        """Time-average of the instantaneous HR put in over [t0, t1] s, bpm."""
        t, _, hr = self._truth
        return float(hr[(t >= t0) & (t <= t1)].mean())

    @property
    def times(self) -> np.ndarray:
        """Frame times, s (first frame at 0)."""
        return np.arange(len(self.frames)) / self.fps


def make_clip(
    hr_bpm: float, seed: int, seconds: float = 8.0, fps: float = 30.0, size: int = 64, motion: bool = False
) -> PulseClip:
    """Render a synthetic pulse clip in memory: ``seconds`` s at ``fps`` Hz, ``size`` x ``size`` pixels."""
    n = int(round(seconds * fps))
    if n < 2 or size < 16:
        raise InputError(f"a clip needs >= 2 frames and >= 16 px, got {n} frames of {size} px")
    s = SynthSettings(width=int(size), height=int(size), motion=bool(motion))
    wave = ppg_waveform(np.arange(n) / fps, hr_bpm, seed=seed, resp_bpm=s.resp_bpm, hrv_bpm=s.hrv_bpm)
    frames = np.stack(list(render_frames(n, fps, wave.bvp, s, seed)))
    return PulseClip(frames, float(fps), float(hr_bpm), int(seed), s.resp_bpm, s.hrv_bpm)


def write_avi(path: Path, frames: np.ndarray, fps: float) -> None:
    """RGB frames as a lossless FFV1 ``.avi``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    h, w = frames.shape[1:3]
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"FFV1"), fps, (w, h))
    if not out.isOpened():
        raise InputError(f"OpenCV cannot write FFV1 video to {path}")
    try:
        for f in frames:
            out.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    finally:
        out.release()


def write_images(folder: Path, frames: np.ndarray, names: Sequence[str]) -> None:
    """RGB frames as lossless image files (format from each name's extension)."""
    folder.mkdir(parents=True, exist_ok=True)
    for f, name in zip(frames, names, strict=True):
        cv2.imwrite(str(folder / name), cv2.cvtColor(f, cv2.COLOR_RGB2BGR))


# ---- one writer per layout; each returns {video id as the loader names it: clip} ----------------------


def write_ubfc2(root: Path, clips: dict[int, PulseClip]) -> dict[str, PulseClip]:
    """UBFC-rPPG DATASET_2: ``subject{n}/vid.avi`` + ``ground_truth.txt`` (rows PPG, HR bpm, time s)."""
    for n, c in clips.items():
        d = Path(root) / f"subject{n}"
        write_avi(d / "vid.avi", c.frames, c.fps)
        rows = np.vstack([c.ppg(c.times), np.full(c.times.size, c.hr_bpm), c.times])
        np.savetxt(d / "ground_truth.txt", rows, fmt="%.9e", delimiter=" ")
    return {f"subject{n}": c for n, c in clips.items()}


def write_ubfc1(root: Path, clips: dict[int, PulseClip]) -> dict[str, PulseClip]:
    """UBFC-rPPG DATASET_1: ``{n}-gt/vid.avi`` + ``gtdump.xmp`` (ms, HR, SpO2, PPG at ~62 Hz, jittered)."""
    rng = np.random.default_rng(0)
    for n, c in clips.items():
        d = Path(root) / f"{n}-gt"
        write_avi(d / "vid.avi", c.frames, c.fps)
        dur_ms = len(c.frames) / c.fps * 1000
        t_ms = np.cumsum(rng.uniform(14, 18, int(dur_ms / 16) + 5))
        t_ms = t_ms[t_ms < dur_ms] - t_ms[0]
        cols = [t_ms, np.full(t_ms.size, c.hr_bpm), np.full(t_ms.size, 98), c.ppg(t_ms / 1000)]
        np.savetxt(d / "gtdump.xmp", np.column_stack(cols), fmt="%.6f", delimiter=",")
    return {f"{n}-gt": c for n, c in clips.items()}


def write_pure(root: Path, clips: dict[tuple[int, int], PulseClip]) -> dict[str, PulseClip]:
    """PURE: ``NN-MM/NN-MM/Image{ns}.png`` (jittered ns stamps) + ``NN-MM.json`` (60 Hz integer waveform)."""
    rng = np.random.default_rng(1)
    out = {}
    for (s, t), c in clips.items():
        name = f"{s:02d}-{t:02d}"
        t0 = _PURE_T0_NS + s * 10**12 + t * 10**10
        frame_ns = t0 + np.round((c.times + rng.normal(0, 0.002, c.times.size)) * 1e9).astype(np.int64)
        frame_ns = np.maximum.accumulate(frame_ns + np.arange(frame_ns.size))
        write_images(Path(root) / name / name, c.frames, [f"Image{ns}.png" for ns in frame_ns])
        ppg_t = np.arange(0, c.times[-1] + 1 / c.fps, 1 / PURE_PPG_FS) + 0.0005
        wave = np.round(c.ppg(ppg_t) * 40 + 100)  # integer units, as the oximeter sends
        pkg = [
            {"Timestamp": int(t0 + tt * 1e9), "Value": {"waveform": int(w), "pulseRate": int(round(c.hr_bpm)),
                                                         "o2saturation": 98, "signalStrength": 4}}
            for tt, w in zip(ppg_t, wave, strict=True)
        ]  # fmt: skip
        doc = {"/FullPackage": pkg, "/Image": [{"Timestamp": int(ns)} for ns in frame_ns]}
        (Path(root) / name / f"{name}.json").write_text(json.dumps(doc))
        out[name] = c
    return out


#: Attributes of every synthetic MMPD recording (the toolbox's INFO filters read them).
MMPD_ATTRS = {
    "light": "LED-low", "motion": "Stationary", "exercise": "False", "skin_color": 3.0, "gender": "male",
    "glasser": "False", "hair_cover": "False", "makeup": "False",
}  # fmt: skip


def write_mmpd(root: Path, clips: dict[tuple[int, int], PulseClip]) -> dict[str, PulseClip]:
    """MMPD: ``subject{n}/p{n}_{k}.mat`` (MATLAB v5; ``video`` float 0..1, ``GT_ppg`` one per frame)."""
    from scipy.io import savemat

    for (n, k), c in clips.items():
        d = Path(root) / f"subject{n}"
        d.mkdir(parents=True, exist_ok=True)
        video = c.frames.astype(np.float32) / 255.0
        savemat(d / f"p{n}_{k}.mat", {"video": video, "GT_ppg": c.ppg(c.times)[None, :], **MMPD_ATTRS})
    return {f"subject{n}_{k}": c for (n, k), c in clips.items()}


def write_ubfc_phys(root: Path, clips: dict[tuple[int, int], PulseClip]) -> dict[str, PulseClip]:
    """UBFC-Phys: ``s{n}/vid_s{n}_T{k}.avi`` + ``bvp_s{n}_T{k}.csv`` (one column, 64 Hz, no header)."""
    for (n, k), c in clips.items():
        d = Path(root) / f"s{n}"
        write_avi(d / f"vid_s{n}_T{k}.avi", c.frames, c.fps)
        t = np.arange(0, len(c.frames) / c.fps, 1 / UBFC_PHYS_BVP_FS)
        np.savetxt(d / f"bvp_s{n}_T{k}.csv", c.ppg(t), fmt="%.9f")
    return {f"s{n}_T{k}": c for (n, k), c in clips.items()}


def write_ibvp(root: Path, clips: dict[tuple[int, str], PulseClip]) -> dict[str, PulseClip]:
    """iBVP: ``pXX_y/pXX_y_rgb/{i}.bmp`` + ``pXX_y_bvp.csv`` (header; BVP, SQ columns; first 10 SQ low)."""
    for (n, y), c in clips.items():
        name = f"p{n:02d}_{y}"
        names = [f"{i}.bmp" for i in range(1, len(c.frames) + 1)]
        write_images(Path(root) / name / f"{name}_rgb", c.frames, names)
        bvp = c.ppg(c.times)
        sq = np.where(np.arange(bvp.size) < 10, 0.1, 0.9)
        np.savetxt(Path(root) / name / f"{name}_bvp.csv", np.column_stack([bvp, sq, sq, sq]), fmt="%.9f",
                   delimiter=",", header="BVP,SQ1,SQ1_conf,SQ2", comments="")  # fmt: skip
    return {f"p{n:02d}_{y}": c for (n, y), c in clips.items()}


def write_scamps(root: Path, clips: dict[tuple[str, int], PulseClip]) -> dict[str, PulseClip]:
    """SCAMPS: ``{split}/P{i:06d}.mat`` (MATLAB v7.3: ``Xsub`` stored 3 x W x H x T, ``d_ppg`` per frame)."""
    import h5py

    for (split, i), c in clips.items():
        path = Path(root) / split / f"P{i:06d}.mat"
        path.parent.mkdir(parents=True, exist_ok=True)
        with h5py.File(path, "w", userblock_size=512) as f:  # MATLAB v7.3 = HDF5 after a 512-byte header
            f["Xsub"] = np.transpose(c.frames.astype(np.float64) / 255.0, (3, 2, 1, 0))
            f["d_ppg"] = c.ppg(c.times)[None, :]
        with open(path, "r+b") as fh:
            fh.write(b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: synthetic HDF5 schema 1.00 .")
    return {f"P{i:06d}": c for (_, i), c in clips.items()}


def write_cohface(root: Path, clips: dict[tuple[int, int], PulseClip]) -> dict[str, PulseClip]:
    """COHFACE: ``{s}/{k}/data.avi`` + ``data.hdf5`` (``pulse`` 256 Hz, ``respiration``, ``time`` s)."""
    import h5py

    for (s, k), c in clips.items():
        d = Path(root) / str(s) / str(k)
        write_avi(d / "data.avi", c.frames, c.fps)
        t = np.arange(0, len(c.frames) / c.fps, 1 / COHFACE_PULSE_FS)
        with h5py.File(d / "data.hdf5", "w") as f:
            f["pulse"] = c.ppg(t)
            f["respiration"] = np.sin(2 * np.pi * 0.25 * t)
            f["time"] = t
    return {f"{s}_{k}": c for (s, k), c in clips.items()}


def write_vipl(root: Path, clips: dict[tuple[int, str, int], PulseClip]) -> dict[str, PulseClip]:
    """VIPL-HR: ``p{n}/{v}/source{s}/video.avi`` + ``wave.csv`` (60 Hz) + ``gt_HR.csv`` + ``time.txt``
    (ms per frame, jittered; source2 has none, as in the dataset)."""
    rng = np.random.default_rng(2)
    for (p, v, s), c in clips.items():
        d = Path(root) / f"p{p}" / v / f"source{s}"
        write_avi(d / "video.avi", c.frames, c.fps)
        t = np.arange(0, len(c.frames) / c.fps, 1 / VIPL_WAVE_FS)
        np.savetxt(d / "wave.csv", c.ppg(t), fmt="%.6f", header="Wave", comments="")
        np.savetxt(
            d / "gt_HR.csv", np.full(max(1, int(t[-1])), c.hr_bpm), fmt="%.1f", header="HR", comments=""
        )
        if s != 2:
            ms = np.round(c.times * 1000 + rng.uniform(0, 3, c.times.size)).astype(int)
            np.savetxt(d / "time.txt", ms, fmt="%d")
    return {f"p{p}_{v}_s{s}": c for (p, v, s), c in clips.items()}


#: Layout name (the loader's registry name) -> (writer, key of the i-th clip, i = 1, 2, ...).
LAYOUTS: dict[str, tuple[Callable[..., dict[str, PulseClip]], Callable[[int], object]]] = {
    "ubfc-rppg": (write_ubfc2, lambda i: i),
    "pure": (write_pure, lambda i: (i, 1)),
    "mmpd": (write_mmpd, lambda i: (i, 0)),
    "ubfc-phys": (write_ubfc_phys, lambda i: (i, 1)),
    "ibvp": (write_ibvp, lambda i: (i, "a")),
    "scamps": (write_scamps, lambda i: ("Train", i)),
    "cohface": (write_cohface, lambda i: (i, 0)),
    "vipl-hr": (write_vipl, lambda i: (i, "v1", 1)),
}


def write_rppg_tree(layout: str, root: str | Path, clips: Sequence[PulseClip]) -> dict[str, PulseClip]:
    """Write ``clips`` as a tree in ``layout`` (one subject per clip, subjects numbered 1..N).

    Returns {video id as the loader names it: clip}.
    """
    if layout not in LAYOUTS:
        raise InputError(f"unknown rPPG tree layout {layout!r}; known: {', '.join(LAYOUTS)}")
    writer, key = LAYOUTS[layout]
    return writer(Path(root), {key(i): c for i, c in enumerate(clips, start=1)})


def make_rppg_tree(
    layout: str, root: str | Path, n_videos: int = 3, seconds: float = 8.0, size: int = 64,
    hr_range_bpm: tuple[float, float] = (60.0, 110.0), seed: int = 0, fps: float | None = None,
    motion: bool = False,
) -> dict[str, float]:  # fmt: skip
    """Render ``n_videos`` clips (HRs spread evenly over ``hr_range_bpm``, seeds ``seed + i``) at the layout's
    camera rate (``fps`` overrides it) and write them as a ``layout`` tree; returns {video id: true HR, bpm}."""
    if n_videos < 1:
        raise InputError(f"n_videos must be >= 1, got {n_videos}")
    rate = float(fps or LAYOUT_FPS.get(layout, 30.0))
    hrs = np.linspace(hr_range_bpm[0], hr_range_bpm[1], n_videos)
    clips = [make_clip(float(h), seed + i, seconds, rate, size, motion) for i, h in enumerate(hrs, start=1)]
    return {vid: c.hr_bpm for vid, c in write_rppg_tree(layout, root, clips).items()}


def make_ubfc_tree(
    root: str | Path, n_videos: int = 10, seconds: float = 10.0, size: tuple[int, int] = (128, 128),
    fps: float = 30.0, hr_range_bpm: tuple[float, float] = (55.0, 110.0), seed: int = 0, motion: bool = False,
) -> dict[str, float]:  # fmt: skip
    """Write a UBFC-rPPG DATASET_2 tree of synthetic videos; returns {subject folder: mean true HR, bpm}.

    The ground truth's HR row is the instantaneous HR put in (not a constant). Args: ``root`` output folder;
    ``n_videos`` subjects (subject1..subjectN); ``seconds``, ``size`` (width, height px), ``fps`` (Hz) of every
    video; true HRs spread evenly over ``hr_range_bpm``; video i uses seed ``seed + i``; ``motion`` head motion.
    """
    if n_videos < 1:
        raise InputError(f"n_videos must be >= 1, got {n_videos}")
    n = int(round(seconds * fps))
    s = SynthSettings(width=int(size[0]), height=int(size[1]), motion=bool(motion))
    truth = {}
    for i, hr in enumerate(np.linspace(hr_range_bpm[0], hr_range_bpm[1], n_videos), start=1):
        t = np.arange(n) / fps
        wave = ppg_waveform(t, float(hr), seed=seed + i, resp_bpm=s.resp_bpm, hrv_bpm=s.hrv_bpm)
        d = Path(root) / f"subject{i}"
        write_avi(d / "vid.avi", np.stack(list(render_frames(n, fps, wave.bvp, s, seed + i))), fps)
        np.savetxt(d / "ground_truth.txt", np.vstack([wave.bvp, wave.hr_bpm, t]), fmt="%.9e")
        truth[d.name] = float(round(wave.mean_hr_bpm, 6))
    return truth
