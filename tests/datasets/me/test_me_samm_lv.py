"""SAMM-LV loader: sheets with their preambles, the (Filename, Type) inner join, the 1/7 frame grid."""

from __future__ import annotations

from pathlib import Path

import pytest

from micropulse.datasets.me import create_dataset
from micropulse.datasets.me.samm_lv import join_samm, read_lv_sheet, read_samm_sheet
from micropulse.datasets.me.writers import SAMM_LV_HEADER as LV_HEADER
from micropulse.datasets.me.writers import SAMM_MICRO_HEADER as SAMM_HEADER
from micropulse.datasets.me.writers import _sheet
from micropulse.errors import DatasetLayoutError

MICRO = "Micro - 1/2"
LV_ROWS = [
    ["006", "006_1_1", 1, 8, 20, 43, 35, MICRO, "4+7", None],
    ["006", "006_1_2", 1, 100, -1, 300, 200, "Macro", "12", None],
    ["006", "006_1_3", 2, 150, 160, 180, 30, MICRO, "4", None],
    ["006", "006_1_4", 2, 200, 205, 220, 20, MICRO, "1+2", "not in the SAMM sheet"],
    ["007", "007_2_1", 1, 0, 10, 40, 40, MICRO, "4", "onset 0"],
    ["007", "007_2_2", 3, 50, 55, 70, 20, MICRO, "14", None],
]
SAMM_ROWS = [
    ["006", "006_1_1", 1, 8, 20, 43, 35, MICRO, "12", "Happiness", 1, None],
    ["006", "006_1_2", 1, 8, 20, 43, 35, MICRO, "12", "Surprise", 5, "type differs from the LV row"],
    ["006", "006_1_3", 2, 150, 160, 180, 30, MICRO, "4", "Anger", 2, None],
    ["007", "007_2_1", 1, 1, 10, 40, 40, MICRO, "4", "Fear", 3, None],
    ["007", "007_2_2", 3, 50, 55, 70, 20, MICRO, "14", "Other", 7, None],
    ["010", "010_1_1", 1, 5, 6, 9, 4, MICRO, "1", "Surprise", 6, "no long video"],
]


def _tree(root: Path, write_jpgs) -> Path:
    lv_pre = ["SAMM Long Videos", "", "Key:", "* = ...", "AU help", "", "", "", "Apex not annotated = -1"]
    _sheet(root / "SAMM_LongVideos_V3_Release.xlsx", "Sheet1", lv_pre, LV_HEADER, LV_ROWS)
    samm_pre = ["SAMM micro FACS codes", "Please cite ..."] + [f"note {i}" for i in range(11)]
    _sheet(root / "SAMM_Micro_FACS_Codes_v2.xlsx", "MICRO_ONLY", samm_pre, SAMM_HEADER, SAMM_ROWS)
    write_jpgs(root / "SAMM_longvideos" / "006_1", [f"006_1_{n:04d}.jpg" for n in range(1, 401)])
    write_jpgs(root / "SAMM_longvideos" / "007_2", [f"007_2_{n:04d}.jpg" for n in range(1, 101)])
    write_jpgs(root / "SAMM_longvideos" / "008_1", [f"008_1_{n:04d}.jpg" for n in range(1, 15)])
    return root


def test_samm_join_keeps_every_me_in_both_sheets(tmp_path: Path, write_jpgs) -> None:
    root = _tree(tmp_path, write_jpgs)
    lv = read_lv_sheet(root / "SAMM_LongVideos_V3_Release.xlsx")
    samm = read_samm_sheet(root / "SAMM_Micro_FACS_Codes_v2.xlsx")
    assert len(lv) == len(LV_ROWS) and len(samm) == len(SAMM_ROWS)  # preambles cut at the header row
    joined = join_samm(lv[lv["Type"] == MICRO], samm)
    # in both sheets with the same (Filename, Type): _1, _3, 007_2_1, 007_2_2; 006_1_4 missing from SAMM
    assert list(joined["Filename"]) == ["006_1_1", "006_1_3", "007_2_1", "007_2_2"]
    assert list(joined["Emotion"]) == ["Happiness", "Anger", "Fear", "Other"]


def test_samm_lv_loader_grid_and_labels(tmp_path: Path, write_jpgs) -> None:
    videos = create_dataset("samm-lv", _tree(tmp_path, write_jpgs))
    assert [v.id for v in videos] == ["006/006_1", "007/007_2"]  # 008_1 has no labels
    v6, v7 = videos
    assert v6.frame_skip == 7 and v6.fps == pytest.approx(200 / 7)
    assert v6.n_frames == 58  # ceil(400 / 7)
    assert v6.frames[1].name == "006_1_0008.jpg"
    # labels on the 1/7 grid: int((frame - 1) / 7)
    assert [(iv.onset, iv.apex, iv.offset, iv.emotion, iv.type) for iv in v6.intervals] == [
        (1, 2, 6, "positive", "me"),
        (21, 22, 25, "negative", "me"),
    ]
    # 007_2_1 (onset 0) is dropped with its emotion: the next ME keeps its own emotion (trap 14)
    assert [(iv.onset, iv.offset, iv.emotion) for iv in v7.intervals] == [(7, 9, "others")]


def test_samm_lv_macro_rows_on_request(tmp_path: Path, write_jpgs) -> None:
    videos = create_dataset("samm-lv", _tree(tmp_path, write_jpgs), include_macro=True)
    mae = [iv for iv in videos[0].intervals if iv.type == "mae"]
    assert [(iv.onset, iv.apex, iv.offset, iv.emotion) for iv in mae] == [(14, None, 42, None)]


def test_samm_lv_missing_sheet(tmp_path: Path, write_jpgs) -> None:
    root = _tree(tmp_path, write_jpgs)
    (root / "SAMM_Micro_FACS_Codes_v2.xlsx").unlink()
    with pytest.raises(DatasetLayoutError, match="SAMM_Micro_FACS_Codes_v2.xlsx") as info:
        create_dataset("samm-lv", root)
    assert "expected layout" in str(info.value)


def test_samm_test_layout_like_the_megc_mock(tmp_path: Path, write_jpgs) -> None:
    lv_pre = ["SAMM Long Videos", "", "", "", "", "", "", "", "Apex not annotated = -1"]
    lv = [[f"00{s}", f"00{s}_1_1", 1, 1, 10, 100, 99, MICRO, "4+7", None] for s in (1, 2)]
    micro = [[f"00{s}", f"00{s}_1_1", 1, 1, 10, 100, 99, MICRO, "4+7", "Happiness", 1, None] for s in (1, 2)]
    _sheet(tmp_path / "SAMM_LongVideos_V3_Release.xlsx", "Sheet1", lv_pre, LV_HEADER, lv)
    _sheet(tmp_path / "SAMM_Micro_FACS_Codes_v2.xlsx", "MICRO_ONLY", ["x"] * 13, SAMM_HEADER, micro)
    for s in (1, 2):
        write_jpgs(tmp_path / "SAMM_data" / f"00{s}_1", [f"00{s}_1_{n:04d}.jpg" for n in range(1, 120)])
    videos = create_dataset("samm-test", tmp_path)
    assert [v.id for v in videos] == ["001/001_1", "002/002_1"]
    assert [(iv.onset, iv.apex, iv.offset, iv.emotion) for iv in videos[0].intervals] == [
        (0, 1, 14, "positive")
    ]
