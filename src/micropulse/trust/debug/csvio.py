"""Reading a user's training data for ``micropulse trust debug``: a CSV with a header row, numeric feature
columns and one label column. Numbers are read exactly (the decimal text ``0.1`` becomes 1/10)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from micropulse.errors import FileFormatError, InputError

DEFAULT_LABEL_COLUMN = "label"


@dataclass(frozen=True)
class LabelledData:
    """Rows of exact features with labels in {-1, +1}, the column names and any notes on the mapping."""

    X: tuple[tuple[Fraction, ...], ...]
    y: tuple[int, ...]
    feature_names: tuple[str, ...]
    label_column: str
    notes: tuple[str, ...]
    path: Path

    @property
    def n(self) -> int:
        return len(self.X)


def read_labelled_csv(path: str | Path, *, label_column: str = DEFAULT_LABEL_COLUMN) -> LabelledData:
    """Read ``path``: every column but ``label_column`` is a feature.

    Labels must be in {-1, +1}, or in {0, 1} (then 0 -> -1, with a note). Raises
    :class:`~micropulse.errors.FileFormatError` naming the file, row and column of the first problem.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path)
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = [r for r in csv.reader(f) if any(cell.strip() for cell in r)]
    if not rows:
        raise FileFormatError("the CSV is empty (expected a header row and data rows)", path)
    header = [h.strip() for h in rows[0]]
    if label_column not in header:
        raise FileFormatError(f"no label column {label_column!r}; columns: {', '.join(header)}", path)
    if len(header) < 2:
        raise FileFormatError("need at least one feature column besides the label column", path)
    if len(rows) < 2:
        raise FileFormatError("the CSV has a header but no data rows", path)
    li = header.index(label_column)
    names = tuple(h for j, h in enumerate(header) if j != li)
    X, raw_labels = [], []
    for r, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise FileFormatError(f"line {r} has {len(row)} fields, the header has {len(header)}", path)
        feats = []
        for j, cell in enumerate(row):
            value = _number(cell, path, r, header[j])
            if j == li:
                raw_labels.append(value)
            else:
                feats.append(value)
        X.append(tuple(feats))
    y, notes = _map_labels(raw_labels, path)
    return LabelledData(tuple(X), y, names, label_column, notes, path)


def _number(cell: str, path: Path, line: int, column: str) -> Fraction:
    text = cell.strip()
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise FileFormatError(f"line {line}, column {column!r}: {cell!r} is not a number", path) from None


def _map_labels(values: list[Fraction], path: Path) -> tuple[tuple[int, ...], tuple[str, ...]]:
    found = set(values)
    if found <= {Fraction(-1), Fraction(1)}:
        return tuple(int(v) for v in values), ()
    if found <= {Fraction(0), Fraction(1)}:
        return tuple(1 if v == 1 else -1 for v in values), (
            "labels {0, 1} were mapped to {-1, +1} (0 -> -1)",
        )
    shown = ", ".join(str(v) for v in sorted(found)[:6])
    raise FileFormatError(f"labels must be in {{-1, +1}} or {{0, 1}}; found {shown}", path)
