"""One PNG per pulse recording: the wave with its beats, the spectrum with the HR marked, the HR
over time and (optionally) a face thumbnail. matplotlib with the Agg backend (no display)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from micropulse.errors import InputError
from micropulse.signals.types import Beats, PulseSummary


def plot_pulse(
    path_png: str | Path,
    signal: np.ndarray,
    fs: float,
    summary: PulseSummary,
    beats: Beats | None = None,
    thumbnail: np.ndarray | None = None,
    title: str = "micropulse",
    max_seconds: float = 30.0,
) -> Path:
    """Write the pulse figure to ``path_png`` and return its path.

    Args:
        path_png: output PNG path (parent folders are created).
        signal: 1-D pulse wave at ``fs`` Hz (as analysed).
        fs: sampling rate in Hz.
        summary: :func:`micropulse.signals.summarize` result for ``signal``.
        beats: beats to mark (default: ``summary.beats``).
        thumbnail: optional RGB image (H, W, 3), uint8 or float in [0, 1], shown in a panel.
        title: figure title.
        max_seconds: the wave panel shows the first ``max_seconds`` seconds.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy import signal as sps

    x = np.asarray(signal, dtype=np.float64).ravel()
    if x.size < 2:
        raise InputError("plot_pulse needs a signal of at least 2 samples")
    beats = summary.beats if beats is None else beats
    t = np.arange(x.size) / fs
    has_thumb = thumbnail is not None
    fig = plt.figure(figsize=(11, 7.5), constrained_layout=True)
    grid = fig.add_gridspec(3, 4 if has_thumb else 3)
    ax_w = fig.add_subplot(grid[0, :3])
    ax_s = fig.add_subplot(grid[1, :3])
    ax_h = fig.add_subplot(grid[2, :3])

    show = t <= max_seconds
    ax_w.plot(t[show], x[show], lw=0.8, color="tab:red")
    if beats is not None and beats.n_beats:
        bt = beats.times_s[beats.times_s <= max_seconds]
        ax_w.plot(bt, np.interp(bt, t, x), "o", ms=3.5, color="k", label=f"beats ({beats.n_beats} total)")
        ax_w.legend(loc="upper right", fontsize=8)
    ax_w.set(xlabel="time (s)", ylabel="pulse (a.u.)", title="pulse wave")

    nper = int(min(x.size, 12 * fs))
    f, p = sps.welch(x - x.mean(), fs=fs, nperseg=nper, nfft=max(4096, nper))
    lo, hi = summary.band_hz
    m = f * 60 <= max(240.0, hi * 60 * 1.2)
    ax_s.plot(f[m] * 60, p[m], color="tab:blue", lw=1)
    ax_s.axvspan(lo * 60, hi * 60, color="tab:green", alpha=0.08, label="HR band")
    ax_s.axvline(summary.hr.bpm, color="k", ls="--", lw=1, label=f"HR {summary.hr.bpm:.1f} bpm")
    ax_s.set(xlabel="frequency (bpm)", ylabel="PSD", title=f"spectrum ({summary.method})")
    ax_s.legend(loc="upper right", fontsize=8)

    if summary.hr_series is not None and len(summary.hr_series):
        s = summary.hr_series
        ax_h.plot(s.times_s, s.bpm, "-", color="tab:purple", lw=1)
        sc = ax_h.scatter(s.times_s, s.bpm, c=s.confidence, s=10, cmap="viridis", vmin=0, vmax=1)
        fig.colorbar(sc, ax=ax_h, label="confidence", pad=0.01)
    ax_h.axhline(summary.hr.bpm, color="k", ls="--", lw=0.8)
    ax_h.set(xlabel="time (s)", ylabel="HR (bpm)", title="heart rate over time")

    hrv = summary.hrv
    resp = "-" if summary.respiration_bpm is None else f"{summary.respiration_bpm:.1f}/min"
    rmssd = "-" if hrv.rmssd_ms is None else f"{hrv.rmssd_ms:.0f} ms"
    fig.suptitle(
        f"{title}: HR {summary.hr.bpm:.1f} bpm, RMSSD {rmssd}{'' if hrv.reliable else ' (unreliable)'}, "
        f"resp {resp}, quality {summary.quality:.2f}, SNR {summary.snr_db:.1f} dB"
    )
    if has_thumb:
        img = np.asarray(thumbnail)
        if img.ndim != 3 or img.shape[2] != 3:
            raise InputError(f"thumbnail must be an RGB array (H, W, 3), got shape {img.shape}")
        ax_t = fig.add_subplot(grid[:, 3])
        ax_t.imshow(img if img.dtype == np.uint8 else np.clip(img, 0, 1))
        ax_t.set_axis_off()
        ax_t.set_title("face")
    out = Path(path_png)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out
