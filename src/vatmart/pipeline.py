"""The ``vatmart train`` job: warm up the perception networks on exploration data, run the
interaction-for-perception loop (TD3 + curiosity), finish training, write ``model.pt``.

``rl=False`` trains the same schedule on the exploration data alone (VAT-Mart's ablation without the
curiosity-driven RL data).
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from vatmart.data.shards import load_dataset, shard_paths
from vatmart.errors import InputError
from vatmart.perception.data import build_table
from vatmart.perception.model import NetConfig, VatMartNet
from vatmart.perception.train import PerceptionSettings, fit_perception, save_checkpoint
from vatmart.rl.loop import LoopSettings, interaction_loop

log = logging.getLogger(__name__)
MODEL_FILE = "model.pt"


@dataclass(frozen=True)
class TrainPlan:
    """``warm_epochs`` before the loop, the loop (``loop.rounds`` × ``loop.perception_epochs``), then
    ``final_epochs``; ``threads`` torch threads (0 = torch's default). One thread is the default: these
    small networks gain little from a second thread, and on a busy 2-core machine two OpenMP threads made
    a training step 20-30x slower than one (measured)."""

    net: NetConfig = field(default_factory=NetConfig)
    perception: PerceptionSettings = field(default_factory=PerceptionSettings)
    loop: LoopSettings = field(default_factory=LoopSettings)
    warm_epochs: int = 16
    final_epochs: int = 12
    rl: bool = True
    threads: int = 1

    def total_epochs(self) -> int:
        return (
            self.warm_epochs
            + (self.loop.rounds * self.loop.perception_epochs if self.rl else 0)
            + self.final_epochs
        )


def train(
    data_dirs: list[str | Path],
    out_dir: str | Path,
    plan: TrainPlan = TrainPlan(),
    *,
    engine: str = "pool",
    workers: int = 2,
    cache_dir: str | Path | None = None,
    show_progress: bool = False,
) -> dict:
    """Train and save ``out_dir/model.pt``; returns a summary (timings, data counts, loss history)."""
    from micropulse.progress import progress

    out = Path(out_dir)
    paths = [p for d in data_dirs for p in shard_paths(d)]
    if not paths:
        raise InputError(
            f"no interaction shards under {', '.join(map(str, data_dirs))} (run `vatmart collect`)"
        )
    if plan.threads > 0:
        torch.set_num_threads(plan.threads)
    torch.manual_seed(plan.perception.seed)
    t0 = time.perf_counter()
    ds = load_dataset(paths)
    n_points = int(ds.clouds["points"].shape[1])
    model = VatMartNet(plan.net)
    total = plan.total_epochs()
    summary: dict = {"explore": ds.summary()}
    with progress(total, "training", enabled=show_progress) as advance:
        hist = fit_perception(
            model,
            build_table(ds),
            PerceptionSettings(**{**plan.perception.__dict__, "epochs": plan.warm_epochs}),
            total_epochs=total,
            advance=advance,
        )
        all_paths = list(paths)
        if plan.rl:
            res = interaction_loop(
                model,
                paths,
                out,
                plan.loop,
                plan.perception,
                epoch0=plan.warm_epochs,
                total_epochs=total,
                engine=engine,
                workers=workers,
                cache_dir=cache_dir,
                n_points=n_points,
                advance=advance,
            )
            summary["rl_rounds"] = res["rounds"]
            all_paths += [Path(p) for p in res["rl_paths"]]
        full = load_dataset(all_paths)
        summary["all"] = full.summary()
        start = plan.warm_epochs + (plan.loop.rounds * plan.loop.perception_epochs if plan.rl else 0)
        hist += fit_perception(
            model,
            build_table(full),
            PerceptionSettings(**{**plan.perception.__dict__, "epochs": plan.final_epochs}),
            start_epoch=start,
            total_epochs=total,
            advance=advance,
        )
    summary["seconds"] = time.perf_counter() - t0
    summary["history"] = hist
    summary["plan"] = asdict(plan)
    save_checkpoint(model, out / MODEL_FILE, meta=summary)
    return summary
