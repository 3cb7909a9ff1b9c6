"""CAS(ME)^2, CASME II (.xls) and SMIC-E long loaders on generated trees."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import xlwt

from micropulse.datasets.me import create_dataset
from micropulse.errors import DatasetLayoutError, FileFormatError


def test_casme_sq_three_sheets(tmp_path: Path, write_jpgs) -> None:
    codes = pd.DataFrame(
        [
            [15, "disgustingteeth_1", 5, 8, 12, "4", "negative", "micro-expression", "disgust"],
            [15, "disgustingteeth_2", 20, 25, 0, "4", "negative", "micro-expression", "disgust"],
            [15, "disgustingteeth_3", 30, 40, 60, "12", "positive", "macro-expression", "happy"],
            [16, "smilingcat_1", 3, 4, 9, "12", "positive", "micro-expression", "happy"],
        ]
    )
    subjects = pd.DataFrame([[1, "s15", 15], [2, "s16", 16]])
    names = pd.DataFrame([["0101", "disgustingteeth"], ["0502", "smilingcat"]])
    with pd.ExcelWriter(tmp_path / "code_final.xlsx") as xl:
        codes.to_excel(xl, sheet_name="codes", header=False, index=False)
        subjects.to_excel(xl, sheet_name="subjects", header=False, index=False)
        names.to_excel(xl, sheet_name="names", header=False, index=False)
    write_jpgs(tmp_path / "rawpic" / "s15" / "15_0101disgustingteeth", [f"img{n}.jpg" for n in range(1, 81)])
    write_jpgs(tmp_path / "rawpic" / "s16" / "16_0502smilingcat", [f"img{n}.jpg" for n in range(1, 21)])
    videos = create_dataset("casme-sq", tmp_path)
    assert [v.id for v in videos] == ["s15/0101", "s16/0502"]
    s15 = videos[0]
    assert [(iv.onset, iv.apex, iv.offset, iv.emotion) for iv in s15.intervals] == [
        (4, 7, 11, "negative"),
        (19, 24, 24, "negative"),  # offset 0 -> apex
    ]
    assert s15.frames[9].name == "img10.jpg"  # natural sort
    with_mae = create_dataset("casme-sq", tmp_path, include_macro=True)
    assert [iv.type for iv in with_mae[0].intervals] == ["me", "me", "mae"]


def _xls(path: Path, header: list[str], rows: list[list]) -> None:
    wb = xlwt.Workbook()
    ws = wb.add_sheet("Sheet1")
    for j, name in enumerate(header):
        ws.write(0, j, name)
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            ws.write(i, j, value)
    wb.save(str(path))


def test_casme2_xls_absolute_frame_numbers(tmp_path: Path, write_jpgs) -> None:
    base = tmp_path / "CASME2"  # MEAN's layout: ROOT/CASME2/{label file, CASME2-RAW}
    base.mkdir()
    header = [
        "Subject",
        "Filename",
        "OnsetFrame",
        "ApexFrame",
        "OffsetFrame",
        "Action Units",
        "Estimated Emotion",
    ]
    _xls(
        base / "CASME2_label_Ver_2.xls",
        header,
        [
            ["01", "EP02_01f", 46, 59, 86, "12", "happiness"],
            ["01", "EP03_02", 10, "/", 30, "4", "repression"],
            ["02", "EP01_11f", 500, 510, 520, "4", "disgust"],  # frames not in the clip: skipped
        ],
    )
    write_jpgs(base / "CASME2-RAW" / "sub01" / "EP02_01f", [f"img{n}.jpg" for n in range(46, 90)])
    write_jpgs(base / "CASME2-RAW" / "sub01" / "EP03_02", [f"img{n}.jpg" for n in range(5, 40)])
    write_jpgs(base / "CASME2-RAW" / "sub02" / "EP01_11f", [f"img{n}.jpg" for n in range(1, 30)])
    videos = create_dataset("casme2", tmp_path)
    assert [v.id for v in videos] == ["1/02_01f", "1/03_02"]
    a, b = videos
    assert (a.intervals[0].onset, a.intervals[0].apex, a.intervals[0].offset) == (0, 13, 40)
    assert a.intervals[0].emotion == "positive" and a.fps == 200.0
    assert (b.intervals[0].onset, b.intervals[0].apex, b.intervals[0].emotion) == (5, None, "negative")


def test_casme2_missing_label_file(tmp_path: Path, write_jpgs) -> None:
    write_jpgs(tmp_path / "CASME2-RAW" / "sub01" / "EP02_01f", ["img1.jpg"])
    with pytest.raises(DatasetLayoutError, match="CASME2_label_Ver_2.xls"):
        create_dataset("casme2", tmp_path)


def test_smic_e_long_relative_to_first_frame(tmp_path: Path, write_jpgs) -> None:
    base = tmp_path / "SMIC-E_raw image" / "HS_long"
    base.mkdir(parents=True)
    sheet = pd.DataFrame(
        [
            [1, "s01_ne_01", 1020, 1040, "negative", 1000],
            [1, "s01_po_02", 2000, 2011, "positive", 2000],
            [None, "Notes: frames are absolute numbers", None, None, None, None],
        ],
        columns=["Subject", "Filename", "OnsetF", "OffsetF", "Emotion", "FirstF"],
    )
    sheet.to_excel(base / "SMIC-HS-E_annotation.xlsx", index=False)
    frames = base / "SMIC-HS-E" / "HS" / "s01"
    write_jpgs(frames / "s01_ne_01", [f"image{n:06d}.jpg" for n in range(1000, 1060)])
    write_jpgs(frames / "s01_po_02", [f"image{n:06d}.jpg" for n in range(2000, 2030)])
    videos = create_dataset("smic-e-hs", tmp_path)
    assert [v.id for v in videos] == ["s01/ne_01", "s01/po_02"]
    assert [(iv.onset, iv.offset, iv.apex, iv.emotion) for iv in videos[0].intervals] == [
        (20, 40, None, "negative")
    ]
    assert videos[1].intervals[0].onset == 0 and videos[0].fps == 100.0
    with pytest.raises(DatasetLayoutError, match="SMIC-VIS-E_annotation.xlsx"):
        create_dataset("smic-e-vis", tmp_path)


def test_smic_bad_emotion(tmp_path: Path, write_jpgs) -> None:
    base = tmp_path / "SMIC-E_raw image" / "NIR_long"
    base.mkdir(parents=True)
    pd.DataFrame(
        [[2, "s02_xx_01", 5, 9, "boredom", 1]],
        columns=["Subject", "Filename", "OnsetF", "OffsetF", "Emotion", "FirstF"],
    ).to_excel(base / "SMIC-NIR-E_annotation.xlsx", index=False)
    write_jpgs(base / "SMIC-NIR-E" / "NIR" / "s02" / "s02_xx_01", ["1.jpg"])
    with pytest.raises(FileFormatError, match="row 2: unknown emotion label 'boredom'"):
        create_dataset("smic-e-nir", tmp_path)
