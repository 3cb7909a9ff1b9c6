"""Issue 13: `micropulse train` on generated trees in each of the eight rPPG layouts, intra-dataset and
cross-dataset configs, end to end for a tiny model; the test metrics stored in model.pt equal what
`micropulse evaluate --model ARCH --weights model.pt` reports on the same test videos.

The trees are the session fixture ``trees`` (conftest.py). Every layout is trained on and tested on at least
once; the configs are the shipped synthetic-tree variants (configs/rppg/synthetic/). Numbers are synthetic.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from micropulse.errors import InputError
from micropulse.train import create_task, fit, load_config
from micropulse.train.rppg_data import select_entries

SYNTH = Path(__file__).resolve().parents[2] / "configs" / "rppg" / "synthetic"

pytestmark = pytest.mark.usefixtures("one_thread")

INTRA = [
    "physnet-ubfc-intra", "physnet-pure-intra", "physnet-mmpd-intra", "rhythmmamba-vipl-fold2",
    "physnet-cohface-intra", "physnet-ubfc-phys-intra", "physnet-ibvp-intra", "physnet-scamps-intra",
]  # fmt: skip
CROSS = [
    "rhythmmamba-ubfc-pure", "rhythmformer-pure-ubfc", "physnet-pure-mmpd", "physnet-cohface-ubfc-phys",
    "physnet-ibvp-scamps", "physnet-scamps-vipl-hr",
]  # fmt: skip


def test_every_layout_is_trained_on_and_tested_on_intra_and_cross():
    from micropulse.datasets import list_datasets

    seen = {"intra": set(), "train": set(), "test": set()}
    for name in INTRA + CROSS:
        cfg = load_config(SYNTH / f"{name}.yaml")
        parts = create_task(cfg.task, cfg.options).tree.sources
        if name in INTRA:
            assert parts["train"].dataset == parts["test"].dataset
            seen["intra"].add(parts["test"].dataset)
        else:
            assert parts["train"].dataset != parts["test"].dataset
            seen["train"].add(parts["train"].dataset)
            seen["test"].add(parts["test"].dataset)
    assert seen["intra"] == set(list_datasets()) == seen["train"] | seen["test"]


def _evaluate_cli(task, opts: dict, trees: dict[str, Path], weights: Path, out: Path) -> dict:
    """`micropulse evaluate --model ARCH --weights model.pt` on the task's test part."""
    from typer.testing import CliRunner

    from micropulse.cli.app import app

    src = task.tree.sources["test"]
    part = ["--protocol", src.protocol, "--part", "test"] if src.protocol else ["--begin", str(src.begin),
                                                                               "--end", str(src.end)]  # fmt: skip
    args = ["evaluate", "--dataset", src.dataset, "--root", str(trees[src.dataset]), "--model", task.model_name,
            "--weights", str(weights), "--recipe", opts["recipe"], "--out", str(out), "--cache",
            str(trees["cache"]), "--no-progress", *part]  # fmt: skip
    run = CliRunner().invoke(app, args)
    assert run.exit_code == 0, run.output
    return json.loads((out / "metrics.json").read_text())


@pytest.mark.slow
@pytest.mark.parametrize("name", INTRA + CROSS)
def test_layout_config_trains_and_its_metrics_match_evaluate(name, trees, tmp_path, train_config):
    cfg, opts = train_config(name, trees, tmp_path / "run")
    task = create_task(cfg.task, opts)
    result = fit(task, cfg.settings)
    ckpt = torch.load(result.model_path, weights_only=False)
    meta = ckpt["metadata"]
    assert meta["arch"] == task.model_name and meta["selected"]["rule"] == task.selection
    assert meta["data"]["parts"]["test"]["dataset"] == task.tree.sources["test"].dataset
    assert all(torch.isfinite(v).all() for v in ckpt["state_dict"].values() if v.is_floating_point())
    metrics = meta["test_metrics"]
    n_test = len(select_entries(task.tree.sources["test"])[1])
    assert metrics["n_videos"] == n_test >= 1 and metrics["n_rows"] >= 1
    doc = _evaluate_cli(task, opts, trees, result.model_path, tmp_path / "eval")
    assert doc["n_rows"] == metrics["n_rows"]
    for key in ("MAE", "RMSE"):
        assert doc["metrics"][key]["value"] == pytest.approx(metrics["metrics"][key]["value"], abs=1e-6)


def test_small_rhythmformer_is_the_published_network_narrower():
    from micropulse.rppg.deep.registry import build_model
    from micropulse.rppg.deep.rhythmformer import SMALL

    full, small = build_model("rhythmformer"), build_model("rhythmformer", {"small": True})
    n_full, n_small = (sum(p.numel() for p in m.parameters()) for m in (full, small))
    assert n_full == 3_326_017 and n_small < n_full / 20  # the published count is unchanged
    # same modules, fewer and narrower: every small parameter name exists in the published network
    assert set(dict(small.named_parameters())) <= set(dict(full.named_parameters()))
    assert small.dim == SMALL["dim"] and len(small.stages[0].blocks) == 1
    assert small(torch.randn(1, 48, 3, 64, 64)).shape == (1, 48)
    wider = build_model("rhythmformer", {"small": True, "dim": 32})
    assert wider.dim == 32 and sum(p.numel() for p in wider.parameters()) > n_small
    with pytest.raises(InputError, match="multiple of head_dim"):
        build_model("rhythmformer", {"small": True, "dim": 12})
