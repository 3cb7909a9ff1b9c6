"""One PNG per pulse recording: the whole wave (band-passed, so a baseline trend does not flatten it) with
a zoom on a clean stretch (beats marked on their systolic peaks), the spectrum the HR was picked from (filtered, within the analysis band), the HR over time
and (optionally) a face thumbnail. matplotlib with the Agg backend (no display)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from micropulse.errors import InputError
from micropulse.signals.types import Beats, PulseSummary

#: Length (s) of the zoomed stretch of the wave.
ZOOM_S = 10.0


def clean_stretch(beats: Beats | None, duration_s: float, window_s: float = ZOOM_S) -> tuple[float, float]:
    """(start, end) in seconds of the ``window_s`` stretch with the most clean beat intervals (ties: the
    earliest; each rejected interval inside counts against it): the representative part to zoom on.
    The whole recording when it is no longer than ``window_s``."""
    if duration_s <= window_s:
        return 0.0, float(duration_s)
    if beats is None or beats.n_beats < 3:
        return 0.0, float(window_s)
    t0, t1 = beats.times_s[:-1], beats.times_s[1:]
    best, best_start = -np.inf, 0.0
    for start in np.concatenate([[0.0], beats.times_s]):
        start = float(min(max(0.0, start - 0.25), duration_s - window_s))  # a little before the beat
        inside = (t0 >= start) & (t1 <= start + window_s)
        score = int((inside & beats.ibi_valid).sum()) - 2 * int((inside & ~beats.ibi_valid).sum())
        if score > best:
            best, best_start = score, start
    return best_start, best_start + float(window_s)


def peak_times(signal: np.ndarray, fs: float, beats: Beats | None) -> np.ndarray:
    """Time (s) of each beat's systolic peak: the extreme of the pulse wave (in its polarity) from 0.4
    before to 0.6 of the median inter-beat interval after the beat's fiducial point (its steepest edge,
    where beats are timed), so the marker sits on the peak whichever edge timed the beat."""
    from micropulse.signals.beats import pulse_polarity

    x = np.asarray(signal, dtype=np.float64).ravel()
    if beats is None or beats.n_beats == 0:
        return np.zeros(0)
    sign = pulse_polarity(x, fs)
    ibi_s = float(np.median(beats.ibi_ms)) / 1000.0 if beats.ibi_ms.size else 1.0
    before, after = int(round(0.4 * ibi_s * fs)), max(1, int(round(0.6 * ibi_s * fs)))
    out = []
    for i in np.asarray(beats.indices, dtype=np.int64):
        a, b = max(0, int(i) - before), min(x.size, int(i) + after + 1)
        if a < b:
            out.append((a + int(np.argmax(sign * x[a:b]))) / fs)
    return np.asarray(out)


def display_wave(signal: np.ndarray, fs: float, band: tuple[float, float]) -> np.ndarray:
    """The wave as drawn: zero-phase band-passed from 2/3 of the band's low edge to 3x its high edge (the
    pulse shape with its harmonics, without the baseline trend that would flatten it on screen)."""
    from micropulse.errors import SignalError
    from micropulse.signals.filters import bandpass

    x = np.asarray(signal, dtype=np.float64).ravel()
    hi = min(3.0 * band[1], 0.45 * fs)
    try:
        return bandpass(x, fs, (band[0] / 1.5, hi), order=2)
    except (SignalError, InputError):  # too short to filter: the raw wave, centred
        return x - x.mean()


def _spectrum_panel(ax, x: np.ndarray, fs: float, summary: PulseSummary) -> None:  # noqa: ANN001
    """The filtered spectrum the HR estimators use, shown within the analysis band."""
    from micropulse.errors import SignalError
    from micropulse.signals.hr import hr_spectrum
    from micropulse.signals.spectrum import band_mask

    lo, hi = summary.band_hz
    try:
        f, p = hr_spectrum(x, fs, summary.band_hz, method=summary.method)
    except SignalError as exc:  # too short or flat: say so in the panel
        ax.text(0.5, 0.5, f"no spectrum: {exc}", ha="center", va="center", transform=ax.transAxes)
        return
    m = band_mask(f, summary.band_hz)
    ax.plot(f[m] * 60, p[m] / max(float(p[m].max()), 1e-300), color="tab:blue", lw=1.2)
    ax.axvline(summary.hr.bpm, color="k", ls="--", lw=1, label=f"HR {summary.hr.bpm:.1f} bpm")
    if 2 * summary.hr.bpm <= hi * 60:
        ax.axvline(2 * summary.hr.bpm, color="0.5", ls=":", lw=1, label="2 x HR")
    ax.set_xlim(lo * 60, hi * 60)
    ax.set(xlabel="frequency (bpm)", ylabel="power (peak = 1)",
           title=f"spectrum of the filtered pulse, {lo:g}-{hi:g} Hz ({summary.method})")  # fmt: skip
    ax.legend(loc="upper right", fontsize=8)


def plot_pulse(
    path_png: str | Path,
    signal: np.ndarray,
    fs: float,
    summary: PulseSummary,
    beats: Beats | None = None,
    thumbnail: np.ndarray | None = None,
    title: str = "micropulse",
    max_seconds: float = ZOOM_S,
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
        max_seconds: length of the zoomed clean stretch (s); a recording no longer than it is shown whole.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    raw = np.asarray(signal, dtype=np.float64).ravel()
    if raw.size < 2:
        raise InputError("plot_pulse needs a signal of at least 2 samples")
    x = display_wave(raw, fs, summary.band_hz)
    if thumbnail is not None:
        img = np.asarray(thumbnail)
        if img.ndim != 3 or img.shape[2] != 3:
            raise InputError(f"thumbnail must be an RGB array (H, W, 3), got shape {img.shape}")
    beats = summary.beats if beats is None else beats
    t = np.arange(x.size) / fs
    duration = x.size / fs
    a, b = clean_stretch(beats, duration, max_seconds)
    zoomed = b - a < duration - 1e-9
    peaks = peak_times(x, fs, beats)
    rows = 4 if zoomed else 3
    fig = plt.figure(figsize=(11, 2.5 * rows), constrained_layout=True)
    grid = fig.add_gridspec(rows, 4 if thumbnail is not None else 3)
    axes = [fig.add_subplot(grid[r, :3]) for r in range(rows)]
    if zoomed:
        ax_all, ax_w, ax_s, ax_h = axes
        ax_all.plot(t, x, lw=0.5, color="tab:red")
        ax_all.axvspan(a, b, color="tab:green", alpha=0.15, label=f"zoom below ({b - a:.0f} s)")
        ax_all.set(xlabel="time (s)", ylabel="pulse (a.u.)",
                   title=f"whole recording ({duration:.0f} s), band-passed")  # fmt: skip
        ax_all.set_xlim(0, duration)
        ax_all.legend(loc="upper right", fontsize=8)
    else:
        ax_w, ax_s, ax_h = axes
    show = (t >= a) & (t <= b)
    ax_w.plot(t[show], x[show], lw=0.9, color="tab:red")
    if peaks.size:
        pk = peaks[(peaks >= a) & (peaks <= b)]
        ax_w.plot(pk, np.interp(pk, t, x), "v", ms=5, color="k",
                  label=f"beats at their systolic peaks ({peaks.size} in the recording)")  # fmt: skip
        ax_w.legend(loc="upper right", fontsize=8)
    ax_w.set(xlabel="time (s)", ylabel="pulse (a.u.)",
             title="pulse wave (band-passed), clean stretch" if zoomed else "pulse wave (band-passed)")  # fmt: skip
    ax_w.set_xlim(a, b)

    _spectrum_panel(ax_s, raw, fs, summary)

    if summary.hr_series is not None and len(summary.hr_series):
        s = summary.hr_series
        ax_h.plot(s.times_s, s.bpm, "-", color="tab:purple", lw=1)
        sc = ax_h.scatter(s.times_s, s.bpm, c=s.confidence, s=10, cmap="viridis", vmin=0, vmax=1)
        fig.colorbar(sc, ax=ax_h, label="confidence", pad=0.01)
    else:
        ax_h.text(0.5, 0.5, "recording shorter than one HR window: no HR over time", ha="center",
                  va="center", transform=ax_h.transAxes, color="0.4")  # fmt: skip
    ax_h.axhline(summary.hr.bpm, color="k", ls="--", lw=0.8)
    ax_h.set(xlabel="time (s)", ylabel="HR (bpm)", title="heart rate over time")

    hrv = summary.hrv
    resp = "-" if summary.respiration_bpm is None else f"{summary.respiration_bpm:.1f}/min"
    rmssd = "-" if hrv.rmssd_ms is None else f"{hrv.rmssd_ms:.0f} ms"
    quality = "-" if not np.isfinite(summary.quality) else f"{summary.quality:.2f}"
    snr = "-" if not np.isfinite(summary.snr_db) else f"{summary.snr_db:.1f} dB"
    hr_tag = "" if summary.hr.reliable else " (UNRELIABLE)"
    fig.suptitle(
        f"{title}: HR {summary.hr.bpm:.1f} bpm{hr_tag}, RMSSD {rmssd}{'' if hrv.reliable else ' (unreliable)'}, "
        f"resp {resp}, quality {quality}, SNR {snr}"
    )
    if thumbnail is not None:
        img = np.asarray(thumbnail)
        ax_t = fig.add_subplot(grid[:, 3])
        ax_t.imshow(img if img.dtype == np.uint8 else np.clip(img, 0, 1))
        ax_t.set_axis_off()
        ax_t.set_title("face")
    out = Path(path_png)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out
