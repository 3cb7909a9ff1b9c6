"""CAS(ME)^3 part A (key ``CASME_3`` in ME-TST / BoostingVRME), specs/micro-expressions.md §6.

Layout, as distributed and read by the reference code::

    ROOT/casme3_label.xlsx                      Subject, Filename, Onset, Apex, Offset, AU,
                                                Objective class, emotion   (first sheet)
    ROOT/data/<subject dir>/<video>/color/<n>.jpg      e.g. data/spNO.1/a/color/1.jpg

* subject key = the text after the last "." of the subject folder (``spNO.1`` -> ``1``); the sheet's
  ``Subject`` is compared the same way;
* frames: index j holds the file numbered j + 1, ``0.jpg`` is ignored and gaps are filled with the next
  existing file (trap 16); 30 fps, no subsampling;
* every row is a micro-expression (the reference code forces the type), unless the sheet has a
  ``Type``/``type`` column, which is then honoured (micro / macro spellings of ``TYPE_ALIASES``);
* emotions: anger/disgust/fear/sad -> negative, happy -> positive, surprise, others (§2.3).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from micropulse.datasets.me.base import (
    MEVideo,
    finish,
    gap_filled_frames,
    image_files,
    make_interval,
    read_sheet,
    require_columns,
    require_dir,
    require_file,
    subdirs,
)
from micropulse.datasets.me.registry import ME_DATASETS
from micropulse.errors import FileFormatError
from micropulse.me.labels import TYPE_ALIASES

log = logging.getLogger(__name__)

NAME = "casme3"
FPS = 30.0
LABEL_FILE = "casme3_label.xlsx"
LAYOUT = (
    "ROOT/casme3_label.xlsx and ROOT/data/<subject>/<video>/color/<n>.jpg (e.g. data/spNO.1/a/color/1.jpg)"
)
TEST_NAME = "casme3-test"
TEST_LAYOUT = "ROOT/casme3_label.xlsx and ROOT/CAS_data/<subject>/<clip>/<n>.jpg"


def _key(value: object) -> str:
    """Subject key: text after the last '.', integers without '.0' (spNO.1 -> 1, 1.0 -> 1)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().split(".")[-1]


def row_type(value: object, path: Path, line: int) -> str:
    key = str(value).strip().lower()
    if key not in TYPE_ALIASES:
        raise FileFormatError(
            f"row {line}: unknown expression type {value!r}; known: {', '.join(TYPE_ALIASES)}", path
        )
    return TYPE_ALIASES[key]


@ME_DATASETS.register(NAME)
def load_casme3(root: str | Path, *, include_macro: bool = False, keep_empty: bool = False) -> list[MEVideo]:
    """Scan a CAS(ME)^3 part-A tree; one :class:`MEVideo` per video folder that has labels.

    ``include_macro`` keeps macro-expression rows (only if the sheet has a type column); ``keep_empty``
    keeps videos without usable expressions (the reference code drops them, trap 12).
    """
    return _load(
        Path(root), NAME, "data", "color", LAYOUT, include_macro=include_macro, keep_empty=keep_empty
    )


@ME_DATASETS.register(TEST_NAME)
def load_casme3_test(
    root: str | Path, *, include_macro: bool = False, keep_empty: bool = False
) -> list[MEVideo]:
    """The MEGC-2025 unseen CAS(ME)^3 clips (key ``CASME_test``): ``ROOT/CAS_data/<subject>/<clip>/<n>.jpg``
    (no ``color`` level) with a (mock) ``casme3_label.xlsx``; same frame and emotion rules as part A."""
    return _load(
        Path(root), TEST_NAME, "CAS_data", "", TEST_LAYOUT, include_macro=include_macro, keep_empty=keep_empty
    )


def _load(
    root: Path,
    name: str,
    frames_dir: str,
    frames_sub: str,
    layout: str,
    *,
    include_macro: bool,
    keep_empty: bool,
) -> list[MEVideo]:
    data = require_dir(root / frames_dir, layout)
    path = require_file(root / LABEL_FILE, layout)
    sheet = read_sheet(path)
    sheet.columns = [str(c).strip() for c in sheet.columns]
    require_columns(sheet, ["Subject", "Filename", "Onset", "Apex", "Offset", "emotion"], path)
    type_col = next((c for c in sheet.columns if c.lower() == "type"), None)
    labels: dict[tuple[str, str], list] = {}
    for i, row in sheet.iterrows():
        if pd.isna(row["Subject"]) and pd.isna(row["Filename"]):
            continue
        line = int(i) + 2  # 1-based spreadsheet row, header on row 1
        kind = row_type(row[type_col], path, line) if type_col else "me"
        if kind == "mae" and not include_macro:
            continue
        iv = make_interval(
            row.rename({"Onset": "onset", "Apex": "apex", "Offset": "offset"}),
            path=path,
            line=line,
            skip=1,
            emotion_raw=row["emotion"] if kind == "me" else None,
            dataset_map=NAME,
            type=kind,
        )
        if iv is not None:
            labels.setdefault((_key(row["Subject"]), str(row["Filename"]).strip()), []).append(iv)
    videos = []
    for subject_dir in subdirs(data):
        subject = _key(subject_dir.name)
        for video_dir in subdirs(subject_dir):
            folder = video_dir / frames_sub if frames_sub else video_dir
            files = image_files(folder) if folder.is_dir() else []
            if not files:
                log.warning(
                    "%s: no %s*.jpg frames, video skipped", video_dir, f"{frames_sub}/" if frames_sub else ""
                )
                continue
            frames = gap_filled_frames(files)
            ivs = labels.pop((subject, video_dir.name), [])
            _check_range(ivs, len(frames), video_dir)
            videos.append(MEVideo(name, subject, video_dir.name, tuple(frames), FPS, 1, tuple(ivs)))
    for (subject, video), ivs in labels.items():
        log.warning(
            "%s: %d labelled expression(s) of subject %s video %s have no frames",
            path,
            len(ivs),
            subject,
            video,
        )
    n_labelled = sum(1 for v in videos if v.intervals)
    return finish(videos, keep_empty=keep_empty, n_labelled=n_labelled, name=name)


def _check_range(intervals: list, n_frames: int, where: Path) -> None:
    for iv in intervals:
        if iv.offset >= n_frames:
            log.warning(
                "%s: interval [%d, %d] ends after the last frame %d", where, iv.onset, iv.offset, n_frames - 1
            )
