"""Issue 13: ``micropulse train CONFIG --nproc 2`` (DistributedDataParallel, gloo on CPU) trains, checkpoints,
resumes, and gives metrics within noise of one process on the same tiny config (synthetic data)."""

from __future__ import annotations

import json

import pytest
import torch
from typer.testing import CliRunner

from micropulse.cli.app import app

CONFIG = """task: rppg
options:
  model: physnet
  model_options: {frames: 64}
  data: synthetic
  n_train: 4
  n_val: 0
  n_test: 2
  seconds: 6.4
  size: 32
  chunk_length: 64
  hr_range: [60.0, 110.0]
train: {epochs: 2, batch_size: 4, lr: 3.0e-3, seed: 100, device: cpu, threads: 1}
"""


def _train(tmp_path, out: str, nproc: int):
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(CONFIG)
    run = CliRunner().invoke(app, ["train", str(cfg), "--out", str(tmp_path / out), "--nproc", str(nproc)])
    assert run.exit_code == 0, run.output
    history = json.loads((tmp_path / out / "history.json").read_text())
    metrics = json.loads((tmp_path / out / "metrics.json").read_text())
    return history, metrics


@pytest.mark.slow
def test_two_processes_train_resume_and_agree_with_one(tmp_path):
    one_hist, one = _train(tmp_path, "one", 1)
    two_hist, two = _train(tmp_path, "two", 2)
    assert [r["epoch"] for r in two_hist] == [1, 2]
    # same global batch, same steps, same initial weights: the losses agree within the shuffling noise
    for a, b in zip(one_hist, two_hist, strict=True):
        assert abs(a["loss"] - b["loss"]) <= 0.15 * abs(a["loss"]), (one_hist, two_hist)
    assert two["n_videos"] == one["n_videos"] == 2
    assert abs(two["hr_mae_bpm"] - one["hr_mae_bpm"]) < 15.0, (one, two)
    meta = torch.load(tmp_path / "two" / "model.pt", weights_only=False)["metadata"]
    assert meta["history"] == two_hist

    # a run killed after epoch 1: cut the checkpoint back to epoch 1, rerun -> only epoch 2 is trained
    last = tmp_path / "two" / "last.pt"
    ckpt = torch.load(last, weights_only=False)
    steps = ckpt["scheduler"]["total_steps"] // 2  # one epoch of OneCycle steps
    ckpt["epoch"], ckpt["history"] = 1, ckpt["history"][:1]
    ckpt["scheduler"]["last_epoch"] -= steps
    ckpt["scheduler"]["_step_count"] -= steps
    torch.save(ckpt, last)
    resumed_hist, _ = _train(tmp_path, "two", 2)
    assert resumed_hist[0] == two_hist[0]  # epoch 1 kept as it was (same wall time: not retrained)
    assert resumed_hist[1]["seconds"] != two_hist[1]["seconds"] and len(resumed_hist) == 2


def test_batch_not_divisible_by_processes_is_a_clear_error(tmp_path):
    cfg = tmp_path / "odd.yaml"
    cfg.write_text(CONFIG.replace("batch_size: 4", "batch_size: 3"))
    run = CliRunner().invoke(app, ["train", str(cfg), "--out", str(tmp_path / "odd"), "--nproc", "2"])
    assert run.exit_code != 0
    assert "batch_size 3 must be divisible by --nproc 2" in run.output + str(run.exception)
