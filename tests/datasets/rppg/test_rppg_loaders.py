"""Every rPPG loader reads its generated fixture tree; truth HR survives loading within 0.5 bpm."""

from __future__ import annotations

import numpy as np
import pytest
from rppg_trees import check_truth, make_tree

from micropulse.datasets import create_dataset, list_datasets, natural_sorted
from micropulse.errors import DatasetLayoutError, FileFormatError, UnknownNameError

TREES = {  # fixture writer -> (registered loader, expected ids in natural order)
    "ubfc-rppg": ("ubfc-rppg", ["subject1", "subject2", "subject10"]),
    "ubfc-rppg-1": ("ubfc-rppg", ["5-gt", "11-gt"]),
    "pure": ("pure", ["01-01", "01-02", "10-01"]),
    "mmpd": ("mmpd", ["subject1_0", "subject1_1", "subject2_0"]),
    "ubfc-phys": ("ubfc-phys", ["s1_T1", "s1_T2", "s3_T1"]),
    "ibvp": ("ibvp", ["p01_a", "p01_b", "p02_a"]),
    "scamps": ("scamps", ["P000001", "P000002"]),
    "cohface": ("cohface", ["1_0", "12_3"]),
    "vipl-hr": ("vipl-hr", ["p1_v1_s1", "p1_v1_s2", "p2_v9-2_s3"]),
}


@pytest.fixture(scope="module")
def trees(tmp_path_factory, clips):
    out = {}
    for key in TREES:
        root = tmp_path_factory.mktemp(key)
        out[key] = (root, make_tree(key, root, clips))
    return out


def test_registry_lists_all_eight():
    assert list_datasets() == sorted(
        ["cohface", "ibvp", "mmpd", "pure", "scamps", "ubfc-phys", "ubfc-rppg", "vipl-hr"]
    )
    with pytest.raises(UnknownNameError, match="known: cohface, ibvp"):
        create_dataset("ubfc", "/tmp")


def test_natural_sort():
    names = ["subject10", "subject2", "subject1", "subject41", "subject5"]
    assert natural_sorted(names) == ["subject1", "subject2", "subject5", "subject10", "subject41"]


@pytest.mark.parametrize("key", list(TREES))
def test_loader_reads_tree_and_truth_hr(key, trees):
    name, ids = TREES[key]
    root, truth = trees[key]
    ds = create_dataset(name, root)
    assert ds.ids == ids
    assert not ds.report.missing
    for sample in ds:
        assert sample.ppg.size == sample.ppg_times_s.size and sample.n_frames > 10
        check_truth(sample.ppg, sample.ppg_times_s, truth[sample.id])
        on_frames, idx = sample.ppg_on_frames()
        assert idx.size >= 0.95 * sample.n_frames
        check_truth(on_frames, sample.frame_times_s[idx], truth[sample.id])
        assert "gt_mismatch" not in sample.meta, sample.meta
    first = ds.load(ids[0])
    frames = list(first.iter_frames())
    assert len(frames) == first.n_frames and frames[0].shape == (64, 64, 3) and frames[0].dtype == np.uint8
    assert first.to_dict()["id"] == ids[0]


@pytest.mark.parametrize("key", ["pure", "ubfc-phys", "cohface", "vipl-hr", "ubfc-rppg-1"])
def test_index_alignment_resamples_to_frame_count(key, trees):
    name, ids = TREES[key]
    root, truth = trees[key]
    s = create_dataset(name, root, alignment="index").load(ids[0])
    assert s.ppg.size == s.n_frames and np.array_equal(s.ppg_times_s, s.frame_times_s)
    check_truth(s.ppg, s.ppg_times_s, truth[s.id], tol=0.6)


def test_device_hr_and_attributes(trees):
    root, truth = trees["pure"]
    s = create_dataset("pure", root).load("01-02")
    assert s.device_hr == pytest.approx(round(truth["01-02"].hr_bpm))
    assert s.fps == pytest.approx(30, abs=0.5) and s.subject == "1"
    m = create_dataset("mmpd", trees["mmpd"][0]).load("subject2_0")
    assert m.meta["light"] == "LED-low" and m.meta["skin_color"] == 3.0
    v = create_dataset("vipl-hr", trees["vipl-hr"][0])
    assert v.load("p1_v1_s2").meta["has_time_txt"] is False and v.load("p1_v1_s1").meta["has_time_txt"]
    assert v.subjects == ["1", "2"]
    i = create_dataset("ibvp", trees["ibvp"][0]).load("p01_a")
    assert i.meta["sq_low_fraction"] == pytest.approx(10 / i.ppg.size)


def test_missing_root_names_layout(tmp_path):
    with pytest.raises(DatasetLayoutError, match=r"subject\{n\}/vid.avi"):
        create_dataset("ubfc-rppg", tmp_path / "nope")
    with pytest.raises(DatasetLayoutError, match="no complete pure video"):
        create_dataset("pure", tmp_path)


def test_partial_tree_loads_what_exists(tmp_path, clips):
    make_tree("ubfc-rppg", tmp_path, clips)
    (tmp_path / "subject2" / "ground_truth.txt").unlink()
    (tmp_path / "subject10" / "vid.avi").unlink()
    ds = create_dataset("ubfc-rppg", tmp_path)
    assert ds.ids == ["subject1"]
    missing = {m.id: m for m in ds.report.missing}
    assert set(missing) == {"subject2", "subject10"}
    assert (
        missing["subject2"].path.name == "ground_truth.txt" and "ground truth" in missing["subject2"].reason
    )
    assert "subject{n}/vid.avi" in missing["subject10"].reason


def test_gt_length_mismatch_is_reported_not_stretched(tmp_path, clips):
    make_tree("ubfc-rppg", tmp_path, clips)
    gt = tmp_path / "subject1" / "ground_truth.txt"
    rows = np.loadtxt(gt)
    np.savetxt(gt, rows[:, :150])
    ds = create_dataset("ubfc-rppg", tmp_path)
    s = ds.load("subject1")
    assert "150 samples" in s.meta["gt_mismatch"] and "subject1" in ds.report.mismatches
    assert s.ppg.size == 150  # not stretched onto the frames
    _, idx = s.ppg_on_frames()
    assert idx.size == 150
    # index alignment reproduces the papers (stretches), but still reports
    t = create_dataset("ubfc-rppg", tmp_path, alignment="index").load("subject1")
    assert t.ppg.size == t.n_frames and "gt_mismatch" in t.meta


def test_bad_gt_file_is_a_named_error(tmp_path, clips):
    make_tree("ubfc-phys", tmp_path, clips)
    bad = tmp_path / "s1" / "bvp_s1_T1.csv"
    bad.write_text("not,numbers\n")
    with pytest.raises(FileFormatError, match="bvp_s1_T1.csv"):
        create_dataset("ubfc-phys", tmp_path).load("s1_T1")
