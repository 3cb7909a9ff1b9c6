"""Session fixture of the rPPG training tests: one small synthetic tree in each of the eight rPPG layouts
(:mod:`micropulse.synth.rppg_trees`) and one crop cache, shared by every training run, so the face work is
done once per video. Every number measured on them is synthetic."""

from __future__ import annotations

from pathlib import Path

import pytest

#: Videos per layout: UBFC-rPPG 5 (its intra protocol takes 72 % / 28 %), MMPD 5 subjects (7:1:2 needs >= 5),
#: VIPL-HR subjects p1..p3 (p2 is fold 2's test subject), the others 3.
N_VIDEOS = {"ubfc-rppg": 5, "mmpd": 5}
HR_RANGE = (58.0, 110.0)


@pytest.fixture(scope="session")
def trees(tmp_path_factory) -> dict[str, Path]:
    """{layout: tree root, "cache": crop/chunk cache}: 8-s 64x64 clips at each layout's camera rate."""
    from micropulse.synth.rppg_trees import LAYOUTS, make_rppg_tree

    tmp = tmp_path_factory.mktemp("rppg-trees")
    out = {"cache": tmp / "cache"}
    for i, layout in enumerate(LAYOUTS):
        out[layout] = tmp / layout
        make_rppg_tree(layout, out[layout], n_videos=N_VIDEOS.get(layout, 3), seconds=8.0, size=64,
                       hr_range_bpm=HR_RANGE, seed=20 + 10 * i)  # fmt: skip
    return out


SYNTH_CONFIGS = Path(__file__).resolve().parents[2] / "configs" / "rppg" / "synthetic"


@pytest.fixture(scope="session")
def train_config():
    """``(name, trees, out) -> (config, task options)``: a shipped synthetic-tree config read with its output in
    ``out`` and its dataset roots and cache pointed at ``trees`` (normally the ``trees`` fixture)."""
    from micropulse.train import load_config

    def make(name: str, trees: dict[str, Path], out: Path):
        cfg = load_config(SYNTH_CONFIGS / f"{name}.yaml", {"out_dir": str(out), "resume": False})
        opts = dict(cfg.options)
        opts["roots"] = {d: str(trees[d]) for d in opts["roots"]}
        opts["cache_dir"] = str(trees["cache"])
        return cfg, opts

    return make
