"""Pure numpy/scipy processing of pulse signals (no torch, no cv2).

Filtering, detrending, resampling, heart rate, HRV, respiration, SNR and quality.
"""

from micropulse.signals.filters import bandpass, check_band, check_fs, detrend

__all__ = ["bandpass", "check_band", "check_fs", "detrend"]
