"""One generic training loop for every model (STYLE §6): seeded, OneCycle per step, resumable checkpoints.

Checkpoints are written atomically after every epoch (``last.pt``: model, optimiser, scheduler, RNG states,
history); a rerun with the same settings resumes from it instead of starting over. The final
``model.pt`` holds the weights plus metadata (task facts, settings, test metrics); ``loss.png`` the train
and validation loss per epoch. An ``on_epoch`` callback sees each epoch's losses as they come.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader

from micropulse.errors import InputError
from micropulse.progress import progress
from micropulse.train.distributed import DistContext
from micropulse.train.task import Task

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainSettings:
    """Optimisation settings (the seed papers' defaults: OneCycle per step, seed 100).

    Attributes:
        epochs: passes over the training data.
        batch_size: samples per step.
        lr: OneCycle max learning rate.
        seed: seed for torch, numpy and random.
        device: ``"auto"`` (CUDA when present), ``"cpu"`` or ``"cuda"``.
        out_dir: where checkpoints and logs go.
        num_workers: DataLoader workers (0 = in-process).
        resume: resume from ``out_dir/last.pt`` when its settings match.
        threads: torch intra-op threads while training (0 = torch's default); small models on a busy
            2-core CPU train several times faster on 1 thread.
    """

    epochs: int = 30
    batch_size: int = 4
    lr: float = 9e-3
    seed: int = 100
    device: str = "auto"
    out_dir: str = "runs/train"
    num_workers: int = 0
    resume: bool = True
    threads: int = 0

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or not self.lr > 0:
            raise InputError(f"epochs and batch_size must be >= 1 and lr > 0, got {self}")

    def fingerprint(self, task_meta: dict[str, Any]) -> str:
        keep = {
            k: v for k, v in asdict(self).items() if k not in ("out_dir", "resume", "num_workers", "device")
        }
        blob = json.dumps({"settings": keep, "task": task_meta}, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass
class TrainResult:
    """What a finished run produced."""

    model_path: Path
    history: list[dict[str, float]] = field(default_factory=list)
    test_metrics: dict[str, Any] = field(default_factory=dict)
    resumed_from_epoch: int = 0
    loss_curve: Path | None = None


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError("device 'cuda' requested but no CUDA device is available")
    return torch.device(name)


def seed_everything(seed: int) -> torch.Generator:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def _atomic_save(obj: Any, path: Path) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def _to_device(batch: Any, device: torch.device) -> Any:
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, (list, tuple)):
        return type(batch)(_to_device(b, device) for b in batch)
    if isinstance(batch, dict):
        return {k: _to_device(v, device) for k, v in batch.items()}
    return batch


#: Called after every epoch with that epoch's history row (``epoch``, ``loss``, ``val_loss`` when there is
#: validation data, ``seconds``, the task's loss parts) and the number of epochs.
EpochCallback = Callable[[dict[str, float], int], None]


def fit(
    task: Task,
    settings: TrainSettings,
    show_progress: bool = False,
    on_epoch: EpochCallback | None = None,
    dist: DistContext | None = None,
) -> TrainResult:
    """Train ``task``'s model with ``settings``; returns the final model path, history and test metrics.

    ``on_epoch(row, epochs)`` is called after each epoch (the CLI prints train and validation loss with
    it); the loss curve over all epochs is written to ``out_dir/loss.png`` at the end. ``dist``: this
    process's place in a data-parallel group (:mod:`micropulse.train.distributed`); None = one process.
    With ``task.selection == "best"`` and validation data, the weights of the epoch with the lowest
    validation loss (kept in ``out_dir/best.pt``) are the ones tested and saved.
    """
    before = torch.get_num_threads()
    if settings.threads > 0:
        torch.set_num_threads(settings.threads)
    try:
        return _fit(task, settings, show_progress, on_epoch, dist or DistContext())
    finally:
        torch.set_num_threads(before)


def plot_loss_curve(history: list[dict[str, float]], path: str | Path, title: str = "training") -> Path:
    """Write the training (and validation) loss per epoch to ``path`` (PNG; log scale when all > 0)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not history:
        raise InputError("no epochs in the history: nothing to plot")
    epochs = [row["epoch"] for row in history]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    ax.plot(epochs, [row["loss"] for row in history], "o-", ms=3, label="train loss")
    val = [(row["epoch"], row["val_loss"]) for row in history if row.get("val_loss") is not None]
    if val:
        ax.plot(*zip(*val, strict=True), "s-", ms=3, label="validation loss")
    losses = [row["loss"] for row in history] + [v for _, v in val]
    if all(v > 0 for v in losses):
        ax.set_yscale("log")
    ax.set(xlabel="epoch", ylabel="loss", title=title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    out = Path(path)
    tmp = out.with_name(f".{out.name}.tmp.png")
    fig.savefig(tmp)
    plt.close(fig)
    os.replace(tmp, out)
    return out


def _fit(
    task: Task,
    settings: TrainSettings,
    show_progress: bool,
    on_epoch: EpochCallback | None,
    dist: DistContext,
) -> TrainResult:
    out = Path(settings.out_dir)
    if dist.is_main:
        out.mkdir(parents=True, exist_ok=True)
    device = dist.device if dist.world > 1 else resolve_device(settings.device)
    gen = seed_everything(settings.seed)
    meta = task.metadata()
    fp = settings.fingerprint(meta)

    model = task.build_model().to(device)  # same seed in every process: the same initial weights
    with dist.main_first():  # the main process preprocesses (and caches) the data; the others then read it
        train_ds = task.train_data()
        val_ds = task.val_data()
    if len(train_ds) == 0:
        raise InputError(f"task {task.name!r} has no training samples")
    loader = dist.loader(train_ds, settings.batch_size, gen, settings.num_workers)
    net = dist.wrap(model)
    opt = task.optimizer(model.parameters(), settings.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=settings.lr, epochs=settings.epochs, steps_per_epoch=len(loader)
    )
    history: list[dict[str, float]] = []
    start_epoch = 0
    last, best_path = out / "last.pt", out / "best.pt"
    select_best = task.selection == "best" and val_ds is not None and len(val_ds) > 0
    if settings.resume and last.exists():
        ckpt = torch.load(last, map_location=device, weights_only=False)
        if ckpt.get("fingerprint") == fp:
            model.load_state_dict(ckpt["model"])
            opt.load_state_dict(ckpt["optimizer"])
            sched.load_state_dict(ckpt["scheduler"])
            history = ckpt["history"]
            start_epoch = ckpt["epoch"]
            torch.set_rng_state(ckpt["torch_rng"])
            gen.set_state(ckpt["loader_rng"])
            log.info("resumed from %s at epoch %d", last, start_epoch)
        else:
            log.warning("%s was made with other settings; starting over", last)
            start_epoch = 0
    dist.barrier()  # every process has read last.pt before the main one overwrites it

    steps = (settings.epochs - start_epoch) * len(loader)
    with progress(steps, f"training {task.name}", enabled=show_progress and dist.is_main) as advance:
        for epoch in range(start_epoch, settings.epochs):
            model.train()
            dist.set_epoch(loader, epoch)
            aug_gen = gen if dist.world == 1 else dist.generator(settings.seed, epoch)
            t0, total, n, parts_sum = time.perf_counter(), 0.0, 0, {}
            for batch in loader:
                batch = task.augment(_to_device(batch, device), aug_gen)
                loss, parts = task.loss(net, batch)
                if not torch.isfinite(loss):
                    raise InputError(f"non-finite training loss at epoch {epoch + 1}: {parts}")
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                total += float(loss.detach())
                n += 1
                for k, v in parts.items():
                    parts_sum[k] = parts_sum.get(k, 0.0) + v
                advance()
            row = {
                "epoch": epoch + 1,
                "loss": dist.mean(total / max(n, 1)),
                "seconds": time.perf_counter() - t0,
            }
            row.update({k: dist.mean(v / max(n, 1)) for k, v in parts_sum.items()})
            if val_ds is not None and len(val_ds):
                row["val_loss"] = _val_loss(task, model, val_ds, settings.batch_size, device)
            history.append(row)
            log.info("epoch %d/%d loss %.4f", epoch + 1, settings.epochs, row["loss"])
            if dist.is_main:
                if select_best and row["val_loss"] <= min(r["val_loss"] for r in history):
                    _atomic_save({"model": model.state_dict(), "epoch": epoch + 1, "val_loss": row["val_loss"],
                                  "fingerprint": fp}, best_path)  # fmt: skip
                _atomic_save({
                    "model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                    "epoch": epoch + 1, "history": history, "fingerprint": fp,
                    "torch_rng": torch.get_rng_state(), "loader_rng": gen.get_state(),
                }, last)  # fmt: skip
                (out / "history.json").write_text(json.dumps(history, indent=2))
                if on_epoch is not None:
                    on_epoch(row, settings.epochs)
            dist.barrier()

    selected = {"rule": "last", "epoch": settings.epochs}
    if select_best and best_path.exists():
        best = torch.load(best_path, map_location=device, weights_only=False)
        if best.get("fingerprint") == fp:
            model.load_state_dict(best["model"])
            selected = {"rule": "best", "epoch": int(best["epoch"]), "val_loss": float(best["val_loss"])}
    model.eval()
    model_path = out / "model.pt"
    curve = None
    test_metrics: dict[str, Any] = {}
    if dist.is_main:
        task.work_dir = out
        test_metrics = task.evaluate(model, device)
        _atomic_save({
            "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
            "metadata": {**meta, "settings": asdict(settings), "test_metrics": test_metrics, "selected": selected,
                         "params": sum(p.numel() for p in model.parameters()), "history": history},
        }, model_path)  # fmt: skip
        (out / "metrics.json").write_text(json.dumps(test_metrics, indent=2, default=float))
        curve = plot_loss_curve(history, out / "loss.png", title=f"training {task.name}") if history else None
    dist.barrier()
    return TrainResult(model_path, history, test_metrics, resumed_from_epoch=start_epoch, loss_curve=curve)


@torch.no_grad()
def _val_loss(task: Task, model: torch.nn.Module, ds: Any, batch_size: int, device: torch.device) -> float:
    model.eval()
    total, n = 0.0, 0
    for batch in DataLoader(ds, batch_size=batch_size, shuffle=False):
        loss, _ = task.loss(model, _to_device(batch, device))
        total += float(loss)
        n += 1
    model.train()
    return total / max(n, 1)
