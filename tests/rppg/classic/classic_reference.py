"""Plain per-window reference loops of the windowed methods, written straight from their definitions
(spec rppg.md section 5, 2SR paper). Slow on purpose: the tests compare the vectorised methods to them.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import signal as sps


def pos_raw_loop(rgb: np.ndarray, fs: float) -> np.ndarray:
    n = rgb.shape[0]
    length = math.ceil(1.6 * fs)
    proj = np.array([[0, 1, -1], [-2, 1, 1]], dtype=float)
    out = np.zeros(n)
    for start in range(n - length + 1):
        win = rgb[start : start + length]
        s = proj @ (win / win.mean(axis=0)).T
        h = s[0] + (s[0].std() / s[1].std()) * s[1]
        out[start : start + length] += h - h.mean()
    return out


def chrom_loop(rgb: np.ndarray, fs: float) -> np.ndarray:
    """The toolbox's CHROM windows; returns the first (L/2) * floor(T / (L/2)) samples it defines."""
    n = rgb.shape[0]
    length = math.ceil(1.6 * fs)
    length += length % 2
    hop = length // 2
    sos = sps.butter(3, [0.7, 2.5], btype="bandpass", fs=fs, output="sos")
    n_win = (n - hop) // hop
    out = np.zeros(hop * (n_win + 1))
    for k in range(n_win):
        win = rgb[k * hop : k * hop + length]
        cn = win / win.mean(axis=0)
        xf = sps.sosfiltfilt(sos, 3 * cn[:, 0] - 2 * cn[:, 1], padlen=21)
        yf = sps.sosfiltfilt(sos, 1.5 * cn[:, 0] + cn[:, 1] - 1.5 * cn[:, 2], padlen=21)
        s = (xf - xf.std() / yf.std() * yf) * sps.windows.hann(length)
        out[k * hop : k * hop + length] += s
    return out


def ssr_loop(pixels: np.ndarray, fs: float) -> np.ndarray:
    n = pixels.shape[0]
    length = max(2, int(round(fs)))
    lams, us = [], []
    for k in range(n):
        v = pixels[k]
        lam, u = np.linalg.eigh(v.T @ v / v.shape[0])
        lam, u = lam[::-1], u[:, ::-1].copy()
        if u[:, 0].sum() < 0:
            u[:, 0] *= -1
        lams.append(lam)
        us.append(u)
    out = np.zeros(n)
    for tau in range(n - length + 1):
        sr = np.zeros((length, 3))
        for j, t in enumerate(range(tau, tau + length)):
            u1 = us[t][:, 0]
            for e in (1, 2):
                ue = us[tau][:, e]
                sr[j] += math.sqrt(lams[t][0] / lams[tau][e]) * (u1 @ ue) * ue
        p = sr[:, 0] - sr[:, 0].std() / sr[:, 1].std() * sr[:, 1]
        out[tau : tau + length] += p - p.mean()
    return out
