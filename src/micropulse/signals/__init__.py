"""Pure numpy/scipy processing of pulse signals (no torch, no cv2).

Filtering, detrending, resampling, heart rate, HRV, respiration, SNR, quality and the named
evaluation recipes. The default HR band for users' recordings is 0.6-3.5 Hz (36-210 bpm) with
Welch and a 2nd-harmonic guard; see :mod:`micropulse.signals.recipes` for why.
"""

from micropulse.signals.beats import detect_beats, reject_artefacts
from micropulse.signals.filters import bandpass, check_band, check_fs, detrend
from micropulse.signals.hr import (
    DEFAULT_BAND,
    PHYSIOLOGICAL_BAND,
    check_hr_band,
    estimate_hr,
    hr_series,
    hr_spectrum,
    list_hr_methods,
)
from micropulse.signals.hrv import hrv, hrv_from_beats
from micropulse.signals.quality import quality_index, snr_db
from micropulse.signals.recipes import Recipe, get_recipe, list_recipes, macc
from micropulse.signals.resample import fill_gaps, resample_uniform
from micropulse.signals.respiration import respiration_rate
from micropulse.signals.summary import summarize
from micropulse.signals.types import HRV, Beats, HeartRate, HRSeries, PulseSummary

quality = quality_index

__all__ = [
    "DEFAULT_BAND",
    "PHYSIOLOGICAL_BAND",
    "HRV",
    "Beats",
    "HRSeries",
    "HeartRate",
    "PulseSummary",
    "Recipe",
    "bandpass",
    "check_band",
    "check_fs",
    "check_hr_band",
    "detect_beats",
    "detrend",
    "estimate_hr",
    "fill_gaps",
    "get_recipe",
    "hr_series",
    "hr_spectrum",
    "hrv",
    "hrv_from_beats",
    "list_hr_methods",
    "list_recipes",
    "macc",
    "quality",
    "quality_index",
    "reject_artefacts",
    "resample_uniform",
    "respiration_rate",
    "snr_db",
    "summarize",
]
