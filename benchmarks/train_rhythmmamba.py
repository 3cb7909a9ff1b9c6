"""Train a small RhythmMamba on synthetic videos on CPU; prints one JSON document (issue 5, item 6).

    python benchmarks/train_rhythmmamba.py [--config configs/rhythmmamba-synthetic.yaml] [--epochs N]
                                           [--threads 1] [--out DIR]

Runs the shipped config through the one generic trainer (``micropulse.train.fit``) and reports:

* ``seconds``: ``data`` = rendering every synthetic video of the config (train, val, test) in memory;
  ``train`` = ``fit`` (all epochs, validation losses, checkpoints and the final test evaluation);
  ``untrained_eval`` = evaluating the untrained model. ``total`` = data + train.
* ``held_out``: HR MAE/RMSE (bpm) on the task's held-out test videos (render seeds and heart rates not in
  training) for the trained model and for the untrained model - the same architecture with the same
  initial weights (the trainer's seed), on the same test videos, by the same recipe (``rhythm``, §4.3).
* ``settings``: task options and train settings, the torch thread count, the machine's load average.

The numbers are synthetic (micropulse.synth videos), not a result on real faces.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import torch

from micropulse.train import create_task, fit, load_config
from micropulse.train.loop import seed_everything
from micropulse.train.rppg_task import RppgTask

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "configs" / "rhythmmamba-synthetic.yaml"


def _hr_summary(metrics: dict) -> dict:
    return {
        "hr_mae_bpm": round(float(metrics["hr_mae_bpm"]), 3),
        "hr_rmse_bpm": round(float(metrics["hr_rmse_bpm"]), 3),
        "per_video": metrics["per_video"],
    }


def run(config: Path, epochs: int | None, threads: int, out_dir: str) -> dict:
    torch.set_num_threads(threads)
    cfg = load_config(config, {"epochs": epochs, "out_dir": out_dir, "resume": False, "device": "cpu"})
    task = create_task(cfg.task, cfg.options)
    if not isinstance(task, RppgTask):
        raise SystemExit(f"{config}: expected an rppg task, got {cfg.task!r}")

    t0 = time.perf_counter()
    for split in ("train", "val", "test"):
        task.videos(split)
    t_data = time.perf_counter() - t0

    t0 = time.perf_counter()
    result = fit(task, cfg.settings)
    t_train = time.perf_counter() - t0

    seed_everything(cfg.settings.seed)  # the same initial weights fit started from
    untrained = task.build_model().eval()
    t0 = time.perf_counter()
    before = task.evaluate(untrained, torch.device("cpu"))
    t_eval = time.perf_counter() - t0

    train_hrs = [round(v.hr_bpm, 3) for v in task.videos("train")]
    test_hrs = [round(v.hr_bpm, 3) for v in task.videos("test")]
    return {
        "benchmark": "train_rhythmmamba",
        "synthetic": True,
        "config": str(config),
        "seconds": {
            "data": round(t_data, 2),
            "train": round(t_train, 2),
            "total": round(t_data + t_train, 2),
            "untrained_eval": round(t_eval, 2),
        },
        "held_out": {
            "n_videos": len(test_hrs),
            "trained": _hr_summary(result.test_metrics),
            "untrained": _hr_summary(before),
            "nearest_training_hr_gap_bpm": round(
                min(min(abs(a - b) for b in train_hrs) for a in test_hrs), 3
            ),
        },
        "train_hrs_bpm": train_hrs,
        "loss_first_last_epoch": [round(result.history[0]["loss"], 4), round(result.history[-1]["loss"], 4)],
        "settings": {
            "task": cfg.task,
            "options": cfg.options,
            "train": {k: v for k, v in vars(cfg.settings).items() if k != "out_dir"},
            "params": sum(p.numel() for p in untrained.parameters()),
            "torch_threads": torch.get_num_threads(),
            "loadavg_1min": round(os.getloadavg()[0], 2),
            "torch": torch.__version__,
        },
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="training YAML (task rppg)")
    p.add_argument("--epochs", type=int, default=None, help="override train.epochs")
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    p.add_argument("--out", default=None, help="output folder (default: a temporary folder)")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        report = run(args.config, args.epochs, args.threads, args.out or tmp)
    print(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
