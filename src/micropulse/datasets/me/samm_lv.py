"""SAMM Long Videos (key ``SAMMLV``), with the SAMM Micro FACS join (specs/micro-expressions.md §2.1, §6).

Layout, as distributed and read by the reference code::

    ROOT/SAMM_LongVideos_V3_Release.xlsx    preamble, then header row: Subject, Filename, Inducement Code,
                                            Onset, Apex, Offset, Duration, Type, Action Units, Notes
    ROOT/SAMM_Micro_FACS_Codes_v2.xlsx      preamble, then header row: Subject, Filename, Inducement Code,
                                            Onset Frame, Apex Frame, Offset Frame, Duration, Micro,
                                            Action Units, Estimated Emotion, Objective Classes, Notes
    ROOT/SAMM_longvideos/<SSS>_<n>/*.jpg    e.g. SAMM_longvideos/006_1/006_1_0001.jpg

* SAMM-LV has no emotion column: an ME keeps its emotion only through an **inner join on
  (Filename, Type)** with the SAMM micro sheet (its 8th column, "Micro", plays the role of Type). Every
  ME present in both sheets is kept; MEs missing from the SAMM sheet are dropped (trap 15, logged).
  The join builds new columns instead of the reference's chained ``replace(..., inplace=True)``, which is
  a no-op under pandas copy-on-write and emptied the dataset (trap 25).
* The header row is found by its first cell ``Subject`` (the sheets carry 9-13 preamble rows).
* video = the first two "_" tokens of Filename (``006_1_2`` -> ``006_1``); subject = the first token.
* frames: every 7th file of the folder (natural order), 200 fps -> 28.57 fps; labels -> index
  ``int((frame - 1) / 7)`` (trap 16). Apex -1 ("not annotated") -> no apex.
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
    table_after_header,
)
from micropulse.datasets.me.registry import ME_DATASETS
from micropulse.errors import FileFormatError
from micropulse.me.labels import TYPE_ALIASES

log = logging.getLogger(__name__)

NAME = "samm-lv"
RAW_FPS = 200.0
FRAME_SKIP = 7
LV_FILE = "SAMM_LongVideos_V3_Release.xlsx"
SAMM_FILE = "SAMM_Micro_FACS_Codes_v2.xlsx"
FRAMES_DIR = "SAMM_longvideos"
LAYOUT = f"ROOT/{LV_FILE}, ROOT/{SAMM_FILE} and ROOT/{FRAMES_DIR}/<SSS>_<n>/*.jpg"
TEST_NAME = "samm-test"
TEST_FRAMES_DIR = "SAMM_data"
TEST_LAYOUT = f"ROOT/{LV_FILE}, ROOT/{SAMM_FILE} and ROOT/{TEST_FRAMES_DIR}/<SSS>_<n>/*.jpg"
#: The LV sheet, by position as the reference code names it (header texts vary between releases).
LV_NAMES = [
    "Subject",
    "Filename",
    "Inducement Code",
    "Onset",
    "Apex",
    "Offset",
    "Duration",
    "Type",
    "Action Units",
    "Notes",
]
#: The SAMM micro sheet, by position as the reference code names it (its "Micro" column joins as Type).
SAMM_NAMES = [
    "Subject",
    "Filename",
    "Inducement Code",
    "Onset",
    "Apex",
    "Offset",
    "Duration",
    "Type",
    "Action Units",
    "Emotion",
    "Classes",
    "Notes",
]


def _str_col(series: pd.Series) -> pd.Series:
    return series.map(lambda v: "" if pd.isna(v) else str(v).strip())


def _positional(table: pd.DataFrame, names: list[str], path: Path) -> pd.DataFrame:
    """Name the columns by position, as the reference code does (``Type`` is the 8th column)."""
    if table.shape[1] < 8:
        raise FileFormatError(
            f"expected the columns {', '.join(names)}; found {', '.join(map(str, table.columns))}", path
        )
    table = table.iloc[:, : len(names)].copy()
    table.columns = names[: table.shape[1]]
    return table


def read_lv_sheet(path: Path) -> pd.DataFrame:
    table = _positional(table_after_header(read_sheet(path, header=None), path), LV_NAMES, path)
    table = table[table["Filename"].notna()].copy()
    table["Filename"] = _str_col(table["Filename"])
    table["Type"] = _str_col(table["Type"])
    table["line"] = table.index + 1  # data row number below the header
    return table


def read_samm_sheet(path: Path) -> pd.DataFrame:
    table = _positional(table_after_header(read_sheet(path, header=None), path), SAMM_NAMES, path)
    if "Emotion" not in table.columns:
        raise FileFormatError(f"expected {len(SAMM_NAMES)} columns ({', '.join(SAMM_NAMES)})", path)
    table = table[table["Filename"].notna()].copy()
    table["Filename"] = _str_col(table["Filename"])
    table["Type"] = _str_col(table["Type"])
    dup = table.duplicated(["Filename", "Type"], keep="first")
    if dup.any():
        log.warning("%s: %d duplicate (Filename, Type) rows ignored", path, int(dup.sum()))
    return table[~dup]


def join_samm(lv: pd.DataFrame, samm: pd.DataFrame) -> pd.DataFrame:
    """Inner join of the LV micro rows with the SAMM sheet on (Filename, Type); adds ``Emotion``."""
    joined = lv.merge(
        samm[["Filename", "Type", "Emotion"]], on=["Filename", "Type"], how="inner", validate="m:1"
    )
    return joined.sort_values("line", kind="stable").reset_index(drop=True)


@ME_DATASETS.register(NAME)
def load_samm_lv(root: str | Path, *, include_macro: bool = False, keep_empty: bool = False) -> list[MEVideo]:
    """Scan a SAMM-LV tree; MEs (with emotions from the SAMM join) and optionally macro-expressions."""
    return _load(
        Path(root), NAME, FRAMES_DIR, LAYOUT, "samm", include_macro=include_macro, keep_empty=keep_empty
    )


@ME_DATASETS.register(TEST_NAME)
def load_samm_test(
    root: str | Path, *, include_macro: bool = False, keep_empty: bool = False
) -> list[MEVideo]:
    """The MEGC-2025 SAMM challenge videos (key ``SAMM_test``): ``ROOT/SAMM_data/<SSS>_<n>/*.jpg`` with the
    (mock) sheet pair; emotions negative / happiness / surprise (§2.3)."""
    return _load(
        Path(root),
        TEST_NAME,
        TEST_FRAMES_DIR,
        TEST_LAYOUT,
        "megc_test",
        include_macro=include_macro,
        keep_empty=keep_empty,
    )


def _load(
    root: Path,
    name: str,
    frames_name: str,
    layout: str,
    emotions: str,
    *,
    include_macro: bool,
    keep_empty: bool,
) -> list[MEVideo]:
    frames_dir = require_dir(root / frames_name, layout)
    lv_path = require_file(root / LV_FILE, layout)
    samm_path = require_file(root / SAMM_FILE, layout)
    lv = read_lv_sheet(lv_path)
    kinds = lv["Type"].str.lower().map(TYPE_ALIASES)
    if kinds.isna().any():
        bad = lv.loc[kinds.isna(), "Type"].iloc[0]
        raise FileFormatError(f"unknown Type {bad!r}; known: {', '.join(TYPE_ALIASES)}", lv_path)
    lv = lv.assign(kind=kinds)
    micro = lv[lv["kind"] == "me"]
    joined = join_samm(micro, read_samm_sheet(samm_path))
    lost = sorted(set(micro["Filename"]) - set(joined["Filename"]))
    if lost:
        log.warning(
            "%s: %d ME row(s) not in %s are dropped (no emotion): %s",
            lv_path,
            len(lost),
            SAMM_FILE,
            ", ".join(lost[:10]),
        )
    rows = [(r, r["Emotion"], "me") for _, r in joined.iterrows()]
    if include_macro:
        rows += [(r, None, "mae") for _, r in lv[lv["kind"] == "mae"].iterrows()]
    labels: dict[str, list] = {}
    for row, emotion, kind in sorted(rows, key=lambda t: int(t[0]["line"])):
        iv = make_interval(
            row.rename({"Onset": "onset", "Apex": "apex", "Offset": "offset"}),
            path=lv_path,
            line=int(row["line"]),
            skip=FRAME_SKIP,
            emotion_raw=emotion,
            dataset_map=emotions,
            type=kind,
        )
        if iv is not None:
            labels.setdefault(video_code(row["Filename"]), []).append(iv)
    videos = []
    for video_dir in subdirs(frames_dir):
        files = image_files(video_dir)
        if not files:
            log.warning("%s: no *.jpg frames, video skipped", video_dir)
            continue
        subject = video_dir.name.split("_")[0]
        ivs = labels.pop(video_dir.name, [])
        videos.append(
            MEVideo(
                name,
                subject,
                video_dir.name,
                tuple(files[::FRAME_SKIP]),
                RAW_FPS / FRAME_SKIP,
                FRAME_SKIP,
                tuple(ivs),
            )
        )
    for video, ivs in labels.items():
        log.warning("%s: %d labelled expression(s) of video %s have no frames", lv_path, len(ivs), video)
    return finish(videos, keep_empty=keep_empty, n_labelled=sum(1 for v in videos if v.intervals), name=name)


def video_code(filename: str) -> str:
    """``006_1_2`` -> ``006_1`` (first two "_" tokens, as the reference code)."""
    parts = str(filename).split("_")
    return "_".join(parts[:2])
