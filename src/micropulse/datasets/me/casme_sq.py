"""CAS(ME)^2 long videos (MEAN key ``CASME_sq``), specs/micro-expressions.md §6.

Layout, as distributed and read by MEAN::

    ROOT/code_final.xlsx     sheet 0 (no header): subject, video, onset, apex, offset, AU, emotion, type,
                             selfReport;  sheet 1 (no header): ..., sNN (col 1), subject number (col 2);
                             sheet 2 (no header): 4-digit video code (col 0), video name (col 1)
    ROOT/rawpic/<sNN>/<NN>_<code><name>/img<n>.jpg      e.g. rawpic/s15/15_0101disgustingteeth/img1.jpg

* video name of a row = the text before the first "_" of its ``video`` cell; sheet 2 maps it to the
  4-digit code, which is ``split('_')[1][:4]`` of the folder name; sheet 1 maps the subject number to sNN;
* frames in natural order, 30 fps; 1-based labels -> index ``label - 1``; offset 0 -> apex;
* ``type`` is ``micro-expression`` / ``macro-expression``; MEs only unless ``include_macro``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from micropulse.datasets.me.base import (
    MEVideo,
    finish,
    image_files,
    make_interval,
    read_sheet,
    require_dir,
    require_file,
    subdirs,
)
from micropulse.datasets.me.casme3 import row_type
from micropulse.datasets.me.registry import ME_DATASETS
from micropulse.errors import FileFormatError

log = logging.getLogger(__name__)

NAME = "casme-sq"
FPS = 30.0
LABEL_FILE = "code_final.xlsx"
LAYOUT = f"ROOT/{LABEL_FILE} (3 sheets) and ROOT/rawpic/<sNN>/<NN>_<code><name>/img<n>.jpg"
COLUMNS = ["subject", "video", "onset", "apex", "offset", "au", "emotion", "type", "selfReport"]


def _int_key(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@ME_DATASETS.register(NAME)
def load_casme_sq(
    root: str | Path, *, include_macro: bool = False, keep_empty: bool = False
) -> list[MEVideo]:
    """Scan a CAS(ME)^2 tree (raw frames under ``rawpic``)."""
    root = Path(root)
    pics = require_dir(root / "rawpic", LAYOUT)
    path = require_file(root / LABEL_FILE, LAYOUT)
    codes = read_sheet(path, sheet=0, header=None)
    if codes.shape[1] < 8:
        raise FileFormatError(
            f"sheet 0 needs the columns {', '.join(COLUMNS)}; found {codes.shape[1]} columns", path
        )
    codes = codes.iloc[:, : len(COLUMNS)]
    codes.columns = COLUMNS[: codes.shape[1]]
    subjects_sheet = read_sheet(path, sheet=1, header=None)
    names_sheet = read_sheet(path, sheet=2, header=None)
    subject_of = {
        _int_key(n): str(s).strip()
        for s, n in zip(subjects_sheet.iloc[:, 1], subjects_sheet.iloc[:, 2], strict=True)
    }
    code_of = {
        str(name).strip(): _int_key(code).zfill(4)
        for code, name in zip(names_sheet.iloc[:, 0], names_sheet.iloc[:, 1], strict=True)
    }
    labels: dict[tuple[str, str], list] = {}
    for i, row in codes.iterrows():
        if pd.isna(row["video"]):
            continue
        line = int(i) + 1
        kind = row_type(row["type"], path, line)
        if kind == "mae" and not include_macro:
            continue
        name = str(row["video"]).split("_")[0]
        subject = subject_of.get(_int_key(row["subject"]))
        code = code_of.get(name)
        if subject is None or code is None:
            raise FileFormatError(
                f"row {line}: subject {row['subject']!r} or video {name!r} is missing from the naming sheets",
                path,
            )
        iv = make_interval(
            row,
            path=path,
            line=line,
            skip=1,
            emotion_raw=row["emotion"] if kind == "me" else None,
            dataset_map="casme_sq",
            type=kind,
        )
        if iv is not None:
            labels.setdefault((subject, code), []).append(iv)
    videos = []
    for subject_dir in subdirs(pics):
        for video_dir in subdirs(subject_dir):
            parts = video_dir.name.split("_")
            if len(parts) < 2:
                log.warning("%s: folder name is not <NN>_<code><name>, skipped", video_dir)
                continue
            code = parts[1][:4]
            files = image_files(video_dir, "img*.jpg")
            if not files:
                log.warning("%s: no img*.jpg frames, video skipped", video_dir)
                continue
            ivs = labels.pop((subject_dir.name, code), [])
            videos.append(MEVideo(NAME, subject_dir.name, code, tuple(files), FPS, 1, tuple(ivs)))
    for key, ivs in labels.items():
        log.warning("%s: %d labelled expression(s) of %s have no frames", path, len(ivs), "/".join(key))
    return finish(videos, keep_empty=keep_empty, n_labelled=sum(1 for v in videos if v.intervals), name=NAME)
