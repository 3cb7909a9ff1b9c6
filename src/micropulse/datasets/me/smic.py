"""SMIC-E long videos, HS / VIS / NIR (MEAN keys ``SMIC_HS`` ...), specs/micro-expressions.md §6.

Layout, as distributed (``<T>`` = HS, VIS or NIR)::

    ROOT/SMIC-E_raw image/<T>_long/SMIC-<T>-E_annotation.xlsx    Subject, Filename, OnsetF, OffsetF,
                                                                 Emotion, FirstF (+ notes rows at the end)
    ROOT/SMIC-E_raw image/<T>_long/SMIC-<T>-E/<T>/s<NN>/<video>/*.jpg    video e.g. s01_ne_01

(``ROOT`` is the ``SMIC`` folder; the path segment ``SMIC-E_raw image`` contains a space.)

* subject key ``s`` + two-digit subject (``1`` -> ``s01``); video key = tokens 2-3 of Filename / folder
  (``s01_ne_01`` -> ``ne_01``), as MEAN;
* onset/offset are made relative to ``FirstF`` (the first frame number of the video): index =
  ``F - FirstF``. MEAN subtracts one more (and then drops rows starting on the first frame); here the
  file numbered ``FirstF`` is index 0. No apex in SMIC-E (MEAN takes the maximum-flow frame);
* MEAN keeps the first 157 rows (the rest are notes); here every row with a numeric Subject is kept;
* frame rate: HS 100 fps, VIS and NIR 25 fps.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

import pandas as pd

from micropulse.datasets.me.base import (
    MEVideo,
    finish,
    frame_number,
    image_files,
    make_interval,
    read_sheet,
    require_columns,
    require_dir,
    require_file,
    subdirs,
)
from micropulse.datasets.me.registry import ME_DATASETS

log = logging.getLogger(__name__)

FPS = {"HS": 100.0, "VIS": 25.0, "NIR": 25.0}
COLUMNS = ["Subject", "Filename", "OnsetF", "OffsetF", "Emotion", "FirstF"]


def layout(kind: str) -> str:
    return (
        f"ROOT/SMIC-E_raw image/{kind}_long/SMIC-{kind}-E_annotation.xlsx and "
        f"ROOT/SMIC-E_raw image/{kind}_long/SMIC-{kind}-E/{kind}/s<NN>/<video>/*.jpg"
    )


def _video_key(name: str) -> str:
    parts = str(name).strip().split("_")
    return "_".join(parts[1:3]) if len(parts) >= 3 else str(name).strip()


def load_smic(
    root: str | Path, *, kind: str, include_macro: bool = False, keep_empty: bool = False
) -> list[MEVideo]:
    """Scan one SMIC-E long-video camera (``kind`` HS, VIS or NIR); SMIC-E has MEs only."""
    base = Path(root) / "SMIC-E_raw image" / f"{kind}_long"
    path = require_file(base / f"SMIC-{kind}-E_annotation.xlsx", layout(kind))
    frames_root = require_dir(base / f"SMIC-{kind}-E" / kind, layout(kind))
    sheet = read_sheet(path)
    sheet.columns = [str(c).strip() for c in sheet.columns]
    require_columns(sheet, COLUMNS, path)
    name = f"smic-e-{kind.lower()}"
    labels: dict[tuple[str, str], list] = {}
    for i, row in sheet.iterrows():
        subject_no = frame_number(row["Subject"])
        first = frame_number(row["FirstF"])
        if subject_no is None or first is None or pd.isna(row["Filename"]):
            continue  # the notes rows at the end of the sheet
        rel = pd.Series(
            {
                "onset": frame_number(row["OnsetF"]) - first + 1,
                "apex": None,
                "offset": frame_number(row["OffsetF"]) - first + 1,
            }
        )
        iv = make_interval(
            rel, path=path, line=int(i) + 2, skip=1, emotion_raw=row["Emotion"], dataset_map="smic"
        )
        if iv is not None:
            labels.setdefault((f"s{subject_no:02d}", _video_key(row["Filename"])), []).append(iv)
    videos = []
    for subject_dir in subdirs(frames_root):
        for video_dir in subdirs(subject_dir):
            files = image_files(video_dir)
            if not files:
                log.warning("%s: no *.jpg frames, video skipped", video_dir)
                continue
            key = _video_key(video_dir.name)
            ivs = labels.pop((subject_dir.name, key), [])
            videos.append(MEVideo(name, subject_dir.name, key, tuple(files), FPS[kind], 1, tuple(ivs)))
    for key, ivs in labels.items():
        log.warning("%s: %d labelled expression(s) of %s have no frames", path, len(ivs), "/".join(key))
    return finish(videos, keep_empty=keep_empty, n_labelled=sum(1 for v in videos if v.intervals), name=name)


for _kind in FPS:
    ME_DATASETS.register(f"smic-e-{_kind.lower()}")(partial(load_smic, kind=_kind))
