"""Splits: toolbox BEGIN/END by subject or video, natural vs lexicographic order, VIPL-HR folds, YAML protocols."""

from __future__ import annotations

from pathlib import Path

import pytest

from micropulse.datasets import Entry
from micropulse.datasets.splits import get_protocol, load_protocols, split_fraction, vipl_fold, vipl_folds
from micropulse.errors import FileFormatError, InputError, UnknownNameError

UBFC_SUBJECTS = [1, 3, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 22, 23, 24, 25, 26, 27] + list(
    range(30, 50)
)


def ubfc_entries() -> list[Entry]:
    return [Entry(f"subject{n}", str(n), {}) for n in UBFC_SUBJECTS]


def test_ubfc_has_42_subjects_and_the_forks_lexicographic_test_set():
    entries = ubfc_entries()
    assert len(entries) == 42
    lex = split_fraction(entries, 0.72, 1.0, unit="video", order="lexicographic")
    # spec 3.6: the RhythmFormer/Mamba UBFC intra test set is subjects 41-49, 5, 8, 9
    assert sorted(int(e.subject) for e in lex) == [5, 8, 9, 41, 42, 43, 44, 45, 46, 47, 48, 49]
    nat = split_fraction(entries, 0.72, 1.0, unit="video")
    assert [int(e.subject) for e in nat] == list(range(38, 50))
    train = split_fraction(entries, 0.0, 0.72, unit="video")
    assert len(train) == 30 and not {e.id for e in train} & {e.id for e in nat}


def test_subject_split_keeps_all_videos_of_a_subject():
    entries = [
        Entry(f"{s:02d}-{t:02d}", str(s), {}) for s in range(1, 11) for t in range(1, 7) if (s, t) != (6, 2)
    ]
    assert len(entries) == 59
    train = split_fraction(entries, 0.0, 0.6)
    test = split_fraction(entries, 0.6, 1.0)
    assert {e.subject for e in train} == {str(s) for s in range(1, 7)}
    assert {e.subject for e in test} == {"7", "8", "9", "10"} and len(test) == 24
    with pytest.raises(InputError):
        split_fraction(entries, 0.7, 0.2)


def test_vipl_folds_are_the_published_ones():
    folds = vipl_folds()
    assert [len(folds[k]) for k in range(1, 6)] == [21, 21, 21, 22, 22]
    assert sorted(s for f in folds.values() for s in f) == list(range(1, 108))
    entries = [Entry(f"p{n}_v1_s1", str(n), {}) for n in range(1, 108)]
    test = vipl_fold(entries, 3, "test")
    train = vipl_fold(entries, 3, "train")
    assert len(test) == 21 and len(train) == 86 and {e.subject for e in test} == {str(s) for s in folds[3]}
    # RhythmMamba's loader reads p100..p107 as subject 10 (fold 1)
    bug = vipl_fold(entries, 1, "test", reproduce_prefix_bug=True)
    assert {"100", "103", "107"} <= {e.subject for e in bug}
    custom = vipl_fold(entries, 1, "test", folds={1: [1, 2], 2: [3]})
    assert [e.subject for e in custom] == ["1", "2"]
    with pytest.raises(InputError):
        vipl_fold(entries, 6)


def test_protocols_from_yaml(tmp_path: Path):
    table = load_protocols()
    assert {
        "rhythm-ubfc-intra",
        "rhythm-pure-intra",
        "rhythm-mmpd-intra",
        "rhythm-cross-ubfc-pure",
        "rhythm-vipl-fold1",
    } <= set(table)
    p = table["rhythm-mmpd-intra"]
    assert (p.parts["valid"].begin, p.parts["valid"].end) == (0.7, 0.8)
    assert table["rhythm-ubfc-intra"].order == "lexicographic"

    class FakeUBFC:
        name = "ubfc-rppg"
        split_unit = "video"
        entries = ubfc_entries()

    test = table["rhythm-ubfc-intra"].select("test", FakeUBFC())
    assert sorted(int(e.subject) for e in test)[:3] == [5, 8, 9]
    with pytest.raises(InputError, match="is on pure"):
        table["rhythm-pure-intra"].select("test", FakeUBFC())
    with pytest.raises(UnknownNameError, match="known: rhythm"):
        get_protocol("nope")
    own = tmp_path / "mine.yaml"
    own.write_text("mine:\n  test: {dataset: pure, begin: 0.5, end: 1.0}\n")
    assert get_protocol("mine", own).parts["test"].begin == 0.5
    own.write_text("bad:\n  test: {dataset: pure, start: 0.5}\n")
    with pytest.raises(FileFormatError, match="mine.yaml"):
        load_protocols(own)


def test_ubfc_phys_exclusion_list_and_tasks():
    p = get_protocol("toolbox-ubfc-phys-test")
    spec = p.parts["test"]
    assert len(spec.exclude) == 67 and spec.tasks == ("T1", "T2", "T3")

    class FakePhys:
        name = "ubfc-phys"
        split_unit = "video"
        entries = [
            Entry(f"s{n}_T{k}", str(n), {}, {"task": f"T{k}"}) for n in range(1, 57) for k in (1, 2, 3)
        ]

    test = p.select("test", FakePhys())
    assert (
        len(test) == 56 * 3 - 67 and "s3_T1" not in {e.id for e in test} and "s1_T1" in {e.id for e in test}
    )
