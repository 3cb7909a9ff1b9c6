"""Signal-layer timings, printed as JSON.

- HR (Welch and peaks) + HRV of 1 hour of 100 Hz synthetic PPG (target: < 1 s together);
- smoothness-priors detrend of 1e4, 1e5, 1e6 samples (target: linear growth; the ratios of
  time per sample against the 1e4 run are reported, ~1 means linear).

Usage: python benchmarks/signals.py
"""

from __future__ import annotations

import json
import platform
import time

import numpy as np

from micropulse.signals import detrend, estimate_hr, hrv


def synthetic_ppg(fs: float = 100.0, seconds: float = 3600.0, seed: int = 0) -> np.ndarray:
    """PPG-like wave with HR variability (mean 70 bpm) and noise, built from its phase."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(fs * seconds)) / fs
    inst_hz = 70 / 60 + 0.05 * np.sin(2 * np.pi * 0.25 * t) + 0.03 * np.sin(2 * np.pi * 0.01 * t)
    ph = 2 * np.pi * np.cumsum(inst_hz) / fs
    return np.sin(ph) + 0.35 * np.sin(2 * ph + 0.9) + 0.05 * rng.standard_normal(t.size)


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    fs = 100.0
    x = synthetic_ppg(fs)
    estimate_hr(x[:6000], fs)  # warm imports / FFT plans
    t_welch = best_of(lambda: estimate_hr(x, fs, method="welch"))
    t_peaks = best_of(lambda: estimate_hr(x, fs, method="peaks"))
    t_hrv = best_of(lambda: hrv(x, fs))
    h = hrv(x, fs)
    detrend_s = {}
    for n in (10_000, 100_000, 1_000_000):
        z = np.cumsum(np.random.default_rng(n).standard_normal(n))
        detrend_s[str(n)] = best_of(lambda z=z: detrend(z, 100.0))
    base = detrend_s["10000"] / 1e4
    out = {
        "machine": platform.processor() or platform.machine(),
        "ppg_1h_100hz": {
            "samples": int(x.size),
            "hr_welch_s": round(t_welch, 4),
            "hr_peaks_s": round(t_peaks, 4),
            "hrv_s": round(t_hrv, 4),
            "hr_welch_plus_hrv_s": round(t_welch + t_hrv, 4),
            "target_s": 1.0,
            "hr_bpm": round(estimate_hr(x, fs).bpm, 2),
            "rmssd_ms": None if h.rmssd_ms is None else round(h.rmssd_ms, 2),
            "n_beats": h.n_beats,
        },
        "detrend_s": {k: round(v, 5) for k, v in detrend_s.items()},
        "detrend_time_per_sample_ratio_vs_1e4": {
            k: round(v / int(k) / base, 2) for k, v in detrend_s.items()
        },
        "detrend_time_ratio_1e5_over_1e4": round(detrend_s["100000"] / detrend_s["10000"], 2),
        "detrend_time_ratio_1e6_over_1e5": round(detrend_s["1000000"] / detrend_s["100000"], 2),
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
