"""The pure core after the front end: a raw pulse wave -> post-processed BVP, HR, HR over time, HRV, respiration.

No video, no face model: a :class:`micropulse.frontend.RawPulse` (or any raw wave with its rate) in,
:class:`PulseCore` out (see :func:`analyse_raw`), so the same steps serve files, cameras, batches and the
web server. :mod:`micropulse.pipeline.pulse` glues it to the front end and writes the outputs.
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

#: Default window of the HR-over-time series, seconds (hop 1 s).
HR_WINDOW_S = 10.0
#: Windows of the HR series estimated per block (bounds the memory of long videos).
SERIES_BLOCK = 60


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
        recipe_hr_bpm: the HR by a named evaluation recipe, when one was asked for.
    """

    bvp: np.ndarray
    times_s: np.ndarray
    fs: float
    summary: PulseSummary
    segment: tuple[int, int]
    band_hz: tuple[float, float]
    notes: tuple[str, ...] = ()
    recipe_hr_bpm: float | None = None


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


def analyse_raw(
    bvp: np.ndarray,
    fs: float,
    filtered: bool,
    band: tuple[float, float] | None = None,
    window_s: float | None = None,
    recipe: str | None = None,
    diff_normalized: bool = False,
    name: str = "video",
) -> PulseCore:
    """A raw pulse wave (uniform at ``fs`` Hz) -> post-processed BVP and its summary.

    Args:
        bvp: the predictor's raw output. fs: its rate, Hz.
        filtered: the predictor band-limits its output itself (POS, CHROM, ICA): no second band-pass.
        band: HR search band in Hz (None: ``micropulse.signals.DEFAULT_BAND``, or the recipe's band). For a
            signal shorter than two cycles of the low edge the low edge is raised (a note says so).
        window_s: window of the HR-over-time series, seconds (None: :data:`HR_WINDOW_S`).
        recipe: a named evaluation recipe (``micropulse list recipes``): the headline HR is then the
            recipe's, computed exactly as ``micropulse evaluate`` computes it.
        diff_normalized: the wave is a first difference (integrated by the recipe).
        name: the video's name, for messages.
    """
    from micropulse.signals.recipes import get_recipe

    rec = get_recipe(recipe) if recipe is not None else None
    try:
        x = np.asarray(bvp, np.float64)
        if band is None and rec is not None:
            band = rec.band_hz
        hr_band, notes = _hr_band(band, x.size, fs)
        out, summary = analyse_bvp(x, fs, hr_band, window_s, filtered=filtered)
        recipe_hr = None
        if rec is not None:
            recipe_hr = rec.hr_bpm(rec.postprocess(x, fs, diff_normalized), fs)
    except (SignalError, InputError) as exc:
        raise type(exc)(f"{name}: {exc.message}") from None
    return PulseCore(out, np.arange(out.size) / fs, fs, summary, (0, out.size), hr_band, tuple(notes), recipe_hr)
