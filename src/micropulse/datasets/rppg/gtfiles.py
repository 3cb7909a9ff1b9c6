"""Readers for the small ground-truth files of the rPPG datasets (text, CSV, JSON, HDF5, .mat).

Every reader raises :class:`~micropulse.errors.FileFormatError` naming the file and the problem
instead of a pandas/numpy traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from micropulse.errors import FileFormatError


def read_rows(path: Path, min_rows: int = 1) -> np.ndarray:
    """A whitespace-separated numeric text file as a 2-D array (rows x values)."""
    try:
        data = np.loadtxt(path, ndmin=2)
    except (ValueError, OSError) as exc:
        raise FileFormatError(f"cannot parse numbers: {exc}", path) from None
    if data.shape[0] < min_rows or data.shape[1] < 2:
        raise FileFormatError(f"expected {min_rows} rows of samples, got shape {data.shape}", path)
    return data


def read_csv_columns(path: Path, header: bool, min_cols: int = 1) -> np.ndarray:
    """A comma-separated numeric file as a 2-D array (samples x columns); skips a header line."""
    try:
        data = np.loadtxt(path, delimiter=",", skiprows=1 if header else 0, ndmin=2)
    except (ValueError, OSError) as exc:
        raise FileFormatError(f"cannot parse CSV numbers: {exc}", path) from None
    if data.shape[0] < 2 or data.shape[1] < min_cols:
        raise FileFormatError(f"expected >= 2 rows and >= {min_cols} columns, got shape {data.shape}", path)
    return data


def read_json(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (ValueError, OSError) as exc:
        raise FileFormatError(f"cannot parse JSON: {exc}", path) from None


def read_hdf5(path: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Named datasets of an HDF5 file (MATLAB v7.3 files are HDF5) as flat float arrays."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            absent = [k for k in keys if k not in f]
            if absent:
                raise FileFormatError(f"missing key(s) {absent}; has {sorted(f.keys())}", path)
            return {k: np.asarray(f[k][()], dtype=np.float64).ravel() for k in keys}
    except OSError as exc:
        raise FileFormatError(f"not a readable HDF5 file: {exc}", path) from None


def read_mat5(path: Path, keys: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
    """Variables of a MATLAB v5 file (scipy.io), reading only those named."""
    from scipy.io import loadmat

    try:
        mat = loadmat(str(path), variable_names=list(keys + optional))
    except (ValueError, OSError, NotImplementedError) as exc:
        raise FileFormatError(f"cannot read MATLAB file: {exc}", path) from None
    absent = [k for k in keys if k not in mat]
    if absent:
        raise FileFormatError(f"missing variable(s) {absent}", path)
    return {k: mat[k] for k in keys + optional if k in mat}


def mat_scalar(value) -> str | float:
    """A MATLAB scalar/string attribute as a plain str or float."""
    arr = np.asarray(value).ravel()
    if arr.size == 0:
        return ""
    item = arr[0]
    if isinstance(item, (str, np.str_)):
        return str(item)
    if isinstance(item, np.ndarray):
        return mat_scalar(item)
    return float(item)
