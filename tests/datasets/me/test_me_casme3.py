"""CAS(ME)^3 part A loader on a generated tree: gap filling, subject keys, emotions, errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from micropulse.datasets.me import create_dataset, list_datasets
from micropulse.errors import DatasetLayoutError, FileFormatError, UnknownNameError

HEADER = ["Subject", "Filename", "Onset", "Apex", "Offset", "AU", "Objective class", "emotion"]


def _tree(root: Path, write_jpgs, rows: list[list]) -> Path:
    # subject spNO.1: video a with frames 1..12 but 5 missing and a stray 0.jpg; video b 1..8 (no labels)
    write_jpgs(
        root / "data" / "spNO.1" / "a" / "color", ["0.jpg"] + [f"{n}.jpg" for n in range(1, 13) if n != 5]
    )
    write_jpgs(root / "data" / "spNO.1" / "b" / "color", [f"{n}.jpg" for n in range(1, 9)])
    write_jpgs(root / "data" / "spNO.10" / "c" / "color", [f"{n}.jpg" for n in range(1, 21)])
    pd.DataFrame(rows, columns=HEADER).to_excel(root / "casme3_label.xlsx", sheet_name="label", index=False)
    return root


ROWS = [
    ["spNO.1", "a", 2, 4, 9, "4", "I", "disgust"],
    ["spNO.1", "a", 10, 11, 12, "12", "II", "happy"],
    [10, "c", 3, 7, 0, "5", "III", "Surprise"],  # integer subject; offset 0 -> apex
]


def test_casme3_frames_labels_and_keys(tmp_path: Path, write_jpgs) -> None:
    videos = create_dataset("casme3", _tree(tmp_path, write_jpgs, ROWS))
    assert [v.id for v in videos] == ["1/a", "10/c"]  # natural order; b has no labels -> dropped
    a = videos[0]
    assert a.n_frames == 12 and a.fps == 30.0 and a.frame_skip == 1
    names = [p.name for p in a.frames]
    assert names[:6] == ["1.jpg", "2.jpg", "3.jpg", "4.jpg", "6.jpg", "6.jpg"]  # 0.jpg ignored, gap filled
    assert names[11] == "12.jpg"
    assert [(iv.onset, iv.apex, iv.offset, iv.emotion) for iv in a.intervals] == [
        (1, 3, 8, "negative"),
        (9, 10, 11, "positive"),
    ]
    c = videos[1]
    assert (c.intervals[0].onset, c.intervals[0].offset, c.intervals[0].emotion) == (2, 6, "surprise")
    frames = list(a.iter_frames())
    assert len(frames) == 12 and frames[0].shape == (8, 8)
    kept = create_dataset("casme3", tmp_path, keep_empty=True)
    assert [v.id for v in kept] == ["1/a", "1/b", "10/c"]


def test_casme3_unknown_emotion_names_file_and_row(tmp_path: Path, write_jpgs) -> None:
    rows = [ROWS[0], ["spNO.1", "a", 10, 11, 12, "12", "II", "sadness"]]  # CAS(ME)^3 says 'sad'
    _tree(tmp_path, write_jpgs, rows)
    with pytest.raises(FileFormatError, match=r"row 3: unknown emotion label 'sadness'") as info:
        create_dataset("casme3", tmp_path)
    assert "casme3_label.xlsx" in str(info.value)


def test_casme3_missing_parts(tmp_path: Path, write_jpgs) -> None:
    with pytest.raises(DatasetLayoutError, match="expected layout") as info:
        create_dataset("casme3", tmp_path)
    assert "data" in str(info.value)
    write_jpgs(tmp_path / "data" / "spNO.1" / "a" / "color", ["1.jpg"])
    with pytest.raises(DatasetLayoutError, match="casme3_label.xlsx"):
        create_dataset("casme3", tmp_path)
    pd.DataFrame({"Subject": [1]}).to_excel(tmp_path / "casme3_label.xlsx", index=False)
    with pytest.raises(FileFormatError, match="lacks column"):
        create_dataset("casme3", tmp_path)


def test_registry_lists_and_rejects() -> None:
    names = list_datasets()
    assert {"casme3", "samm-lv", "casme-sq", "casme2", "smic-e-hs", "smic-e-vis", "smic-e-nir"} <= set(names)
    with pytest.raises(UnknownNameError, match="known: .*casme3"):
        create_dataset("casme4", ".")


def test_casme3_test_layout_like_the_megc_mock(tmp_path: Path, write_jpgs) -> None:
    # BoostingVRME's mock: subject initials, clip names, every row onset 1 / apex 5 / offset 15
    write_jpgs(tmp_path / "CAS_data" / "dzw" / "a1", [f"{n}.jpg" for n in range(1, 31)])
    write_jpgs(tmp_path / "CAS_data" / "gcf" / "d1", [f"{n}.jpg" for n in range(1, 31)])
    rows = [["dzw", "a1", 1, 5, 15, "5", "I", "happy"], ["gcf", "d1", 1, 5, 15, "5", "II", "anger"]]
    pd.DataFrame(rows, columns=HEADER).to_excel(tmp_path / "casme3_label.xlsx", index=False)
    videos = create_dataset("casme3-test", tmp_path)
    assert [(v.id, v.dataset) for v in videos] == [("dzw/a1", "casme3-test"), ("gcf/d1", "casme3-test")]
    assert [(iv.onset, iv.apex, iv.offset, iv.emotion) for iv in videos[1].intervals] == [
        (0, 4, 14, "negative")
    ]
