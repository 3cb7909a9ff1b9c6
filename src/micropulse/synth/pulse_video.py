"""Synthetic face videos with a known pulse: lossless FFV1 video + ``bvp.csv`` + ``meta.json``.

Per frame: the skin pixels of real face material darken with the blood volume (the PPG) along the
pulse direction in RGB (strongest in green), then a global illumination gain (slow drift + flicker) is applied, the
whole frame is moved (smooth translation, small rotation and zoom: head motion), sensor noise is
added and the frame is rounded to 8 bits. Everything is deterministic by ``seed``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

from micropulse.errors import InputError
from micropulse.io import write_video
from micropulse.progress import progress
from micropulse.synth.material import load_material
from micropulse.synth.ppg import ppg_waveform

log = logging.getLogger(__name__)

# Relative pulsatile amplitude per channel (R, G, B): the blood-volume "pulse direction" of skin in
# normalised RGB (de Haan & van Leest 2014, PBV signature), strongest in green.
PULSE_DIRECTION = (0.33, 0.77, 0.53)
VIDEO_NAME = "video.mkv"
BVP_NAME = "bvp.csv"
META_NAME = "meta.json"


@dataclass(frozen=True)
class SynthSettings:
    """Everything that shapes a synthetic pulse video besides HR, seed and length (units in names)."""

    material: str = "astronaut"
    width: int = 320
    height: int = 240
    motion: bool = False
    illumination: bool = False
    pulse_amplitude: float = 0.01  # peak-to-peak relative skin modulation along PULSE_DIRECTION
    noise_std: float = 2.0  # sensor noise, 8-bit grey levels
    motion_px: float = 0.03  # translation amplitude as a fraction of the frame width
    rotation_deg: float = 3.0
    drift_fraction: float = 0.10  # illumination drift amplitude (fraction of intensity)
    flicker_fraction: float = 0.004  # per-frame illumination jitter std (fraction)
    resp_bpm: float = 15.0
    hrv_bpm: float = 1.5
    pulse_direction: tuple[float, float, float] = field(default=PULSE_DIRECTION)


@dataclass(frozen=True)
class SynthVideo:
    """A synthetic video on disk and its truth.

    Attributes:
        video_path: the lossless FFV1 video (Matroska).
        bvp_path: ``bvp.csv`` with columns time_s, bvp (one row per frame).
        meta_path: ``meta.json`` with hr_bpm, hr_series, seed, settings, fps, n_frames.
        hr_bpm: mean true heart rate, bpm.
        fps: frame rate, Hz.
        n_frames: number of frames.
        seed: the random seed.
        settings: rendering settings.
    """

    video_path: Path
    bvp_path: Path
    meta_path: Path
    hr_bpm: float
    fps: float
    n_frames: int
    seed: int
    settings: SynthSettings

    def to_dict(self) -> dict:
        return {
            "video_path": str(self.video_path),
            "bvp_path": str(self.bvp_path),
            "meta_path": str(self.meta_path),
            "hr_bpm": self.hr_bpm,
            "fps": self.fps,
            "n_frames": self.n_frames,
            "seed": self.seed,
            "settings": asdict(self.settings),
        }


def _smooth_path(rng: np.random.Generator, t_s: np.ndarray, max_hz: float = 0.35) -> np.ndarray:
    """Smooth zero-mean path in [-1, 1]: a few slow random sinusoids (below the pulse band)."""
    freqs = rng.uniform(0.04, max_hz, 3)
    phases = rng.uniform(0, 2 * np.pi, 3)
    weights = rng.uniform(0.5, 1.0, 3)
    path = (weights[:, None] * np.sin(2 * np.pi * freqs[:, None] * t_s + phases[:, None])).sum(axis=0)
    return path / weights.sum()


def _motion_matrices(rng: np.random.Generator, t_s: np.ndarray, s: SynthSettings) -> np.ndarray:
    """(n, 2, 3) affine matrices: rotation + small zoom about the centre, then translation."""
    dx = _smooth_path(rng, t_s) * s.motion_px * s.width
    dy = _smooth_path(rng, t_s) * s.motion_px * s.width * 0.6
    ang = _smooth_path(rng, t_s) * s.rotation_deg
    zoom = 1.0 + 0.03 * _smooth_path(rng, t_s)
    centre = (s.width / 2.0, s.height / 2.0)
    mats = np.empty((t_s.size, 2, 3))
    for i in range(t_s.size):
        mats[i] = cv2.getRotationMatrix2D(centre, float(ang[i]), float(zoom[i]))
        mats[i, :, 2] += (dx[i], dy[i])
    return mats


def _illumination(rng: np.random.Generator, t_s: np.ndarray, s: SynthSettings) -> np.ndarray:
    """Global intensity gain per frame: slow drift (+-drift_fraction) times flicker jitter."""
    drift = 1.0 + s.drift_fraction * _smooth_path(rng, t_s, max_hz=0.08)
    flicker = 1.0 + s.flicker_fraction * rng.standard_normal(t_s.size)
    return drift * flicker


def render_frames(n_frames: int, fps: float, bvp: np.ndarray, settings: SynthSettings, seed: int):
    """Yield the synthetic frames (H, W, 3) uint8 RGB, one per sample of ``bvp``."""
    mat = load_material(settings.material, (settings.width, settings.height))
    t_s = np.arange(n_frames) / fps
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)]
    mats = _motion_matrices(streams[0], t_s, settings) if settings.motion else None
    gain = _illumination(streams[1], t_s, settings) if settings.illumination else np.ones(n_frames)
    noise_rng = streams[2]
    direction = np.asarray(settings.pulse_direction, np.float32) * np.float32(settings.pulse_amplitude)
    n_mat = mat.frames.shape[0]
    # Video material plays forwards then backwards (ping-pong), so it never jumps.
    cycle = max(1, 2 * n_mat - 2)
    skin = mat.frames * mat.masks[..., None]
    for i in range(n_frames):
        k = i % cycle
        k = k if k < n_mat else cycle - k
        # more blood, more absorption: the skin darkens as the blood volume (bvp) rises
        frame = mat.frames[k] - skin[k] * (direction * np.float32(bvp[i]))
        frame *= np.float32(gain[i])
        if mats is not None:
            frame = cv2.warpAffine(
                frame,
                mats[i],
                (settings.width, settings.height),
                flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REFLECT101,
            )
        if settings.noise_std > 0:
            frame += noise_rng.standard_normal(frame.shape, dtype=np.float32) * np.float32(settings.noise_std)
        yield np.clip(frame + 0.5, 0, 255).astype(np.uint8)


def make_pulse_video(
    out_dir: str | Path,
    seconds: float = 20.0,
    hr_bpm: float = 72.0,
    fps: float = 30.0,
    seed: int = 0,
    motion: bool = False,
    illumination: bool = False,
    material: str | Path = "astronaut",
    size: tuple[int, int] = (320, 240),
    noise: float = 2.0,
    pulse_amplitude: float = 0.01,
    progress_bar: bool = False,
) -> SynthVideo:
    """Write a synthetic face video with a known pulse into ``out_dir``.

    Args:
        out_dir: folder to write ``video.mkv`` (FFV1, lossless), ``bvp.csv`` and ``meta.json`` into.
        seconds: duration, seconds.
        hr_bpm: mean heart rate, bpm (beat-to-beat variability and breathing are added around it).
        fps: frame rate, Hz.
        seed: random seed; the same seed gives byte-identical frames.
        motion: add head motion (smooth translation, rotation up to 3 degrees, small zoom).
        illumination: add illumination drift (+-10%) and flicker (0.4% per frame).
        material: ``"astronaut"``, ``"carphone"`` or the path of an image with a face.
        size: (width, height) in pixels.
        noise: sensor noise std, 8-bit grey levels.
        pulse_amplitude: peak-to-peak relative skin modulation along the pulse direction.
        progress_bar: draw a progress bar.
    """
    if not 0 < fps <= 240:
        raise InputError(f"fps must be in (0, 240] Hz, got {fps}")
    n_frames = int(round(seconds * fps))
    if n_frames < 2:
        raise InputError(f"seconds * fps must give at least 2 frames, got {seconds} s at {fps} Hz")
    if not 0 <= pulse_amplitude < 0.2 or noise < 0:
        raise InputError("pulse_amplitude must be in [0, 0.2) and noise >= 0")
    settings = SynthSettings(
        material=str(material),
        width=int(size[0]),
        height=int(size[1]),
        motion=bool(motion),
        illumination=bool(illumination),
        noise_std=float(noise),
        pulse_amplitude=float(pulse_amplitude),
    )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t_s = np.arange(n_frames) / fps
    wave = ppg_waveform(t_s, hr_bpm, seed=seed, resp_bpm=settings.resp_bpm, hrv_bpm=settings.hrv_bpm)
    video_path = out / VIDEO_NAME
    tmp_path = out / f".{VIDEO_NAME}.partial.mkv"
    with progress(n_frames, "synthesising", enabled=progress_bar) as advance:

        def frames():
            for rgb in render_frames(n_frames, fps, wave.bvp, settings, seed):
                yield rgb
                advance()

        write_video(tmp_path, frames(), fps)
    tmp_path.replace(video_path)
    bvp_path = out / BVP_NAME
    rows = "\n".join(f"{t:.6f},{b:.6f}" for t, b in zip(t_s, wave.bvp, strict=True))
    bvp_path.write_text("time_s,bvp\n" + rows + "\n")
    meta = {
        "synthetic": True,
        "video": VIDEO_NAME,
        "hr_bpm": round(wave.mean_hr_bpm, 6),
        "hr_series": [
            [round(float(t), 4), round(float(h), 4)] for t, h in zip(t_s, wave.hr_bpm, strict=True)
        ],
        "resp_bpm": wave.resp_bpm,
        "seed": int(seed),
        "fps": float(fps),
        "n_frames": n_frames,
        "seconds": n_frames / fps,
        "settings": asdict(settings),
    }
    meta_path = out / META_NAME
    meta_path.write_text(json.dumps(meta, indent=1))
    log.info("wrote %s (%d frames, HR %.1f bpm)", video_path, n_frames, round(wave.mean_hr_bpm, 6))
    return SynthVideo(
        video_path=video_path,
        bvp_path=bvp_path,
        meta_path=meta_path,
        hr_bpm=round(wave.mean_hr_bpm, 6),
        fps=float(fps),
        n_frames=n_frames,
        seed=int(seed),
        settings=settings,
    )
