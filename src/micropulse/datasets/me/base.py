"""What every micro-expression dataset loader returns, and the helpers the loaders share.

A loader scans a raw tree exactly as distributed (specs/micro-expressions.md §6) and returns one
:class:`MEVideo` descriptor per video: the frame *paths* on the video's frame grid (subsampled and
gap-filled as the reference code does, trap 16) and the labelled intervals on that grid. No frame is
decoded until :meth:`MEVideo.iter_frames` is called, so a whole dataset never sits in memory.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from micropulse.datasets.frames import natural_key, natural_sorted
from micropulse.errors import DatasetLayoutError, FileFormatError, InputError, VideoReadError
from micropulse.me.labels import MEInterval, interval_from_label, normalize_emotion

log = logging.getLogger(__name__)

_INT_STEM = re.compile(r"(\d+)$")


@dataclass(frozen=True)
class MEVideo:
    """One long (or short) video of an ME dataset with its labelled expressions.

    Attributes:
        dataset: registry name of the dataset.
        subject: subject key used by leave-one-subject-out splits.
        video: video key inside the subject (as the label sheet names it).
        frames: image paths, one per frame of the (subsampled) grid; index j is frame j.
        fps: effective frame rate in Hz after subsampling (SAMM-LV: 200 / 7).
        frame_skip: how many raw files one grid frame stands for (1, or 7 for SAMM-LV).
        intervals: the expressions, frames 0-based inclusive on the grid (``MEInterval``).
    """

    dataset: str
    subject: str
    video: str
    frames: tuple[Path, ...]
    fps: float
    frame_skip: int
    intervals: tuple[MEInterval, ...]

    @property
    def id(self) -> str:
        return f"{self.subject}/{self.video}"

    @property
    def n_frames(self) -> int:
        return len(self.frames)

    def iter_frames(self, *, gray: bool = True) -> Iterator[np.ndarray]:
        """Decode the frames one at a time (uint8; grayscale as the reference code reads them, or BGR)."""
        import cv2

        flag = cv2.IMREAD_GRAYSCALE if gray else cv2.IMREAD_COLOR
        for path in self.frames:
            img = cv2.imread(str(path), flag)
            if img is None:
                raise VideoReadError("cannot decode frame image", path)
            yield img

    def to_dict(self) -> dict[str, object]:
        return {
            "dataset": self.dataset,
            "subject": self.subject,
            "video": self.video,
            "n_frames": self.n_frames,
            "fps": self.fps,
            "frame_skip": self.frame_skip,
            "intervals": [iv.to_dict() for iv in self.intervals],
        }


# --------------------------------------------------------------------------------------------------
# Layout checks


def require_dir(path: Path, layout: str) -> Path:
    if not path.is_dir():
        raise DatasetLayoutError(f"missing folder; expected layout: {layout}", path)
    return path


def require_file(path: Path, layout: str) -> Path:
    if not path.is_file():
        raise DatasetLayoutError(f"missing label file; expected layout: {layout}", path)
    return path


def subdirs(path: Path) -> list[Path]:
    """Sub-folders of ``path`` in natural order (hidden ones skipped)."""
    return natural_sorted(
        [p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")], key=lambda p: p.name
    )


def image_files(folder: Path, pattern: str = "*.jpg") -> list[Path]:
    """Image files of a folder matching ``pattern``, natural sort order (``img2`` before ``img10``)."""
    return natural_sorted([p for p in folder.glob(pattern) if p.is_file()], key=lambda p: p.name)


def int_stem(path: Path) -> int:
    """The number at the end of a file stem (``img046.jpg`` -> 46, ``12.jpg`` -> 12)."""
    m = _INT_STEM.search(path.stem)
    if m is None:
        raise DatasetLayoutError("frame file name does not end in a frame number", path)
    return int(m.group(1))


def gap_filled_frames(files: list[Path]) -> list[Path]:
    """CAS(ME)^3 frame grid (spec §1.1, trap 16): index j holds the file numbered j + 1.

    ``0.jpg`` is never stored and a missing number is filled by repeating the next existing file, exactly
    as the reference loader does, so 1-based labels minus 1 index the right image.
    """
    out: list[Path] = []
    for path in sorted(files, key=int_stem):
        number = int_stem(path)
        while len(out) < number:
            out.append(path)
    return out


# --------------------------------------------------------------------------------------------------
# Spreadsheets


def read_sheet(path: Path, *, sheet: int | str = 0, header: int | None = 0) -> pd.DataFrame:
    """Read one sheet of an ``.xlsx`` (openpyxl), ``.xls`` (xlrd) or a ``.csv`` label file."""
    try:
        if path.suffix.lower() == ".csv":
            return pd.read_csv(path, header=header)
        engine = "xlrd" if path.suffix.lower() == ".xls" else "openpyxl"
        return pd.read_excel(path, sheet_name=sheet, header=header, engine=engine)
    except ImportError as exc:
        raise FileFormatError(f"cannot read this spreadsheet: {exc}", path) from None
    except (ValueError, KeyError, OSError) as exc:
        raise FileFormatError(f"cannot read label sheet {sheet!r}: {exc}", path) from None


def table_after_header(raw: pd.DataFrame, path: Path, *, first: str = "Subject") -> pd.DataFrame:
    """Cut a preamble off a sheet read with ``header=None``: the header is the first row whose first cell
    is ``first`` (SAMM sheets carry 9-13 rows of notes above it). Column names are stripped strings."""
    first_col = raw.iloc[:, 0].astype(str).str.strip()
    hits = np.flatnonzero(first_col.to_numpy() == first)
    if hits.size == 0:
        raise FileFormatError(f"no header row starting with {first!r}", path)
    h = int(hits[0])
    table = raw.iloc[h + 1 :].copy()
    table.columns = [str(c).strip() if not pd.isna(c) else f"unnamed_{i}" for i, c in enumerate(raw.iloc[h])]
    return table.dropna(how="all").reset_index(drop=True)


def require_columns(table: pd.DataFrame, columns: list[str], path: Path) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise FileFormatError(
            f"label sheet lacks column(s) {', '.join(missing)}; found: {', '.join(map(str, table.columns))}",
            path,
        )


def frame_number(value: object) -> int | None:
    """A spreadsheet frame cell as int, or ``None`` for blanks, '/', '-' and other non-numbers."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    try:
        return int(float(str(value).strip()))
    except ValueError:
        return None


def make_interval(
    row: pd.Series,
    *,
    path: Path,
    line: int,
    skip: int,
    emotion_raw: object | None,
    dataset_map: str | None,
    type: str = "me",
    onset_col: str = "onset",
    apex_col: str | None = "apex",
    offset_col: str = "offset",
) -> MEInterval | None:
    """One label row -> :class:`MEInterval` on the frame grid, or ``None`` (onset 0: dropped with its
    emotion, which fixes MEAN's label/emotion misalignment, trap 14). Named errors name file and row."""
    onset = frame_number(row[onset_col])
    offset = frame_number(row[offset_col])
    apex = frame_number(row[apex_col]) if apex_col is not None else None
    if onset is None or offset is None:
        raise FileFormatError(
            f"row {line}: onset/offset are not frame numbers ({row[onset_col]!r}, {row[offset_col]!r})", path
        )
    emotion = None
    if emotion_raw is not None and not (isinstance(emotion_raw, float) and np.isnan(emotion_raw)):
        try:
            emotion = normalize_emotion(emotion_raw, dataset_map)
        except InputError as exc:
            raise FileFormatError(f"row {line}: {exc}", path) from None
    try:
        iv = interval_from_label(onset, apex, offset, skip=skip, emotion=emotion, type=type)
    except InputError as exc:
        raise FileFormatError(f"row {line}: {exc}", path) from None
    if iv is None:
        log.warning("%s row %d: onset 0, row dropped (MEAN's rule for extremely long samples)", path, line)
    return iv


def finish(videos: list[MEVideo], *, keep_empty: bool, n_labelled: int, name: str) -> list[MEVideo]:
    """Drop videos without expressions unless ``keep_empty`` (the reference code drops them, trap 12)."""
    kept = videos if keep_empty else [v for v in videos if v.intervals]
    log.info("%s: %d videos kept (%d with labels)", name, len(kept), n_labelled)
    return sorted(kept, key=lambda v: (natural_key(v.subject), natural_key(v.video)))
