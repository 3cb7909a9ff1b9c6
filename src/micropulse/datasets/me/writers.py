"""Write ME label spreadsheets in the layouts the loaders read (CAS(ME)^3 part A and SAMM-LV).

Used by the synthetic ME datasets (:mod:`micropulse.synth.me_dataset`) so that the loaders are exercised
by the same files the real datasets ship with (specs/micro-expressions.md §6, §6.1). Frames are written by
the caller; this module writes only the sheets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd

from micropulse.datasets.me import casme3, samm_lv
from micropulse.errors import InputError

#: A representative raw label per class, as each dataset spells it.
RAW_EMOTION = {
    "casme3": {"negative": "disgust", "positive": "happy", "surprise": "surprise", "others": "others"},
    "samm": {"negative": "Disgust", "positive": "Happiness", "surprise": "Surprise", "others": "Other"},
}
#: Action units written beside each class (informative only; the loaders ignore them).
EMOTION_AUS = {"negative": "4", "positive": "12", "surprise": "1+2", "others": "24"}

CASME3_HEADER = ["Subject", "Filename", "Onset", "Apex", "Offset", "AU", "Objective class", "emotion"]
SAMM_LV_HEADER = samm_lv.LV_NAMES  # the LV sheet is written with the columns the loader reads
SAMM_MICRO_HEADER = [
    "Subject",
    "Filename",
    "Inducement Code",
    "Onset Frame",
    "Apex Frame",
    "Offset Frame",
    "Duration",
    "Micro",
    "Action Units",
    "Estimated Emotion",
    "Objective Classes",
    "Notes",
]
SAMM_LV_PREAMBLE = [
    "SAMM Long Videos (synthetic, written by micropulse)",
    "",
    "Key:",
    "Micro - 1/2 = micro-expression; Macro = macro-expression",
    "Action Units follow FACS",
    "",
    "",
    "",
    "Apex not annotated = -1",
]
SAMM_MICRO_PREAMBLE = ["SAMM Micro FACS Codes (synthetic, written by micropulse)"] + [""] * 12


@dataclass(frozen=True)
class LabelRow:
    """One expression in raw 1-based frame numbers of its video, as the spreadsheets hold them."""

    subject: str
    video: str
    onset: int
    apex: int
    offset: int
    emotion: str | None
    type: str = "me"

    def __post_init__(self) -> None:
        if not 1 <= self.onset <= self.offset:
            raise InputError(
                f"label frames are 1-based with onset <= offset, got {self.onset}..{self.offset}"
            )
        if self.type == "me" and self.emotion not in EMOTION_AUS:
            raise InputError(f"a micro-expression needs one of {sorted(EMOTION_AUS)}, got {self.emotion!r}")


def write_casme3_labels(root: str | Path, rows: Sequence[LabelRow], *, with_type: bool = False) -> Path:
    """``ROOT/casme3_label.xlsx`` (sheet ``label``). The distributed sheet lists MEs only; with
    ``with_type=True`` macro rows are written too, with an extra ``Type`` column (micro/macro)."""
    records = []
    for r in rows:
        if r.type == "mae" and not with_type:
            continue
        rec = [r.subject, r.video, r.onset, r.apex, r.offset]
        rec += [
            EMOTION_AUS.get(r.emotion or "", "") or "",
            "I",
            RAW_EMOTION["casme3"].get(r.emotion or "", "others"),
        ]
        if with_type:
            rec.append("micro" if r.type == "me" else "macro")
        records.append(rec)
    path = Path(root) / casme3.LABEL_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = CASME3_HEADER + (["Type"] if with_type else [])
    pd.DataFrame(records, columns=columns).to_excel(path, sheet_name="label", index=False)
    return path


def _sheet(path: Path, title: str, preamble: list[str], header: list[str], rows: list[list]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for line in preamble:
        ws.append([line])
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)


def write_samm_lv_labels(root: str | Path, rows: Sequence[LabelRow]) -> tuple[Path, Path]:
    """``ROOT/SAMM_LongVideos_V3_Release.xlsx`` (every expression, header on row 10) and
    ``ROOT/SAMM_Micro_FACS_Codes_v2.xlsx`` (the MEs with their emotions, header on row 14).

    Each expression's Filename is ``<video>_<k>`` (k-th expression of the video, 1-based), the key of the
    (Filename, Type) join; ``video`` must be ``<SSS>_<n>``.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    lv_rows, micro_rows, count = [], [], {}
    for r in rows:
        count[r.video] = count.get(r.video, 0) + 1
        filename = f"{r.video}_{count[r.video]}"
        kind = "Micro - 1/2" if r.type == "me" else "Macro"
        aus = EMOTION_AUS.get(r.emotion or "", "")
        lv_rows.append(
            [r.subject, filename, 1, r.onset, r.apex, r.offset, r.offset - r.onset, kind, aus, None]
        )
        if r.type == "me":
            emotion = RAW_EMOTION["samm"][r.emotion or "others"]
            micro_rows.append(
                [
                    r.subject,
                    filename,
                    1,
                    r.onset,
                    r.apex,
                    r.offset,
                    r.offset - r.onset,
                    kind,
                    aus,
                    emotion,
                    1,
                    None,
                ]
            )
    lv_path, micro_path = root / samm_lv.LV_FILE, root / samm_lv.SAMM_FILE
    _sheet(lv_path, "Sheet1", SAMM_LV_PREAMBLE, SAMM_LV_HEADER, lv_rows)
    _sheet(micro_path, "MICRO_ONLY", SAMM_MICRO_PREAMBLE, SAMM_MICRO_HEADER, micro_rows)
    return lv_path, micro_path
