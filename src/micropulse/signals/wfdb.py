"""A small reader of PhysioNet WFDB records (single segment), numpy only.

Supports the common storage formats 16, 61, 80, 212, 24 and 32 (with byte offsets and
several samples per frame, i.e. multi-rate records); the FLAC formats 508/516/524 are read
through the ``soundfile`` package when it is installed. Samples equal to the format's
"invalid" value become NaN. Physical value = (digital - baseline) / gain (WFDB header spec).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from micropulse.errors import FileFormatError

_SIG_RE = re.compile(r"^(\d+)(?:x(\d+))?(?::(\d+))?(?:\+(\d+))?$")
_GAIN_RE = re.compile(r"^([-+0-9.eE]+)(?:\((-?\d+)\))?(?:/(\S+))?$")
_INVALID = {
    16: -32768,
    61: -32768,
    80: -128,
    212: -2048,
    24: -(2**23),
    32: -(2**31),
    508: -128,
    516: -32768,
    524: -(2**23),
}


@dataclass(frozen=True)
class WfdbSignal:
    """One channel of a record: physical values (NaN where invalid), rate in Hz, units."""

    name: str
    values: np.ndarray
    fs: float
    units: str


@dataclass(frozen=True)
class _Spec:
    file: str
    fmt: int
    spf: int
    offset: int
    gain: float
    baseline: int
    units: str
    name: str


def _parse_header(path: Path) -> tuple[float, int, list[_Spec]]:
    try:
        lines = [ln.strip() for ln in path.read_text().splitlines()]
    except (OSError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"cannot read WFDB header: {exc}", path=path) from None
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    if not lines:
        raise FileFormatError("empty WFDB header", path=path)
    rec = lines[0].split()
    if "/" in rec[0]:
        raise FileFormatError("multi-segment WFDB records are not supported", path=path)
    try:
        nsig = int(rec[1])
        fs = float(rec[2].split("/")[0].split("(")[0]) if len(rec) > 2 else 250.0
        nsamp = int(rec[3]) if len(rec) > 3 else -1
    except (IndexError, ValueError):
        raise FileFormatError(f"bad record line {lines[0]!r}", path=path) from None
    specs = []
    for i, ln in enumerate(lines[1 : 1 + nsig]):
        f = ln.split()
        m = _SIG_RE.match(f[1]) if len(f) > 1 else None
        if m is None:
            raise FileFormatError(f"bad signal line {ln!r}", path=path)
        fmt, spf, _skew, off = m.groups()
        adczero = int(f[4]) if len(f) > 4 else 0
        gain, baseline, units = 200.0, adczero, "mV"
        if len(f) > 2:
            g = _GAIN_RE.match(f[2])
            if g is None:
                raise FileFormatError(f"bad gain field {f[2]!r}", path=path)
            gain = float(g.group(1)) or 200.0
            baseline = int(g.group(2)) if g.group(2) is not None else adczero
            units = g.group(3) or units
        name = " ".join(f[8:]) if len(f) > 8 else f"sig{i}"
        specs.append(_Spec(f[0], int(fmt), int(spf or 1), int(off or 0), gain, baseline, units, name))
    if len(specs) != nsig:
        raise FileFormatError(f"header announces {nsig} signals, lists {len(specs)}", path=path)
    return fs, nsamp, specs


def _decode(raw: bytes, fmt: int, path: Path) -> np.ndarray:
    if fmt == 16:
        return np.frombuffer(raw[: len(raw) // 2 * 2], dtype="<i2").astype(np.int64)
    if fmt == 61:
        return np.frombuffer(raw[: len(raw) // 2 * 2], dtype=">i2").astype(np.int64)
    if fmt == 80:
        return np.frombuffer(raw, dtype=np.uint8).astype(np.int64) - 128
    if fmt == 32:
        return np.frombuffer(raw[: len(raw) // 4 * 4], dtype="<i4").astype(np.int64)
    if fmt == 24:
        b = np.frombuffer(raw[: len(raw) // 3 * 3], dtype=np.uint8).reshape(-1, 3).astype(np.int64)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        return np.where(v >= 2**23, v - 2**24, v)
    if fmt == 212:
        b = np.frombuffer(raw[: len(raw) // 3 * 3], dtype=np.uint8).reshape(-1, 3).astype(np.int64)
        s0 = b[:, 0] | ((b[:, 1] & 0x0F) << 8)
        s1 = b[:, 2] | ((b[:, 1] & 0xF0) << 4)
        v = np.stack([s0, s1], axis=1).ravel()
        return np.where(v >= 2048, v - 4096, v)
    raise FileFormatError(
        f"WFDB storage format {fmt} is not supported (16, 61, 80, 212, 24, 32, FLAC)", path=path
    )


def _read_flac(path: Path, nchan: int) -> np.ndarray:
    try:
        import soundfile
    except ImportError:
        raise FileFormatError(
            "FLAC-compressed WFDB signals need the 'soundfile' package: pip install soundfile", path=path
        ) from None
    with soundfile.SoundFile(str(path)) as sf:
        if sf.channels != nchan:
            raise FileFormatError(f"FLAC file has {sf.channels} channels, header says {nchan}", path=path)
        if sf.subtype == "PCM_16":
            return sf.read(dtype="int16", always_2d=True).astype(np.int64)
        data = sf.read(dtype="int32", always_2d=True).astype(np.int64)
        return data >> (24 if sf.subtype == "PCM_S8" else 8)


def read_wfdb(header: str | Path) -> dict[str, WfdbSignal]:
    """Read every signal of a WFDB record given its ``.hea`` path; keys are signal names."""
    path = Path(header)
    if path.suffix != ".hea":
        path = path.with_suffix(".hea")
    if not path.exists():
        raise FileFormatError("WFDB header not found", path=path)
    fs, nsamp, specs = _parse_header(path)
    out: dict[str, WfdbSignal] = {}
    by_file: dict[str, list[_Spec]] = {}
    for s in specs:
        by_file.setdefault(s.file, []).append(s)
    for fname, group in by_file.items():
        fpath = path.parent / fname
        if not fpath.exists():
            raise FileFormatError(f"signal file {fname} named in the header is missing", path=path)
        fmt = group[0].fmt
        if fmt in (508, 516, 524):
            data = _read_flac(fpath, len(group))
            cols = [data[:, j] for j in range(len(group))]
        else:
            raw = fpath.read_bytes()[group[0].offset :]
            flat = _decode(raw, fmt, fpath)
            frame = sum(s.spf for s in group)
            nfr = flat.size // frame
            if nsamp > 0:
                nfr = min(nfr, nsamp)
            block = flat[: nfr * frame].reshape(nfr, frame)
            cols, k = [], 0
            for s in group:
                cols.append(block[:, k : k + s.spf].ravel())
                k += s.spf
        for s, d in zip(group, cols, strict=True):
            vals = (d.astype(np.float64) - s.baseline) / s.gain
            if fmt in _INVALID:
                vals[d == _INVALID[fmt]] = np.nan
            if nsamp > 0:
                vals = vals[: nsamp * s.spf]
            out[s.name] = WfdbSignal(s.name, vals, fs * s.spf, s.units)
    return out
