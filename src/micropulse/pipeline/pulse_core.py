"""The pure core of the pulse pipeline: mean skin colour per frame -> pulse of the longest face segment.

No video, no face model: numpy arrays in, :class:`PulseCore` out (see :func:`pulse_from_rgb`), so the
same steps serve files, cameras and dataset evaluation. :mod:`micropulse.pipeline.pulse` glues it to
the face front-end and writes the outputs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from micropulse.errors import InputError, SignalError

if TYPE_CHECKING:
    from micropulse.signals import PulseSummary

log = logging.getLogger(__name__)

#: Shortest face segment (seconds) a heart rate is computed from.
MIN_FACE_SECONDS = 2.0
#: Gaps in the face track up to this long (seconds) are bridged by interpolation.
MAX_GAP_S = 1.0
#: Default window of the HR-over-time series, seconds (hop 1 s).
HR_WINDOW_S = 10.0
#: Windows of the HR series estimated per block (bounds the memory of long videos).
SERIES_BLOCK = 60


def face_segments(
    valid: np.ndarray, times_s: np.ndarray, max_gap_s: float = MAX_GAP_S
) -> list[tuple[int, int]]:
    """Index ranges [start, stop) of face presence, gaps up to ``max_gap_s`` seconds bridged."""
    idx = np.flatnonzero(np.asarray(valid, bool))
    if idx.size == 0:
        return []
    t = np.asarray(times_s, float)[idx]
    cuts = np.flatnonzero(np.diff(t) > max_gap_s + 1e-9)  # a cut after idx[cuts[k]]
    starts = np.concatenate([[idx[0]], idx[cuts + 1]])
    stops = np.concatenate([idx[cuts] + 1, [idx[-1] + 1]])
    return [(int(a), int(b)) for a, b in zip(starts, stops, strict=True)]


def uniform_traces(times_s: np.ndarray, rgb: np.ndarray, fps: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Put (T, 3) traces on a uniform time grid; NaN rows (short face gaps) are interpolated.

    Container timestamps that follow ``index / fps`` within half a frame are taken as regular (Matroska
    rounds them to milliseconds); otherwise (variable frame rate, dropped frames) the traces are
    resampled to their mean rate with :func:`micropulse.signals.resample_uniform`.

    Returns:
        (times_s, rgb, fs): uniform times (seconds), (N, 3) colour, rate in Hz.
    """
    from micropulse.signals.resample import fill_gaps, resample_uniform

    t = np.asarray(times_s, float)
    n = t.size
    regular = fps > 0 and np.max(np.abs(t - (t[0] + np.arange(n) / fps))) < 0.5 / fps
    if regular:
        out = np.column_stack([fill_gaps(rgb[:, c], fps, max_gap_s=MAX_GAP_S + 1.0 / fps) for c in range(3)])
        return t[0] + np.arange(n) / fps, out, float(fps)
    fs = (n - 1) / (t[-1] - t[0])
    cols = [resample_uniform(t, rgb[:, c], fs=fs, max_gap_s=MAX_GAP_S + 1.0 / fs) for c in range(3)]
    m = min(c[0].size for c in cols)
    log.info("irregular frame times: traces resampled to a uniform %.3f Hz", fs)
    return cols[0][0][:m], np.column_stack([c[1][:m] for c in cols]), float(fs)


@dataclass(frozen=True)
class PulseCore:
    """What :func:`pulse_from_rgb` finds: the post-processed BVP of one face segment and its summary.

    Attributes:
        bvp: detrended, band-passed pulse wave (unitless) at ``fs`` Hz.
        times_s: time of each BVP sample, seconds (same clock as the input times).
        fs: sampling rate, Hz.
        summary: :class:`micropulse.signals.PulseSummary` (HR bpm, HRV, respiration, SNR, quality).
        segment: (start, stop) frame indices of the analysed face segment.
        band_hz: HR search band used, Hz (narrowed from below for very short segments; see notes).
        notes: what the user should know about this analysis.
    """

    bvp: np.ndarray
    times_s: np.ndarray
    fs: float
    summary: PulseSummary
    segment: tuple[int, int]
    band_hz: tuple[float, float]
    notes: tuple[str, ...] = ()


def postprocess(bvp: np.ndarray, fs: float, band: tuple[float, float], filtered: bool) -> np.ndarray:
    """Clean a method's raw BVP before HR analysis (after spec rppg.md 4.2, see below).

    Every output is detrended (smoothness priors, lambda 100). Methods without a filter of their own
    (GREEN, LGI, PBV, OMIT, PCA: ``filtered=False``) are also band-passed on the HR ``band`` (Hz) with
    the toolbox's order-1 zero-phase Butterworth. Methods that already band-pass (POS, CHROM, ICA) are
    not filtered a second time: the toolbox does, but a second order-1 band-pass halves the power of a
    50-bpm fundamental next to its 2nd harmonic (measured on synthetic videos), and the HR estimator
    of the signal layer band-limits its input anyway.
    """
    from micropulse.signals import bandpass, detrend

    x = detrend(bvp)
    return x if filtered else bandpass(x, fs, band, order=1)


def _hr_series_blocked(
    bvp: np.ndarray, fs: float, band: tuple[float, float], window_s: float, hop_s: float = 1.0
):
    """:func:`micropulse.signals.hr_series` run on blocks of :data:`SERIES_BLOCK` windows and joined.

    The same windows and values as one call (each window is estimated on its own), but the spectra of
    only one block are in memory at a time: one call on a 10-minute video holds every window's
    spectrum (~50 MB at 30 fps), which would make peak memory grow with the video's length.
    Returns None when the signal is shorter than one window (or the window too short for the band).
    """
    from micropulse.signals import HRSeries, hr_series

    win, hop = int(round(window_s * fs)), max(1, int(round(hop_s * fs)))
    if bvp.size < win:
        return None
    n_windows = (bvp.size - win) // hop + 1
    parts = []
    try:
        for first in range(0, n_windows, SERIES_BLOCK):
            last = min(n_windows, first + SERIES_BLOCK) - 1
            a = first * hop
            part = hr_series(bvp[a : last * hop + win], fs, window_s=window_s, hop_s=hop_s, band=band)
            parts.append((a / fs, part))
    except SignalError as exc:
        log.info("no HR series: %s", exc)
        return None
    first_part = parts[0][1]
    return HRSeries(
        times_s=np.concatenate([p.times_s + offset for offset, p in parts]),
        bpm=np.concatenate([p.bpm for _, p in parts]),
        confidence=np.concatenate([p.confidence for _, p in parts]),
        window_s=first_part.window_s,
        hop_s=first_part.hop_s,
        method=first_part.method,
        band_hz=first_part.band_hz,
    )


def _fit_band(band: tuple[float, float], n: int, fs: float) -> tuple[float, float]:
    """Raise the low edge so the segment holds two cycles of it (the HR estimator's minimum)."""
    from micropulse.signals.hr import min_samples

    lo, hi = band
    if n >= min_samples(fs, band):
        return band
    lo = float(np.ceil(2.0 * fs / n * 1000.0) / 1000.0)  # two cycles of lo in n samples, rounded up
    if lo >= 0.8 * hi:
        raise SignalError(
            f"{n / fs:.2f} s of face is too short for a heart rate in the {band[0]}-{hi} Hz band"
        )
    return lo, hi


def pulse_from_rgb(
    times_s: np.ndarray,
    rgb: np.ndarray,
    fps: float,
    method: str = "pos",
    band: tuple[float, float] | None = None,
    window_s: float | None = None,
    min_seconds: float = MIN_FACE_SECONDS,
    name: str = "video",
) -> PulseCore:
    """Mean skin colour per frame (NaN where no face) -> pulse of the longest face segment.

    Steps: longest face segment (gaps up to :data:`MAX_GAP_S` bridged) -> uniform time grid ->
    classic method -> :func:`postprocess` (detrend; band-pass for unfiltered methods) ->
    :func:`micropulse.signals.summarize`.

    Args:
        times_s: (T,) frame times, seconds.
        rgb: (T, 3) mean skin colour per frame (NaN rows where the face is missing).
        fps: nominal frame rate, Hz.
        method: classic rPPG method name.
        band: HR search band in Hz (None: ``micropulse.signals.DEFAULT_BAND``). For a segment shorter than two
            cycles of the low edge, the low edge is raised (and a note says so).
        window_s: window of the HR-over-time series, seconds (None: :data:`HR_WINDOW_S`).
        min_seconds: shortest face segment accepted, seconds.
        name: the video's name, for messages.

    Raises:
        SignalError: no face segment of ``min_seconds``; a degenerate signal (the message names ``name``).
    """
    from micropulse.rppg.classic import apply_method, get_method

    valid = np.isfinite(rgb).all(axis=1)
    segments = face_segments(valid, times_s)
    if not segments:
        raise SignalError(f"{name}: no frame with a usable face region")
    start, stop = max(segments, key=lambda s: times_s[s[1] - 1] - times_s[s[0]])
    t_seg = np.asarray(times_s[start:stop], float)
    length_s = (t_seg[-1] - t_seg[0] + 1.0 / fps) if t_seg.size > 1 else 0.0
    if length_s < min_seconds:
        raise SignalError(
            f"{name}: the face is visible for only {length_s:.2f} s in one stretch; "
            f"at least {min_seconds:g} s are needed for a heart rate"
        )
    try:
        t_u, rgb_u, fs = uniform_traces(t_seg, rgb[start:stop], fps)
        hr_band, notes = _hr_band(band, t_u.size, fs)
        bvp = np.asarray(apply_method(method, rgb_u, fs), dtype=np.float64).ravel()
        t_bvp = t_u[: bvp.size]
        bvp, summary = analyse_bvp(
            bvp, fs, hr_band, window_s, filtered=get_method(method).info.band_hz is not None
        )
    except (SignalError, InputError) as exc:
        raise type(exc)(f"{name}: {exc.message}") from None
    return PulseCore(bvp, t_bvp, fs, summary, (start, stop), hr_band, tuple(notes))


def _hr_band(band: tuple[float, float] | None, n: int, fs: float) -> tuple[tuple[float, float], list[str]]:
    """The HR band asked for (default: the signal layer's), narrowed when the signal is short."""
    from micropulse.signals import DEFAULT_BAND, check_band

    asked = check_band(DEFAULT_BAND if band is None else (float(band[0]), float(band[1])), fs)
    hr_band = _fit_band(asked, n, fs)
    notes = []
    if hr_band != asked:
        notes.append(
            f"only {n / fs:.2f} s of face: HR band narrowed to {hr_band[0]:g}-{hr_band[1]:g} Hz "
            "(two cycles of the lowest rate must fit); a longer video gives a trustworthy HR"
        )
    return hr_band, notes


def analyse_bvp(
    bvp: np.ndarray, fs: float, hr_band: tuple[float, float], window_s: float | None, filtered: bool
) -> tuple[np.ndarray, PulseSummary]:
    """Post-process a raw BVP (see :func:`postprocess`) and summarise it: HR, HR over time, HRV, respiration."""
    from micropulse.signals import summarize

    bvp = postprocess(bvp, fs, hr_band, filtered=filtered)
    # HR over time in blocks of windows (flat memory on long videos), the rest by summarize
    series = _hr_series_blocked(bvp, fs, hr_band, HR_WINDOW_S if window_s is None else float(window_s))
    return bvp, replace(summarize(bvp, fs, band=hr_band, window_s=bvp.size / fs + 1.0), hr_series=series)


def pulse_from_deep_bvp(
    times_s: np.ndarray,
    bvp: np.ndarray,
    fs: float,
    band: tuple[float, float] | None = None,
    window_s: float | None = None,
    name: str = "video",
) -> PulseCore:
    """A deep model's BVP of one face segment (uniformly sampled at ``fs`` Hz) -> the same analysis as the
    classic path (the model's band-limited output is detrended and band-passed like an unfiltered method)."""
    try:
        hr_band, notes = _hr_band(band, len(bvp), fs)
        out, summary = analyse_bvp(np.asarray(bvp, np.float64), fs, hr_band, window_s, filtered=False)
    except (SignalError, InputError) as exc:
        raise type(exc)(f"{name}: {exc.message}") from None
    return PulseCore(out, np.asarray(times_s, float), fs, summary, (0, len(out)), hr_band, tuple(notes))
