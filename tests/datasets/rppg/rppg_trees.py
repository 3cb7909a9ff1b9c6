"""Writers of fixture trees in the exact layouts of the eight rPPG datasets, from ``micropulse.synth``
videos and their truth (small: 64x64 pixels, a few seconds), and test-side HR estimators."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import h5py
import numpy as np
from scipy.io import savemat

from micropulse.io import open_video
from micropulse.synth import make_pulse_video, ppg_waveform


@dataclass(frozen=True)
class Clip:
    """A synthetic video in memory with its truth; ``ppg(t)`` evaluates its pulse at any times."""

    frames: np.ndarray  # T x H x W x 3 uint8 RGB
    fps: float
    hr_bpm: float
    seed: int
    resp_bpm: float
    hrv_bpm: float

    def _base(self):
        """The truth on one fine grid over the clip (ppg_waveform normalises per call, so every
        other sampling is interpolated from this single call)."""
        t = np.arange(0, len(self.frames) / self.fps + 0.5, 1e-3)
        w = ppg_waveform(t, self.hr_bpm, seed=self.seed, resp_bpm=self.resp_bpm, hrv_bpm=self.hrv_bpm)
        return t, w.bvp, w.hr_bpm

    def ppg(self, t_s: np.ndarray) -> np.ndarray:
        t, bvp, _ = self._base()
        return np.interp(np.asarray(t_s, float), t, bvp)

    def mean_hr(self, t0: float, t1: float) -> float:
        """Time-average of the instantaneous HR put in, over [t0, t1] s (bpm)."""
        t, _, hr = self._base()
        return float(hr[(t >= t0) & (t <= t1)].mean())

    @property
    def times(self) -> np.ndarray:
        return np.arange(len(self.frames)) / self.fps


def read_rgb(path) -> np.ndarray:
    """All frames of a video as (T, H, W, 3) RGB uint8, read through micropulse.io."""
    with open_video(path) as video:
        return np.stack([f.rgb for f in video])


def make_clip(tmp: Path, hr_bpm: float, seed: int, seconds: float = 8.0, fps: float = 30.0) -> Clip:
    v = make_pulse_video(tmp, seconds=seconds, hr_bpm=hr_bpm, fps=fps, seed=seed, size=(64, 64))
    s = v.settings
    return Clip(read_rgb(v.video_path), v.fps, v.hr_bpm, v.seed, s.resp_bpm, s.hrv_bpm)


def write_avi(path: Path, frames: np.ndarray, fps: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    h, w = frames.shape[1:3]
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"FFV1"), fps, (w, h))
    assert out.isOpened()
    for f in frames:
        out.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    out.release()


def write_images(folder: Path, frames: np.ndarray, names: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for f, name in zip(frames, names, strict=True):
        cv2.imwrite(str(folder / name), cv2.cvtColor(f, cv2.COLOR_RGB2BGR))


# ---- one writer per dataset; each returns {video id: true HR (bpm)} --------------------------------


def ubfc2(root: Path, clips: dict[int, Clip]) -> dict[str, Clip]:
    for n, c in clips.items():
        d = root / f"subject{n}"
        write_avi(d / "vid.avi", c.frames, c.fps)
        rows = np.vstack([c.ppg(c.times), np.full(c.times.size, c.hr_bpm), c.times])
        np.savetxt(d / "ground_truth.txt", rows, fmt="%.9e", delimiter=" ")
    return {f"subject{n}": c for n, c in clips.items()}


def ubfc1(root: Path, clips: dict[int, Clip]) -> dict[str, Clip]:
    rng = np.random.default_rng(0)
    for n, c in clips.items():
        d = root / f"{n}-gt"
        write_avi(d / "vid.avi", c.frames, c.fps)
        dur_ms = len(c.frames) / c.fps * 1000
        t_ms = np.cumsum(rng.uniform(14, 18, int(dur_ms / 16) + 5))
        t_ms = t_ms[t_ms < dur_ms] - t_ms[0]
        rows = np.column_stack(
            [t_ms, np.full(t_ms.size, c.hr_bpm), np.full(t_ms.size, 98), c.ppg(t_ms / 1000)]
        )
        np.savetxt(d / "gtdump.xmp", rows, fmt="%.6f", delimiter=",")
    return {f"{n}-gt": c for n, c in clips.items()}


def pure(root: Path, clips: dict[tuple[int, int], Clip]) -> dict[str, Clip]:
    rng = np.random.default_rng(1)
    out = {}
    for (s, t), c in clips.items():
        name = f"{s:02d}-{t:02d}"
        t0 = 1_392_643_993_642_753_000 + s * 10**12
        frame_ns = t0 + np.round((c.times + rng.normal(0, 0.002, c.times.size)) * 1e9).astype(np.int64)
        frame_ns = np.maximum.accumulate(frame_ns + np.arange(frame_ns.size))
        write_images(root / name / name, c.frames, [f"Image{ns}.png" for ns in frame_ns])
        ppg_t = np.arange(0, c.times[-1] + 1 / c.fps, 1 / 60.0) + 0.0005
        wave = np.round(c.ppg(ppg_t) * 40 + 100)  # integer units, as the oximeter sends
        pkg = [
            {
                "Timestamp": int(t0 + tt * 1e9),
                "Value": {
                    "waveform": int(w),
                    "pulseRate": int(round(c.hr_bpm)),
                    "o2saturation": 98,
                    "signalStrength": 4,
                },
            }
            for tt, w in zip(ppg_t, wave, strict=True)
        ]
        doc = {"/FullPackage": pkg, "/Image": [{"Timestamp": int(ns)} for ns in frame_ns]}
        (root / name / f"{name}.json").write_text(json.dumps(doc))
        out[name] = c
    return out


MMPD_ATTRS = {
    "light": "LED-low",
    "motion": "Stationary",
    "exercise": "False",
    "skin_color": 3.0,
    "gender": "male",
    "glasser": "False",
    "hair_cover": "False",
    "makeup": "False",
}


def mmpd(root: Path, clips: dict[tuple[int, int], Clip]) -> dict[str, Clip]:
    for (n, k), c in clips.items():
        d = root / f"subject{n}"
        d.mkdir(parents=True, exist_ok=True)
        savemat(
            d / f"p{n}_{k}.mat",
            {"video": c.frames.astype(np.float32) / 255.0, "GT_ppg": c.ppg(c.times)[None, :], **MMPD_ATTRS},
        )
    return {f"subject{n}_{k}": c for (n, k), c in clips.items()}


def ubfc_phys(root: Path, clips: dict[tuple[int, int], Clip]) -> dict[str, Clip]:
    for (n, k), c in clips.items():
        d = root / f"s{n}"
        write_avi(d / f"vid_s{n}_T{k}.avi", c.frames, c.fps)
        t = np.arange(0, len(c.frames) / c.fps, 1 / 64.0)
        np.savetxt(d / f"bvp_s{n}_T{k}.csv", c.ppg(t), fmt="%.9f")
    return {f"s{n}_T{k}": c for (n, k), c in clips.items()}


def ibvp(root: Path, clips: dict[tuple[int, str], Clip]) -> dict[str, Clip]:
    for (n, y), c in clips.items():
        name = f"p{n:02d}_{y}"
        write_images(root / name / f"{name}_rgb", c.frames, [f"{i}.bmp" for i in range(1, len(c.frames) + 1)])
        bvp = c.ppg(c.times)
        sq = np.where(np.arange(bvp.size) < 10, 0.1, 0.9)
        np.savetxt(
            root / name / f"{name}_bvp.csv",
            np.column_stack([bvp, sq, sq, sq]),
            fmt="%.9f",
            delimiter=",",
            header="BVP,SQ1,SQ1_conf,SQ2",
            comments="",
        )
    return {f"p{n:02d}_{y}": c for (n, y), c in clips.items()}


def scamps(root: Path, clips: dict[str, Clip]) -> dict[str, Clip]:
    for i, (split, c) in enumerate(clips.items(), start=1):
        path = root / split / f"P{i:06d}.mat"
        path.parent.mkdir(parents=True, exist_ok=True)
        with h5py.File(path, "w", userblock_size=512) as f:  # MATLAB v7.3 = HDF5 after a 512-byte header
            f["Xsub"] = np.transpose(c.frames.astype(np.float64) / 255.0, (3, 2, 1, 0))
            f["d_ppg"] = c.ppg(c.times)[None, :]
        with open(path, "r+b") as fh:
            fh.write(b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: synthetic HDF5 schema 1.00 .")
    return {f"P{i:06d}": c for i, c in enumerate(clips.values(), start=1)}


def cohface(root: Path, clips: dict[tuple[int, int], Clip]) -> dict[str, Clip]:
    for (s, k), c in clips.items():
        d = root / str(s) / str(k)
        write_avi(d / "data.avi", c.frames, c.fps)
        t = np.arange(0, len(c.frames) / c.fps, 1 / 256.0)
        with h5py.File(d / "data.hdf5", "w") as f:
            f["pulse"] = c.ppg(t)
            f["respiration"] = np.sin(2 * np.pi * 0.25 * t)
            f["time"] = t
    return {f"{s}_{k}": c for (s, k), c in clips.items()}


def vipl(root: Path, clips: dict[tuple[int, str, int], Clip]) -> dict[str, Clip]:
    rng = np.random.default_rng(2)
    for (p, v, s), c in clips.items():
        d = root / f"p{p}" / v / f"source{s}"
        write_avi(d / "video.avi", c.frames, c.fps)
        t = np.arange(0, len(c.frames) / c.fps, 1 / 60.0)
        np.savetxt(d / "wave.csv", c.ppg(t), fmt="%.6f", header="Wave", comments="")
        np.savetxt(d / "gt_HR.csv", np.full(int(t[-1]), c.hr_bpm), fmt="%.1f", header="HR", comments="")
        if s != 2:  # source2 has no time.txt
            ms = np.round(c.times * 1000 + rng.uniform(0, 3, c.times.size)).astype(int)
            np.savetxt(d / "time.txt", ms, fmt="%d")
    return {f"p{p}_{v}_s{s}": c for (p, v, s), c in clips.items()}


def make_tree(name: str, root: Path, clips: dict[float, Clip]) -> dict[str, Clip]:
    """Write the named dataset's layout under ``root``; return {video id: clip (its truth)}."""
    a, b, c = clips[58.0], clips[74.0], clips[96.0]
    writers = {
        "ubfc-rppg": lambda: ubfc2(root, {10: a, 2: b, 1: c}),
        "ubfc-rppg-1": lambda: ubfc1(root, {11: a, 5: b}),
        "pure": lambda: pure(root, {(1, 1): a, (1, 2): b, (10, 1): c}),
        "mmpd": lambda: mmpd(root, {(1, 0): a, (1, 1): b, (2, 0): c}),
        "ubfc-phys": lambda: ubfc_phys(root, {(1, 1): clips[35.0], (1, 2): clips[35.0], (3, 1): clips[35.0]}),
        "ibvp": lambda: ibvp(root, {(1, "a"): a, (1, "b"): b, (2, "a"): c}),
        "scamps": lambda: scamps(root, {"Train": a, "Test": b}),
        "cohface": lambda: cohface(root, {(1, 0): clips[20.0], (12, 3): clips[20.0]}),
        "vipl-hr": lambda: vipl(root, {(1, "v1", 1): a, (1, "v1", 2): b, (2, "v9-2", 3): c}),
    }
    return writers[name]()


def hr_of(values: np.ndarray, times: np.ndarray, band=(0.7, 3.0)) -> float:
    """Test-side spectral HR (bpm): uniform 30 Hz resampling, then the zero-padded periodogram peak."""
    t = np.arange(times[0], times[-1], 1 / 30.0)
    x = np.interp(t, times, values)
    x = (x - x.mean()) * np.hanning(x.size)
    nfft = 2**18
    spec = np.abs(np.fft.rfft(x, nfft)) ** 2
    f = np.fft.rfftfreq(nfft, 1 / 30.0)
    m = (f >= band[0]) & (f <= band[1])
    return float(f[m][np.argmax(spec[m])] * 60)


def beat_hr(values: np.ndarray, times: np.ndarray) -> tuple[float, float, float]:
    """Test-side beat HR: systolic peaks (cubic resampling to 300 Hz, parabolic refinement).

    Returns (bpm, first peak s, last peak s); bpm = beats / time between first and last peak, which
    equals the time-average of the instantaneous HR over that span.
    """
    from scipy.interpolate import CubicSpline
    from scipy.signal import find_peaks

    fs = 300.0
    t = np.arange(times[0], times[-1], 1 / fs)
    x = CubicSpline(times, values)(t)
    idx, _ = find_peaks(x, distance=int(fs * 0.4), prominence=0.4 * np.ptp(x))
    idx = idx[(idx > 0) & (idx < x.size - 1)]
    a, b, c = x[idx - 1], x[idx], x[idx + 1]
    tp = t[idx] + 0.5 * (a - c) / (a - 2 * b + c) / fs
    return 60.0 * (tp.size - 1) / (tp[-1] - tp[0]), float(tp[0]), float(tp[-1])


def check_truth(values: np.ndarray, times: np.ndarray, clip: Clip, tol: float = 0.5) -> None:
    """HR from loaded ground truth within ``tol`` bpm of the HR the synthetic clip put in."""
    bpm, t0, t1 = beat_hr(values, times)
    assert abs(bpm - clip.mean_hr(t0, t1)) <= tol, (bpm, clip.mean_hr(t0, t1))
    assert abs(hr_of(values, times) - clip.hr_bpm) <= 3.0  # spectral peak near the nominal HR (HRV moves it)
