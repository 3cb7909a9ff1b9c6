"""Irregular timestamps to a uniform sampling rate; short NaN gaps filled, long ones refused.

Cameras and phones deliver frames at irregular times (dropped frames, variable frame rate).
Every spectral estimate assumes uniform sampling, so irregular series are resampled here,
explicitly, before anything else. Gaps (missing samples, NaN values) shorter than
``max_gap_s`` seconds are interpolated; longer ones raise :class:`SignalError`, since an
interpolated second of pulse is an invented second of pulse.
"""

from __future__ import annotations

import numpy as np

from micropulse.errors import InputError, SignalError
from micropulse.signals.filters import check_fs

#: Longest gap (seconds) that is interpolated by default.
DEFAULT_MAX_GAP_S = 1.0


def check_timestamps(times_s: np.ndarray, name: str = "timestamps", allow_ties: bool = False) -> np.ndarray:
    """Return ``times_s`` as a finite, strictly increasing 1-D float64 array (seconds).

    With ``allow_ties`` equal consecutive stamps pass (non-decreasing is enough).

    Raises:
        SignalError: non-finite, non-1-D, too short or non-monotonic timestamps; the message
            names the first offending index.
    """
    t = np.asarray(times_s, dtype=np.float64)
    if t.ndim != 1:
        raise SignalError(f"{name} must be 1-D, got shape {t.shape}")
    if t.size < 2:
        raise SignalError(f"{name}: need at least 2 samples, got {t.size}")
    bad = np.flatnonzero(~np.isfinite(t))
    if bad.size:
        raise SignalError(f"{name} contain NaN/inf (first at index {bad[0]})")
    dt = np.diff(t)
    back = np.flatnonzero(dt < 0 if allow_ties else dt <= 0)
    if back.size:
        i = int(back[0])
        raise SignalError(
            f"{name} are not {'increasing' if allow_ties else 'strictly increasing'}: t[{i}]={t[i]:g} s then t[{i + 1}]={t[i + 1]:g} s "
            f"({back.size} such steps); sort the samples, fix the clock, or ignore the "
            "timestamps by giving the sampling rate (--fs)"
        )
    return t


def median_rate(times_s: np.ndarray) -> float:
    """Median sampling rate in Hz of increasing timestamps (seconds)."""
    t = check_timestamps(times_s)
    return float(1.0 / np.median(np.diff(t)))


def fill_gaps(x: np.ndarray, fs: float, max_gap_s: float = DEFAULT_MAX_GAP_S) -> np.ndarray:
    """Linearly interpolate NaN/inf runs of a uniformly sampled signal.

    Runs at the edges are filled with the nearest finite value. A run longer than
    ``max_gap_s`` seconds raises :class:`SignalError` naming where it is.

    Args:
        x: 1-D signal sampled at ``fs`` Hz, NaN where missing.
        fs: sampling rate in Hz.
        max_gap_s: longest run (seconds) that may be interpolated.
    """
    fs = check_fs(fs)
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise SignalError(f"signal must be 1-D, got shape {arr.shape}")
    if arr.size == 0:
        raise SignalError("signal is empty")
    ok = np.isfinite(arr)
    if ok.all():
        return arr.copy()
    if not ok.any():
        raise SignalError(f"signal is all NaN/inf ({arr.size} samples): nothing to analyse")
    _check_runs(~ok, fs, max_gap_s)
    idx = np.arange(arr.size)
    out = arr.copy()
    out[~ok] = np.interp(idx[~ok], idx[ok], arr[ok])
    return out


def _check_runs(missing: np.ndarray, fs: float, max_gap_s: float) -> None:
    """Raise if a run of True in ``missing`` lasts longer than ``max_gap_s`` seconds."""
    edges = np.diff(np.concatenate([[0], missing.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    lengths = (ends - starts) / fs
    if lengths.size and lengths.max() > max_gap_s:
        k = int(np.argmax(lengths))
        raise SignalError(
            f"gap of {lengths[k]:.2f} s without valid samples at t={starts[k] / fs:.2f} s is longer "
            f"than max_gap_s={max_gap_s} s; cut the recording or raise max_gap_s"
        )


def _merge_ties(t: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Average the (finite) values of samples that share a timestamp."""
    tu, inv = np.unique(t, return_inverse=True)
    ok = np.isfinite(x)
    sums = np.bincount(inv, weights=np.where(ok, x, 0.0), minlength=tu.size)
    counts = np.bincount(inv, weights=ok.astype(np.float64), minlength=tu.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        return tu, np.where(counts > 0, sums / counts, np.nan)


def resample_uniform(
    times_s: np.ndarray,
    values: np.ndarray,
    fs: float | None = None,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
    kind: str = "linear",
    ties: str = "error",
) -> tuple[np.ndarray, np.ndarray]:
    """Resample irregularly timed samples to a uniform grid.

    NaN values are dropped first; the remaining samples are interpolated onto
    ``t0, t0 + 1/fs, ...`` up to the last timestamp. Any interval between consecutive
    valid samples longer than ``max_gap_s`` raises :class:`SignalError`.

    Args:
        times_s: sample times in seconds, strictly increasing.
        values: sample values (same length; NaN where missing).
        fs: output rate in Hz; default: the median input rate.
        max_gap_s: longest interval (seconds) between valid samples that is interpolated.
        kind: "linear" or "cubic" (natural cubic spline; keeps peak shapes at low rates).
        ties: "error" (equal consecutive stamps are refused) or "mean" (samples sharing a
            stamp are averaged: coarse clocks, e.g. ms stamps at 100 Hz). Decreasing stamps
            are always an error.

    Returns:
        ``(t_uniform_s, x_uniform)``, both 1-D float64.
    """
    if ties not in ("error", "mean"):
        raise InputError(f"ties must be 'error' or 'mean', got {ties!r}")
    t = check_timestamps(times_s, allow_ties=ties == "mean")
    x = np.asarray(values, dtype=np.float64)
    if x.shape != t.shape:
        raise SignalError(f"values shape {x.shape} does not match timestamps shape {t.shape}")
    if kind not in ("linear", "cubic"):
        raise InputError(f"kind must be 'linear' or 'cubic', got {kind!r}")
    n_in = t.size
    duration = t[-1] - t[0]
    if ties == "mean" and np.any(np.diff(t) == 0):
        t, x = _merge_ties(t, x)
    if max_gap_s <= 0:
        raise InputError(f"max_gap_s must be > 0 s, got {max_gap_s}")
    ok = np.isfinite(x)
    if not ok.any():
        raise SignalError(f"signal is all NaN/inf ({x.size} samples): nothing to analyse")
    tv, xv = t[ok], x[ok]
    if tv.size < 2:
        raise SignalError(f"only {tv.size} valid sample(s): nothing to resample")
    gaps = np.diff(np.concatenate([[t[0]], tv, [t[-1]]]))
    if gaps.max() > max_gap_s:
        k = int(np.argmax(gaps))
        where = t[0] if k == 0 else tv[k - 1]
        raise SignalError(
            f"gap of {gaps[k]:.2f} s without valid samples at t={where:.2f} s is longer than "
            f"max_gap_s={max_gap_s} s; cut the recording or raise max_gap_s"
        )
    # Default rate: samples per second of the input (robust to ties and dropped frames).
    rate = float((n_in - 1) / duration) if fs is None else check_fs(fs)
    n = int(np.floor((tv[-1] - tv[0]) * rate + 1e-9)) + 1
    tu = tv[0] + np.arange(n) / rate
    if kind == "cubic" and tv.size >= 4:
        from scipy.interpolate import CubicSpline  # lazy: scipy.interpolate takes ~0.5 s to import

        xu = CubicSpline(tv, xv, bc_type="natural")(tu)
    else:
        xu = np.interp(tu, tv, xv)
    return tu, xu
