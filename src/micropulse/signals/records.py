"""Read a pulse recording from a file (CSV, WFDB ``.hea``, ``.npy``) into a uniform signal.

This is the I/O edge of the signal layer (used by ``micropulse hr``); the rest of
``micropulse.signals`` works on arrays. Every error names the file and what to do.

CSV rules:
- ``column``: the signal column; by default the first of PPG/PLETH/BVP/SIGNAL/HR (HeartPy's
  files call the PPG column ``hr``), else the only numeric non-time column, else ``auto``.
- ``column="auto"`` (also chosen for files with R, G, B colour means such as smartphone
  finger PPG): every candidate column is scored with the signal-quality index at its own
  peak-based HR times that HR's confidence, and the best one wins (camera finger PPG carries the pulse in red when the flash saturates
  nothing, in green/blue when red is clipped; the score picks whichever pulses).
- a column named like ``Sampling Freq`` / ``fs`` whose first value is a positive number gives
  the rate (BIDMC CSVs), and the time column is then ignored.
- ``time_column``: timestamps; auto-detected by name (time, timer, timestamp, datetime, t...).
  Unit ``s`` or ``ms``: given, else ``ms`` when the name says so or the median step is >= 1,
  else seconds. Datetime strings are parsed. Irregular timestamps are resampled to a uniform
  rate (``fs`` if given, else samples per second of the file), short gaps interpolated, long
  ones refused; samples sharing a timestamp are averaged, decreasing timestamps refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from micropulse.errors import FileFormatError, InputError, MicropulseError
from micropulse.signals.filters import check_fs
from micropulse.signals.resample import DEFAULT_MAX_GAP_S, fill_gaps, resample_uniform

SIGNAL_NAMES = ("ppg", "pleth", "bvp", "signal", "hr")
FS_NAMES = ("sampling freq", "sampling_freq", "fs", "sample_rate", "sampling_rate")
TIME_NAMES = ("time", "timer", "timestamp", "timestamps", "datetime", "t", "time_s", "time_ms", "time [s]")


@dataclass(frozen=True)
class PulseRecord:
    """A uniformly sampled pulse wave read from ``path`` (``column`` names the channel)."""

    signal: np.ndarray
    fs: float
    path: Path
    column: str
    resampled: bool = False


def _with_path(exc: MicropulseError, path: Path) -> MicropulseError:
    return exc if exc.path is not None else type(exc)(exc.message, path=path)


def load_pulse(
    path: str | Path,
    column: str | None = None,
    time_column: str | None = None,
    time_unit: str | None = None,
    fs: float | None = None,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
) -> PulseRecord:
    """Read a pulse recording (CSV / WFDB ``.hea`` / ``.npy``) as a uniform signal at ``fs`` Hz."""
    p = Path(path)
    if not p.exists():
        raise FileFormatError("file not found", path=p)
    if fs is not None:
        try:
            fs = check_fs(fs)
        except InputError as exc:
            raise _with_path(exc, p) from None
    try:
        suffix = p.suffix.lower()
        if suffix in (".hea", ".dat", ".mat") and p.with_suffix(".hea").exists():
            return _load_wfdb(p.with_suffix(".hea"), column, fs, max_gap_s)
        if suffix == ".npy":
            return _load_npy(p, column, fs, max_gap_s)
        return _load_csv(p, column, time_column, time_unit, fs, max_gap_s)
    except MicropulseError as exc:
        raise _with_path(exc, p) from None


def _load_npy(p: Path, column: str | None, fs: float | None, max_gap_s: float) -> PulseRecord:
    if fs is None:
        raise FileFormatError(".npy files carry no sampling rate: give --fs (Hz)", path=p)
    try:
        arr = np.load(p, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise FileFormatError(f"cannot read .npy: {exc}", path=p) from None
    arr = np.asarray(arr)
    if arr.size == 0:
        raise FileFormatError("file is empty (no samples)", path=p)
    if arr.ndim == 2 and min(arr.shape) > 1:
        j = int(column) if column is not None and str(column).isdigit() else 0
        arr = arr[:, j] if arr.shape[0] >= arr.shape[1] else arr[j]
    if not np.issubdtype(arr.dtype, np.number):
        raise FileFormatError(f"array dtype {arr.dtype} is not numeric", path=p)
    x = fill_gaps(np.ravel(arr).astype(np.float64), fs, max_gap_s)
    return PulseRecord(x, fs, p, column or "0")


def _load_wfdb(p: Path, column: str | None, fs: float | None, max_gap_s: float) -> PulseRecord:
    from micropulse.signals.wfdb import read_wfdb

    sigs = read_wfdb(p)
    names = list(sigs)
    if column is None:
        column = next((n for n in names if n.strip().lower() in SIGNAL_NAMES), None)
        if column is None:
            raise FileFormatError(f"no PPG channel found; choose --column from: {', '.join(names)}", path=p)
    match = [n for n in names if n.strip().lower() == column.strip().lower()]
    if not match:
        raise FileFormatError(f"no channel {column!r}; available: {', '.join(names)}", path=p)
    s = sigs[match[0]]
    x = fill_gaps(s.values, s.fs, max_gap_s)
    return PulseRecord(x, s.fs, p, match[0])


def _read_table(p: Path):
    import pandas as pd

    try:
        with open(p, encoding="utf-8", errors="replace") as fh:
            first = fh.readline().strip()
        if not first:
            raise FileFormatError("file is empty (no header, no samples)", path=p)
        if _is_number(first.split(",")[0].split(";")[0].split("\t")[0]):
            # Header-less numbers (HeartPy data.csv): one signal column.
            df = pd.read_csv(p, header=None, sep=_sep(first))
            df.columns = ["signal"] + [f"col{i}" for i in range(1, df.shape[1])]
            return df
        df = pd.read_csv(p, sep=_sep(first))
    except pd.errors.EmptyDataError:
        raise FileFormatError("file is empty (no header, no samples)", path=p) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"cannot parse as CSV: {exc}", path=p) from None
    df.columns = [str(c).strip() for c in df.columns]
    if df.shape[0] == 0:
        raise FileFormatError(f"file has a header ({', '.join(df.columns)}) but no samples", path=p)
    return df


def _fs_column(df, lower: dict) -> float | None:
    """Sampling rate (Hz) from a 'Sampling Freq'-like column's first value (BIDMC CSVs), or None."""
    name = next((lower[n] for n in FS_NAMES if n in lower), None)
    if name is None:
        return None
    vals = df[name].to_numpy(dtype=np.float64, na_value=np.nan) if df[name].dtype.kind in "if" else None
    if vals is None or not np.isfinite(vals[0]) or vals[0] <= 0:
        return None
    return float(vals[0])


def _sep(line: str) -> str:
    """Field separator of a CSV line: ';' or tab when they dominate, else ','."""
    if line.count(";") > line.count(","):
        return ";"
    if "\t" in line and "," not in line:
        return "\t"
    return ","


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _times_s(p: Path, df, name: str, unit: str | None) -> np.ndarray:
    import pandas as pd

    col = df[name]
    if not pd.api.types.is_numeric_dtype(col):
        try:
            t = pd.to_datetime(col, format="mixed")
        except (ValueError, TypeError):
            t = None
        if t is None or t.isna().any():
            raise FileFormatError(f"time column {name!r} is neither numeric nor datetimes", path=p)
        return (t - t.iloc[0]).dt.total_seconds().to_numpy(dtype=np.float64)
    t = col.to_numpy(dtype=np.float64)
    if unit is None:
        low = name.lower()
        steps = np.diff(t[np.isfinite(t)])
        med = float(np.median(steps)) if steps.size else 0.0
        unit = "ms" if ("ms" in low or "[s]" not in low and med >= 1.0) else "s"
    if unit not in ("s", "ms"):
        raise InputError(f"time unit must be 's' or 'ms', got {unit!r}")
    return t / 1000.0 if unit == "ms" else t


def _load_csv(
    p: Path, column: str | None, time_column: str | None, time_unit: str | None, fs: float | None, max_gap_s
) -> PulseRecord:
    df = _read_table(p)
    cols = list(df.columns)
    lower = {c.lower(): c for c in cols}
    if time_column is not None and time_column not in cols:
        raise FileFormatError(f"no time column {time_column!r}; available columns: {', '.join(cols)}", path=p)
    if fs is None and time_column is None:
        fs = _fs_column(df, lower)
    if time_column is None and fs is None:
        time_column = next((lower[n] for n in TIME_NAMES if n in lower), None)
    numeric = [c for c in cols if c != time_column and df[c].dtype.kind in "if"]
    numeric = [c for c in numeric if c.lower() not in FS_NAMES and c.lower() not in TIME_NAMES]
    if column is not None and column != "auto" and column not in cols:
        raise FileFormatError(f"no column {column!r}; available columns: {', '.join(cols)}", path=p)
    if column is None:
        column = next((lower[n] for n in SIGNAL_NAMES if n in lower), None)
        if column is None:
            column = numeric[0] if len(numeric) == 1 else "auto"
    candidates = numeric if column == "auto" else [column]
    if not candidates:
        raise FileFormatError(f"no numeric signal column; available columns: {', '.join(cols)}", path=p)
    if time_column is None and fs is None:
        raise FileFormatError(
            f"no time column found among {', '.join(cols)}: give --time-column NAME or --fs HZ", path=p
        )
    series = {}
    for c in candidates:
        v = df[c].to_numpy(dtype=np.float64) if df[c].dtype.kind in "if" else None
        if v is None:
            raise FileFormatError(f"column {c!r} is not numeric", path=p)
        if not np.isfinite(v).any():
            raise FileFormatError(f"column {c!r} is all NaN/empty: nothing to analyse", path=p)
        if time_column is not None:
            t = _times_s(p, df, time_column, time_unit)
            tu, xu = resample_uniform(t, v, fs=fs, max_gap_s=max_gap_s, ties="mean")
            rate = float(1.0 / (tu[1] - tu[0])) if tu.size > 1 else (fs or 1.0)
            series[c] = (xu, fs or rate)
        else:
            series[c] = (fill_gaps(v, fs, max_gap_s), fs)
    best = _best_channel(series) if len(series) > 1 else next(iter(series))
    x, rate = series[best]
    return PulseRecord(x, rate, p, best, resampled=time_column is not None)


def _best_channel(series: dict) -> str:
    """Column with the highest quality index (at its own peak-based HR) x beat confidence."""
    from micropulse.signals.hr import DEFAULT_BAND, estimate_hr
    from micropulse.signals.quality import quality_index

    scores = {}
    for name, (x, fs) in series.items():
        band = (DEFAULT_BAND[0], min(DEFAULT_BAND[1], 0.45 * fs))
        try:
            hr = estimate_hr(x, fs, band=band, method="peaks")
            scores[name] = quality_index(x, fs, hr.bpm, band) * hr.confidence
        except MicropulseError:
            scores[name] = -1.0
    return max(scores, key=scores.get)
