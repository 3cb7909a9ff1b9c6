"""CASME II short clips (MEAN key ``CASME2``), specs/micro-expressions.md §6.

Layout, as distributed::

    ROOT/CASME2_label_Ver_2.xls        Subject, Filename, OnsetFrame, ApexFrame, OffsetFrame,
                                       Action Units, Estimated Emotion   (.xlsx / .csv also accepted)
    ROOT/CASME2-RAW/sub<NN>/EP<..>/img<n>.jpg       e.g. CASME2-RAW/sub01/EP02_01f/img46.jpg

(``ROOT`` may also be the folder that holds ``CASME2/`` with both inside, MEAN's layout.)

* subject key = the folder number without leading zeros (``sub01`` -> ``1``); video key = the text after
  ``EP`` (``EP02_01f`` -> ``02_01f``), as MEAN;
* label frames are the absolute image numbers of the clip (``img46.jpg`` is frame 46), so the index is
  the position of that file in the clip. MEAN instead used ``label - 1`` here; rows whose frames do not
  exist in the clip are logged and skipped (MEAN hard-codes one such row), an apex of '/' -> no apex;
* 200 fps; emotions grouped by the MEGC-2019 composite mapping (``EMOTION_MAPS['casme2']``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from micropulse.datasets.me.base import (
    MEVideo,
    finish,
    frame_number,
    image_files,
    int_stem,
    make_interval,
    read_sheet,
    require_columns,
    require_dir,
    subdirs,
)
from micropulse.datasets.me.registry import ME_DATASETS
from micropulse.errors import DatasetLayoutError

log = logging.getLogger(__name__)

NAME = "casme2"
FPS = 200.0
LABEL_STEM = "CASME2_label_Ver_2"
LAYOUT = f"ROOT/{LABEL_STEM}.xls and ROOT/CASME2-RAW/sub<NN>/EP<..>/img<n>.jpg"
COLUMNS = ["Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame", "Estimated Emotion"]


def _resolve(root: Path) -> tuple[Path, Path]:
    for base in (root, root / "CASME2"):
        if (base / "CASME2-RAW").is_dir():
            for ext in (".xls", ".xlsx", ".csv"):
                if (base / f"{LABEL_STEM}{ext}").is_file():
                    return base / "CASME2-RAW", base / f"{LABEL_STEM}{ext}"
            raise DatasetLayoutError(f"missing label file {LABEL_STEM}.xls; expected layout: {LAYOUT}", base)
    raise DatasetLayoutError(f"missing folder CASME2-RAW; expected layout: {LAYOUT}", root)


@ME_DATASETS.register(NAME)
def load_casme2(root: str | Path, *, include_macro: bool = False, keep_empty: bool = False) -> list[MEVideo]:
    """Scan a CASME II tree; one :class:`MEVideo` (a short clip with one ME) per labelled clip.

    ``include_macro`` is accepted for a uniform signature; CASME II has micro-expressions only.
    """
    raw_dir, path = _resolve(Path(root))
    require_dir(raw_dir, LAYOUT)
    sheet = read_sheet(path)
    sheet.columns = [str(c).strip() for c in sheet.columns]
    require_columns(sheet, COLUMNS, path)
    rows: dict[tuple[str, str], list[tuple[int, pd.Series]]] = {}
    for i, row in sheet.iterrows():
        if pd.isna(row["Filename"]):
            continue
        subject = str(frame_number(row["Subject"]) or str(row["Subject"]).strip().lstrip("0"))
        video = str(row["Filename"]).strip().split("EP", 1)[-1]
        rows.setdefault((subject, video), []).append((int(i) + 2, row))
    videos = []
    for subject_dir in subdirs(raw_dir):
        if not subject_dir.name.startswith("sub"):
            continue
        subject = subject_dir.name[3:].lstrip("0") or "0"
        for video_dir in subdirs(subject_dir):
            if not video_dir.name.startswith("EP"):
                continue
            files = image_files(video_dir)
            if not files:
                log.warning("%s: no *.jpg frames, clip skipped", video_dir)
                continue
            position = {int_stem(f): j for j, f in enumerate(files)}
            ivs = []
            for line, row in rows.pop((subject, video_dir.name[2:]), []):
                frames = [frame_number(row[c]) for c in ("OnsetFrame", "ApexFrame", "OffsetFrame")]
                if frames[0] not in position or frames[2] not in position:
                    log.warning(
                        "%s row %d: frames %s are not in %s, row skipped", path, line, frames, video_dir
                    )
                    continue
                rel = pd.Series(
                    {
                        "onset": position[frames[0]] + 1,
                        "apex": position[frames[1]] + 1 if frames[1] in position else None,
                        "offset": position[frames[2]] + 1,
                    }
                )
                iv = make_interval(
                    rel, path=path, line=line, skip=1, emotion_raw=row["Estimated Emotion"], dataset_map=NAME
                )
                if iv is not None:
                    ivs.append(iv)
            videos.append(MEVideo(NAME, subject, video_dir.name[2:], tuple(files), FPS, 1, tuple(ivs)))
    for key, left in rows.items():
        log.warning("%s: %d labelled clip(s) of %s have no frames", path, len(left), "/".join(key))
    return finish(videos, keep_empty=keep_empty, n_labelled=sum(1 for v in videos if v.intervals), name=NAME)
