"""Synthetic skin-colour traces for the classic-method tests (skin-reflection model, Wang et al. 2017).

C(t) = I(t) * (u_c * c0 + u_s * s(t) + u_p * p(t)) + sensor noise, per pixel or for the mean colour:

* u_c: skin tone (unit RGB vector), c0 its brightness;
* u_s: illuminant colour (specular reflection is the colour of the light), s(t) its strength;
* p(t): the blood volume pulse. Its camera-space direction is u_p = u_c * PBV * pulse_amp with
  PBV ~ [0.33, 0.77, 0.53] (normalised), so after temporal normalisation (c / mean) the pulse lies
  along the PBV signature, the convention of the PBV and POS papers;
* I(t): intensity (slow drift, flicker).

Everything is in the tests (no committed blobs); every trace is seeded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal as sps

from micropulse.signals.filters import bandpass, detrend

SKIN_TONE = np.array([0.7682, 0.5121, 0.3841])  # a standardised skin tone (unit vector)
WHITE = np.ones(3) / np.sqrt(3.0)
PBV = np.array([0.33, 0.77, 0.53]) / np.linalg.norm([0.33, 0.77, 0.53])


@dataclass(frozen=True)
class Scene:
    """Parameters of one synthetic recording (frequencies in Hz, durations in s)."""

    hr_bpm: float = 72.0
    seconds: float = 20.0
    fs: float = 30.0
    brightness: float = 150.0  # c0, 8-bit-like scale
    pulse_amp: float = 0.01  # relative colour modulation along PBV
    noise: float = 0.1  # sensor noise of the mean colour (std, same units as brightness)
    drift: float = 0.05  # relative intensity drift over the recording
    flicker_amp: float = 0.0  # relative intensity flicker
    flicker_hz: float = 1.75
    specular_amp: float = 0.0  # specular strength variation (units of brightness)
    specular_hz: float = 0.85
    seed: int = 0


def pulse_wave(t: np.ndarray, hr_bpm: float, rng: np.random.Generator) -> np.ndarray:
    """A PPG-like zero-mean pulse: fundamental + 2nd harmonic, slight rate wobble (+-1%)."""
    f = hr_bpm / 60.0
    phase = 2 * np.pi * f * t + 0.06 * np.sin(2 * np.pi * 0.1 * t + rng.uniform(0, 2 * np.pi))
    return np.sin(phase) + 0.35 * np.sin(2 * phase + 0.8)


def _components(scene: Scene) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.random.Generator]:
    rng = np.random.default_rng(scene.seed)
    n = int(round(scene.seconds * scene.fs))
    t = np.arange(n) / scene.fs
    p = pulse_wave(t, scene.hr_bpm, rng)
    intensity = (
        1.0
        + scene.drift * t / max(t[-1], 1e-9)
        + scene.flicker_amp * np.sin(2 * np.pi * scene.flicker_hz * t + 0.3)
    )
    specular = scene.specular_amp * (1.0 + np.sin(2 * np.pi * scene.specular_hz * t + 1.1))
    return t, p, intensity, specular, rng


def skin_trace(scene: Scene) -> np.ndarray:
    """Mean skin colour per frame, shape (T, 3), strictly positive."""
    _, p, intensity, specular, rng = _components(scene)
    diffuse = scene.brightness * SKIN_TONE * (1.0 + scene.pulse_amp * PBV * p[:, None])
    rgb = intensity[:, None] * (diffuse + specular[:, None] * WHITE)
    return rgb + rng.normal(0.0, scene.noise, rgb.shape)


def skin_pixels(scene: Scene, n_pixels: int = 64, pixel_noise: float = 2.0) -> np.ndarray:
    """Skin pixels per frame, shape (T, N, 3): per-pixel shading and tone jitter, independent noise."""
    _, p, intensity, specular, rng = _components(scene)
    shading = rng.uniform(0.6, 1.4, size=(1, n_pixels, 1))
    tone = SKIN_TONE * (1.0 + rng.normal(0.0, 0.03, size=(1, n_pixels, 3)))
    diffuse = scene.brightness * shading * tone * (1.0 + scene.pulse_amp * PBV * p[:, None, None])
    pix = intensity[:, None, None] * (diffuse + specular[:, None, None] * WHITE)
    return np.clip(pix + rng.normal(0.0, pixel_noise, pix.shape), 1e-3, None)


def hr_from_bvp(bvp: np.ndarray, fs: float, band: tuple[float, float] = (0.75, 2.5)) -> float:
    """HR in bpm: detrend (lambda 100), Butterworth order 1 band-pass, zero-padded periodogram peak.

    The evaluation recipe of spec rppg.md 4.2/4.3 (toolbox 2023 band), with a 16x finer FFT grid
    (0.1 bpm) so that the tests measure the method, not the bin width.
    """
    y = bandpass(detrend(bvp, 100.0), fs, band, order=1)
    nfft = 16 * (1 << int(np.ceil(np.log2(y.size))))
    freqs, psd = sps.periodogram(y, fs=fs, nfft=nfft, detrend=False)
    mask = (freqs >= band[0]) & (freqs <= band[1])
    return float(freqs[mask][np.argmax(psd[mask])] * 60.0)


def method_input(name: str, scene: Scene, needs_pixels: bool) -> np.ndarray:
    """The input a method takes: pixels for pixel methods, the mean-colour trace otherwise."""
    return skin_pixels(scene) if needs_pixels else skin_trace(scene)
