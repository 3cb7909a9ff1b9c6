"""Heart rate from a pulse wave: periodogram, Welch and peak-based estimators, and HR over time.

Every estimate is inside the search band and carries a confidence in [0, 1]. Spectral methods
take the strongest *local maximum* inside the band (a band edge on the flank of an out-of-band
peak is not a heart rate; the plain argmax is the fallback when no local maximum exists).
Confidence:

- spectral methods: the fraction of in-band power within +-6 bpm (0.1 Hz) of the chosen peak;
- ``peaks``: the fraction of inter-beat intervals kept by artefact rejection times their
  regularity (1 - robust coefficient of variation / 0.5, clipped).

The spectral methods guard against the 2nd harmonic (``harmonic_guard=True``): if the
strongest peak is at f and the spectrum at f/2 (inside the band) holds at least
``HARMONIC_RATIO`` of the peak power, f/2 is the heart rate. A wide band (exercise up to
210 bpm) then stays safe for resting pulses whose dicrotic wave puts power at 2 x HR.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from micropulse.errors import InputError, SignalError
from micropulse.registry import Registry
from micropulse.signals import spectrum
from micropulse.signals.beats import detect_beats
from micropulse.signals.filters import as_signal, check_band, check_fs
from micropulse.signals.types import HeartRate, HRSeries

#: Default HR search band for users' own recordings, in Hz (36-210 bpm): see recipes.py.
DEFAULT_BAND: tuple[float, float] = (0.6, 3.5)
#: Heart rates a human can have, in Hz (30-240 bpm): an HR search band must lie inside it. A band
#: outside it (``--band 0.1 0.2``) would return a number that cannot be a heart rate.
PHYSIOLOGICAL_BAND: tuple[float, float] = (0.5, 4.0)
#: Recordings shorter than this (s) give an HR flagged unreliable: the spectral grid is 60 / T bpm
#: (6 bpm at 10 s) and fewer than ~10 beats are seen.
MIN_RELIABLE_S = 10.0
#: Power at f/2 relative to the peak at f above which f/2 is taken as the heart rate.
HARMONIC_RATIO = 0.5
#: Spectral grid of the micropulse estimators, in bpm (zero-padding), before peak refinement.
GRID_BPM = 0.25

HRMethod = Callable[[np.ndarray, float, tuple[float, float], bool], tuple[np.ndarray, np.ndarray]]
HR_METHODS: Registry[HRMethod] = Registry("HR method")


def min_samples(fs: float, band: tuple[float, float]) -> int:
    """Shortest signal (samples) accepted by :func:`estimate_hr`: two cycles of the band's low edge."""
    return max(8, int(np.ceil(2.0 * fs / band[0])))


def check_hr_band(band: tuple[float, float], fs: float) -> tuple[float, float]:
    """Validate an HR search band (Hz): :func:`check_band` plus inside :data:`PHYSIOLOGICAL_BAND`.

    Raises:
        InputError: the band is malformed, reaches Nyquist, or leaves 0.5-4.0 Hz (30-240 bpm).
    """
    lo, hi = check_band(band, fs)
    plo, phi = PHYSIOLOGICAL_BAND
    if lo < plo - 1e-9 or hi > phi + 1e-9:
        raise InputError(
            f"HR band {lo:g}-{hi:g} Hz ({lo * 60:.0f}-{hi * 60:.0f} bpm) leaves the range of human heart "
            f"rates, {plo:g}-{phi:g} Hz ({plo * 60:.0f}-{phi * 60:.0f} bpm); choose a band inside it, "
            f"e.g. {DEFAULT_BAND[0]:g} {DEFAULT_BAND[1]:g} (the default)"
        )
    return lo, hi


def hr_problems(bpm: float, n_samples: int, fs: float, band: tuple[float, float]) -> list[str]:
    """Why an HR estimate from ``n_samples`` at ``fs`` Hz in ``band`` (Hz) should not be trusted
    (empty when nothing is wrong): a recording shorter than :data:`MIN_RELIABLE_S`, or an estimate on
    a band edge (within one :data:`GRID_BPM` step: the spectrum rises beyond the band, e.g. a trend)."""
    reasons = []
    duration = n_samples / fs
    if duration < MIN_RELIABLE_S:
        reasons.append(f"only {duration:.1f} s of signal (need {MIN_RELIABLE_S:g} s)")
    if min(abs(bpm - band[0] * 60.0), abs(bpm - band[1] * 60.0)) <= GRID_BPM:
        reasons.append(f"HR on the edge of the {band[0]:g}-{band[1]:g} Hz search band")
    return reasons


def _validate(signal: np.ndarray, fs: float, band: tuple[float, float]) -> tuple[np.ndarray, float, tuple]:
    fs = check_fs(fs)
    band = check_hr_band(band, fs)
    x = as_signal(signal, "pulse signal", min_len=1)
    need = min_samples(fs, band)
    if x.size < need:
        raise SignalError(
            f"pulse signal too short: {x.size} samples ({x.size / fs:.2f} s); need at least {need} "
            f"samples (two cycles of {band[0]} Hz at fs={fs} Hz)"
        )
    scale = max(1.0, float(np.max(np.abs(x))))
    if np.ptp(x) <= 1e-12 * scale:
        raise SignalError("pulse signal is flat (constant): no heart rate to estimate")
    return x, fs, band


def pick_peaks(
    freqs: np.ndarray, psd: np.ndarray, band: tuple[float, float], harmonic_guard: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Heart rate (Hz) and confidence per row of ``psd`` (shape (F,) or (W, F)), inside ``band``."""
    p2 = np.atleast_2d(np.nan_to_num(psd, nan=0.0, posinf=0.0))
    m = spectrum.band_mask(freqs, band)
    fb = freqs[m]
    pb = p2[:, m]
    if fb.size == 0:
        raise SignalError(f"no spectral bin inside band {band} Hz: signal too short for this band")
    # Prefer true local maxima of the full spectrum: a band edge on the flank of an out-of-band
    # peak (a trend, or a pulse slower than the band) is not a heart rate.
    lm = np.zeros_like(p2, dtype=bool)
    lm[:, 1:-1] = (p2[:, 1:-1] >= p2[:, :-2]) & (p2[:, 1:-1] >= p2[:, 2:]) & (p2[:, 1:-1] > 0)
    lmb = lm[:, m]
    k = np.where(lmb.any(axis=1), np.argmax(np.where(lmb, pb, -np.inf), axis=1), np.argmax(pb, axis=1))
    if harmonic_guard:
        half = fb[k] / 2.0
        ok = half >= band[0]
        # Search +-0.1 Hz around f/2 for a sub-harmonic local maximum.
        near = (np.abs(fb[None, :] - half[:, None]) <= 0.1) & lmb  # a real peak, not a flank
        sub = np.where(near, pb, -np.inf)
        j = np.argmax(sub, axis=1)
        peak = pb[np.arange(pb.shape[0]), k]
        take = ok & near.any(axis=1) & (pb[np.arange(pb.shape[0]), j] >= HARMONIC_RATIO * peak)
        k = np.where(take, j, k)
    f0 = np.array([spectrum.refine_peak(fb, pb[r], int(k[r])) for r in range(pb.shape[0])])
    f0 = np.clip(f0, band[0], band[1])
    conf = spectrum.peak_power_fraction(freqs, p2, f0, band)
    return f0, conf


def _prefilter(x: np.ndarray, fs: float, band: tuple[float, float]) -> tuple[np.ndarray, float]:
    """Decimate to >= 4x the band's high edge, then a zero-phase Butterworth (order 2) band-pass
    over the band widened 1.5x on each side.

    Slow trends (finger pressure, illumination) otherwise leak through the window sidelobes
    and create false in-band peaks. Rows of a 2-D ``x`` are filtered independently.
    """
    from scipy import signal as sps  # lazy: scipy.signal takes ~1 s to import; the CLI starts without it

    x, fs = spectrum.decimate_for_band(x, fs, band[1])
    # Edges widened by 1.5x so the pass band stays flat (the harmonic guard compares powers).
    sos = sps.butter(2, [band[0] / 1.5, min(band[1] * 1.5, 0.49 * fs)], btype="bandpass", fs=fs, output="sos")
    if x.shape[-1] > 3 * (2 * len(sos) + 1):
        x = sps.sosfiltfilt(sos, x - x.mean(axis=-1, keepdims=True), axis=-1)
    return x, fs


def _nfft(n: int, fs: float) -> int:
    return spectrum.next_pow2(max(n, int(np.ceil(fs * 60.0 / GRID_BPM))))


@HR_METHODS.register("periodogram")
def _hr_periodogram(x: np.ndarray, fs: float, band: tuple, guard: bool) -> tuple[np.ndarray, np.ndarray]:
    """Band-passed boxcar periodogram, nfft = next power of 2 (at least a 0.25 bpm grid)."""
    x, fs = _prefilter(x, fs, band)
    f, p = spectrum.periodogram(x, fs, nfft=_nfft(x.shape[-1], fs))
    return pick_peaks(f, p, band, guard)


@HR_METHODS.register("welch")
def _hr_welch(x: np.ndarray, fs: float, band: tuple, guard: bool) -> tuple[np.ndarray, np.ndarray]:
    """Band-passed Welch, Hann segments of 8 cycles of the band's low edge (>= 12 s when available)."""
    x, fs = _prefilter(x, fs, band)
    nper = _welch_nperseg(x.shape[-1], fs, band)
    f, p = spectrum.welch(x, fs, nperseg=nper, nfft=_nfft(nper, fs))
    return pick_peaks(f, p, band, guard)


def _welch_nperseg(n: int, fs: float, band: tuple[float, float]) -> int:
    """Welch segment: 8 cycles of the band's low edge, at least 12 s when the signal is that long."""
    return int(min(n, max(np.ceil(8.0 * fs / band[0]), 12.0 * fs)))


def _ibi_rate(clean_ibi_ms: np.ndarray, n_total: int) -> tuple[float, float]:
    """(HR in Hz, confidence) from clean intervals: kept fraction x (1 - robust CV / 0.5)."""
    med = np.median(clean_ibi_ms)
    rcv = 1.4826 * np.median(np.abs(clean_ibi_ms - med)) / med
    conf = (clean_ibi_ms.size / max(1, n_total)) * np.clip(1.0 - rcv / 0.5, 0.0, 1.0)
    return 1000.0 / clean_ibi_ms.mean(), float(conf)


@HR_METHODS.register("peaks")
def _hr_peaks(x: np.ndarray, fs: float, band: tuple, guard: bool) -> tuple[np.ndarray, np.ndarray]:
    """60 / mean clean inter-beat interval; falls back to Welch when fewer than 3 clean beats."""
    rows = np.atleast_2d(x)
    hz, conf = np.empty(rows.shape[0]), np.empty(rows.shape[0])
    for r, row in enumerate(rows):
        try:
            beats = detect_beats(row, fs, band=band, min_bpm=band[0] * 60.0, max_bpm=band[1] * 60.0)
            ibi = beats.clean_ibi_ms
        except SignalError:  # flat window inside a series: no beats
            hz[r], conf[r] = band[0], 0.0
            continue
        if ibi.size < 3:
            f, c = _hr_welch(row, fs, band, guard)
            hz[r], conf[r] = f[0], 0.5 * c[0]
            continue
        hz[r], conf[r] = _ibi_rate(ibi, beats.ibi_ms.size)
    return np.clip(hz, band[0], band[1]), np.clip(conf, 0.0, 1.0)


def _windowed_peaks(x, fs, band, starts, win, windows, guard) -> tuple[np.ndarray, np.ndarray]:
    """Peak-based HR per window from beats detected once over the whole signal."""
    try:
        beats = detect_beats(x, fs, band=band, min_bpm=band[0] * 60.0, max_bpm=band[1] * 60.0)
    except SignalError:
        return _hr_welch(np.ascontiguousarray(windows), fs, band, guard)
    t0, t1 = beats.times_s[:-1], beats.times_s[1:]
    hz, conf = np.empty(starts.size), np.empty(starts.size)
    for r, s in enumerate(starts):
        inside = (t0 >= s / fs) & (t1 <= (s + win) / fs)
        ibi = beats.ibi_ms[inside & beats.ibi_valid]
        if ibi.size < 3:
            f, c = _hr_welch(np.ascontiguousarray(windows[r]), fs, band, guard)
            hz[r], conf[r] = f[0], 0.5 * c[0]
            continue
        hz[r], conf[r] = _ibi_rate(ibi, int(inside.sum()))
    return np.clip(hz, band[0], band[1]), np.clip(conf, 0.0, 1.0)


def hr_spectrum(
    signal: np.ndarray, fs: float, band: tuple[float, float] = DEFAULT_BAND, method: str = "welch"
) -> tuple[np.ndarray, np.ndarray]:
    """The spectrum the spectral HR estimators pick the heart rate from: ``(freqs_hz, psd)``.

    The signal is decimated and band-passed exactly as :func:`estimate_hr` does (order-2 Butterworth over
    the band widened 1.5x), so a baseline trend does not dwarf the pulse; ``method`` "periodogram" gives the
    whole-signal periodogram, anything else the Welch spectrum (``peaks`` counts beats, and its fallback
    is Welch). Plot it within the band to show where the HR came from.
    """
    x, fs, band = _validate(signal, fs, band)
    x, fs = _prefilter(x, fs, band)
    if method.lower() == "periodogram":
        return spectrum.periodogram(x, fs, nfft=_nfft(x.size, fs))
    nper = _welch_nperseg(x.size, fs, band)
    return spectrum.welch(x, fs, nperseg=nper, nfft=_nfft(nper, fs))


def check_window(window_s: float, hop_s: float = 1.0) -> None:
    """Refuse an HR-over-time window or hop that is not a positive number of seconds (InputError)."""
    for name, value in (("window", window_s), ("hop", hop_s)):
        try:
            ok = bool(np.isfinite(float(value)) and float(value) > 0)
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise InputError(f"the HR-over-time {name} must be > 0 s, got {value!r}")


def list_hr_methods() -> list[str]:
    """Names accepted by ``estimate_hr(method=...)``."""
    return HR_METHODS.names()


def estimate_hr(
    signal: np.ndarray,
    fs: float,
    band: tuple[float, float] = DEFAULT_BAND,
    method: str = "welch",
    harmonic_guard: bool = True,
) -> HeartRate:
    """Heart rate of a pulse wave.

    Args:
        signal: 1-D pulse wave sampled uniformly at ``fs`` Hz (finite values).
        fs: sampling rate in Hz.
        band: (low, high) search band in Hz; the result is always inside it.
        method: "welch", "periodogram" or "peaks" (see :func:`list_hr_methods`).
        harmonic_guard: prefer f/2 when it holds >= HARMONIC_RATIO of the peak power.

    Returns:
        :class:`HeartRate` (bpm, confidence in [0, 1], method, band_hz); ``reliable`` is False with
        the reason for a recording shorter than :data:`MIN_RELIABLE_S` or an HR on a band edge
        (:func:`micropulse.signals.summarize` adds the signal quality).

    Raises:
        SignalError: flat, too short or non-finite signal; InputError: bad fs, a band outside
        :data:`PHYSIOLOGICAL_BAND`; UnknownNameError: unknown method (the message lists the known ones).
    """
    est = HR_METHODS.get(method)
    x, fs, band = _validate(signal, fs, band)
    hz, conf = est(x, fs, band, harmonic_guard)
    bpm = float(hz[0] * 60.0)
    reasons = hr_problems(bpm, x.size, fs, band)
    return HeartRate(
        bpm=bpm, confidence=float(conf[0]), method=method.lower(), band_hz=band,
        reliable=not reasons, reason="; ".join(reasons),
    )  # fmt: skip


def hr_series(
    signal: np.ndarray,
    fs: float,
    window_s: float = 10.0,
    hop_s: float = 1.0,
    band: tuple[float, float] = DEFAULT_BAND,
    method: str = "welch",
    harmonic_guard: bool = True,
) -> HRSeries:
    """Heart rate over time from sliding windows.

    Args:
        signal: 1-D pulse wave at ``fs`` Hz.
        fs: sampling rate in Hz.
        window_s: window length in seconds.
        hop_s: hop between window starts in seconds.
        band, method, harmonic_guard: as in :func:`estimate_hr`.

    Returns:
        :class:`HRSeries` with ``times_s`` at the window centres (seconds from the first sample).

    Raises:
        SignalError: signal shorter than one window, or too short a window for the band.
    """
    est = HR_METHODS.get(method)
    fs = check_fs(fs)
    band = check_hr_band(band, fs)
    x = as_signal(signal, "pulse signal", min_len=1)
    check_window(window_s, hop_s)
    win = int(round(window_s * fs))
    hop = max(1, int(round(hop_s * fs)))
    if win < min_samples(fs, band):
        raise SignalError(f"window of {window_s} s is too short for band {band} Hz")
    if x.size < win:
        raise SignalError(f"pulse signal ({x.size / fs:.2f} s) is shorter than one window ({window_s} s)")
    starts = np.arange(0, x.size - win + 1, hop)
    windows = np.lib.stride_tricks.sliding_window_view(x, win)[starts]
    flat = np.ptp(windows, axis=1) <= 1e-12 * max(1.0, float(np.max(np.abs(x))))
    if method.lower() == "peaks":
        hz, conf = _windowed_peaks(x, fs, band, starts, win, windows, harmonic_guard)
    else:
        hz, conf = est(np.ascontiguousarray(windows), fs, band, harmonic_guard)
    conf = np.where(flat, 0.0, conf)
    times = (starts + win / 2.0) / fs
    return HRSeries(
        times_s=times,
        bpm=hz * 60.0,
        confidence=conf,
        window_s=float(window_s),
        hop_s=float(hop_s),
        method=method.lower(),
        band_hz=band,
    )
