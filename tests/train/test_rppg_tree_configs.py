"""Issue 13: rPPG training from dataset trees with the papers' protocols, on generated trees (the session
fixture ``trees`` of conftest.py; synthetic videos with a known pulse; every number here is synthetic).

The shipped configs (configs/rppg/ and configs/rppg/synthetic/) are all parsed and built; the PhysNet UBFC
intra and RhythmMamba UBFC -> PURE ones are trained and tested here, the other layouts in
test_rppg_layouts.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from micropulse.errors import DatasetLayoutError, FileFormatError, InputError, UnknownNameError
from micropulse.train import create_task, fit, load_config
from micropulse.train.rppg_task import RppgTask

ROOT = Path(__file__).resolve().parents[2]
SYNTH = ROOT / "configs" / "rppg" / "synthetic"


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_every_shipped_config_parses_and_names_a_known_protocol():
    names = sorted(p.stem for p in (ROOT / "configs" / "rppg").glob("*.yaml"))
    assert len(names) == 20  # 3 models x 5 protocols + RhythmMamba VIPL-HR folds 1-5
    for name in names:
        real, synthetic = (
            load_config(ROOT / "configs/rppg" / f"{name}.yaml"),
            load_config(SYNTH / f"{name}.yaml"),
        )
        assert real.options["protocol"] == synthetic.options["protocol"]
        task = create_task(real.task, real.options)  # names only: trees are opened when data is asked for
        assert isinstance(task, RppgTask) and task.tree is not None and task.crop.convention == "toolbox"
        small = create_task(synthetic.task, synthetic.options)
        assert small.tree.selection in ("best", "last") and synthetic.settings.epochs <= 2
        assert "Published" in (ROOT / "configs/rppg" / f"{name}.yaml").read_text()
    extra = sorted(p.stem for p in SYNTH.glob("*.yaml") if p.stem not in names)
    assert len(extra) == 8  # the other layouts' intra and cross-dataset configs (test_rppg_layouts.py)
    for name in extra:
        cfg = load_config(SYNTH / f"{name}.yaml")
        task = create_task(cfg.task, cfg.options)
        assert task.tree is not None and "SYNTHETIC-TREE VARIANT" in (SYNTH / f"{name}.yaml").read_text()


def test_chunks_are_memory_mapped_and_labels_follow_the_normalisation(trees, tmp_path, train_config):
    cfg, opts = train_config("physnet-ubfc-intra", trees, tmp_path)
    task = create_task(cfg.task, opts)
    ds = task.train_data()
    assert len(ds) == 3 * 3  # 3 training videos (0..0.72 of 5) x 3 chunks of 64 frames in 8 s at 30 fps
    x, y = ds[0]
    assert x.shape == (64, 3, 32, 32) and y.shape == (64,) and x.dtype == np.float32
    assert isinstance(ds._arrays(0)[0], np.memmap)
    assert abs(float(y[-1])) < 10 and np.isfinite(x).all()  # DiffNormalized label: diff / std


def test_bad_protocol_dataset_and_keys_fail_before_training(trees, tmp_path):
    with pytest.raises(UnknownNameError, match="unknown protocol 'rhythm-nope'"):
        create_task("rppg", {"model": "physnet", "protocol": "rhythm-nope", "root": str(trees["pure"])})
    with pytest.raises(InputError, match="unknown dataset 'nope'"):
        create_task("rppg", {"model": "physnet", "splits": {"train": {"dataset": "nope", "root": "x"},
                                                            "test": {"dataset": "pure", "root": "y"}}})  # fmt: skip
    with pytest.raises(InputError, match="roots.pure"):
        create_task("rppg", {"model": "physnet", "protocol": "rhythm-cross-ubfc-pure",
                             "roots": {"ubfc-rppg": str(trees["ubfc-rppg"])}})  # fmt: skip
    bad = tmp_path / "bad.yaml"
    bad.write_text("task: rppg\noptions: {model: physnet, TRAIN.DATA.DATASETS: pure}\n")
    with pytest.raises(FileFormatError, match=r"bad\.yaml: unknown option .TRAIN\.DATA\.DATASETS"):
        load_config(bad)


def test_toolbox_keys_select_a_part_by_begin_end(trees, tmp_path):
    cfg_file = tmp_path / "toolbox.yaml"
    cfg_file.write_text(
        "task: rppg\noptions:\n  model: physnet\n  model_options: {frames: 64}\n  size: 32\n  chunk_length: 64\n"
        f"  cache_dir: {trees['cache']}\n"
        f"  TRAIN.DATA.DATASET: ubfc-rppg\n  TRAIN.DATA.DATA_PATH: {trees['ubfc-rppg']}\n"
        "  TRAIN.DATA.BEGIN: 0.0\n  TRAIN.DATA.END: 0.6\n"
        f"  TEST.DATA.DATASET: pure\n  TEST.DATA.DATA_PATH: {trees['pure']}\n"
        "train: {epochs: 1}\n"
    )
    cfg = load_config(cfg_file)
    task = create_task(cfg.task, cfg.options)
    assert task.tree.sources["train"].end == 0.6 and task.tree.sources["test"].dataset == "pure"
    assert task.selection == "last"  # no validation part
    assert len(task.train_data()) == 3 * 3  # videos 0..0.6 of 5 -> 3


def test_tree_missing_a_video_fails_before_training(trees, tmp_path, train_config):
    broken = tmp_path / "ubfc"
    shutil.copytree(trees["ubfc-rppg"], broken)
    (broken / "subject3" / "vid.avi").unlink()
    cfg, opts = train_config("physnet-ubfc-intra", {**trees, "ubfc-rppg": broken}, tmp_path / "run")
    with pytest.raises(DatasetLayoutError, match="subject3"):
        fit(create_task(cfg.task, opts), cfg.settings)
    assert not (tmp_path / "run" / "last.pt").exists()


def test_vipl_fold_without_test_subjects_fails_before_training(trees, tmp_path, train_config):
    cfg, opts = train_config("rhythmmamba-vipl-fold1", trees, tmp_path / "run")
    with pytest.raises(InputError, match="test part .*selects no video of vipl-hr"):
        fit(create_task(cfg.task, opts), cfg.settings)
    assert not (tmp_path / "run" / "last.pt").exists()
