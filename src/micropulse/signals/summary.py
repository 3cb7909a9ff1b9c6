"""One call from a pulse wave to everything micropulse reports: HR, HR over time, HRV,
respiration, SNR and quality. Used by ``micropulse hr`` and the ``pulse`` pipeline."""

from __future__ import annotations

import logging

import numpy as np

from micropulse.errors import SignalError
from micropulse.signals.beats import detect_beats
from micropulse.signals.filters import as_signal, bandpass, check_fs, detrend
from micropulse.signals.hr import DEFAULT_BAND, check_hr_band, check_window, estimate_hr, hr_series
from micropulse.signals.hrv import hrv_from_beats
from micropulse.signals.quality import quality_index, quality_problem, snr_db
from micropulse.signals.respiration import respiration_rate
from micropulse.signals.types import HRV, PulseSummary

log = logging.getLogger(__name__)


def summarize(
    bvp: np.ndarray,
    fs: float,
    band: tuple[float, float] = DEFAULT_BAND,
    method: str = "welch",
    window_s: float = 10.0,
    hop_s: float = 1.0,
    invert: bool | None = None,
) -> PulseSummary:
    """Summarise a uniformly sampled pulse wave (BVP/PPG).

    Args:
        bvp: 1-D pulse wave at ``fs`` Hz (finite; resample/fill gaps first).
        fs: sampling rate in Hz.
        band: HR search band in Hz (default 0.6-3.5 Hz = 36-210 bpm; see recipes.py); it must lie
            inside 0.5-4.0 Hz (30-240 bpm, :data:`~micropulse.signals.hr.PHYSIOLOGICAL_BAND`).
        method: HR estimator ("welch", "periodogram", "peaks").
        window_s, hop_s: HR-over-time window and hop in seconds (no series when the signal
            is shorter than one window).
        invert: pulse polarity for beat detection (None: detect).

    Returns:
        :class:`PulseSummary`; ``hr.reliable`` is False (with ``hr.reason``) for a recording shorter
        than :data:`~micropulse.signals.hr.MIN_RELIABLE_S`, a poor or undefined quality index, or an
        HR on a band edge; ``hrv.reliable`` is False for poor signals.

    Raises:
        InputError: bad ``fs``, a band outside 0.5-4 Hz (:func:`~micropulse.signals.hr.check_hr_band`),
        a window or hop <= 0 s. SignalError: flat, too short or non-finite signal.
    """
    fs = check_fs(fs)
    band = check_hr_band(band, fs)
    check_window(window_s, hop_s)
    x = as_signal(bvp, "pulse signal", min_len=1)
    hr = estimate_hr(x, fs, band=band, method=method)
    series = None
    if x.size >= int(round(window_s * fs)):
        try:
            series = hr_series(x, fs, window_s=window_s, hop_s=hop_s, band=band, method=method)
        except SignalError as exc:
            log.info("no HR series: %s", exc)
    quality = quality_index(x, fs, hr.bpm, band)
    poor = quality_problem(quality)
    if poor is not None:
        hr = hr.flag(poor)
    # Toolbox SNR on the toolbox post-processing (detrend lambda 100, order-1 filtfilt band-pass):
    # on the raw wave, slow trends leak through the boxcar periodogram into the noise band.
    try:
        snr = snr_db(bandpass(detrend(x, 100.0), fs, band, order=1), fs, hr.bpm, band, db=10)
    except SignalError:  # too short for filtfilt
        snr = snr_db(x - x.mean(), fs, hr.bpm, band, db=10)
    try:
        beats = detect_beats(x, fs, band=(min(0.5, band[0]), band[1]), invert=invert)
    except SignalError as exc:
        log.info("no beats: %s", exc)
        beats = None
    if beats is None:
        hrv = HRV(None, None, None, None, None, None, None, 0, 0, False, "signal too short for beats")
        resp = None
    else:
        hrv = hrv_from_beats(beats, quality=quality)
        resp = respiration_rate(x, fs, beats=beats)
    return PulseSummary(
        hr=hr,
        hr_series=series,
        hrv=hrv,
        respiration_bpm=resp,
        snr_db=snr,
        quality=quality,
        band_hz=band,
        method=hr.method,
        fs=fs,
        duration_s=x.size / fs,
        beats=beats,
    )
