"""Training of the perception networks (torch) and their checkpoints.

Each step takes all examples of a batch of scenes: the backbone runs once per cloud, the scorer learns
success with BCE, the cVAE learns the positives, and — after ``action_start`` of the epochs — the
actionability head learns, at sampled points, the mean of the top-k scores of ``n_proposals`` proposals
(VAT-Mart's target, computed with the current networks, no gradient).
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from vatmart.errors import CheckpointError, InputError
from vatmart.perception.data import Table, scene_batches
from vatmart.perception.model import NetConfig, VatMartNet, cvae_loss

log = logging.getLogger(__name__)
CHECKPOINT_FORMAT = "vatmart-perception-2"  # 2: normals in, contact-frame trajectories


@dataclass(frozen=True)
class PerceptionSettings:
    """``epochs`` over the table, ``batch_scenes`` clouds per step, Adam ``lr``; actionability from epoch
    ``action_start × epochs`` with ``action_points`` sampled points per cloud (see :func:`action_samples`)."""

    epochs: int = 20
    batch_scenes: int = 8
    lr: float = 1e-3
    weight_decay: float = 1e-5
    action_start: float = 0.5
    action_points: int = 16
    seed: int = 0

    def __post_init__(self) -> None:
        if self.epochs < 0 or self.batch_scenes < 1 or not self.lr > 0:
            raise InputError(f"invalid perception settings {self}")


def pick_device(device: str = "auto") -> torch.device:
    """``auto`` -> CUDA when present, else CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def _tensors(table: Table, scenes: np.ndarray, rows: np.ndarray, device) -> dict[str, torch.Tensor]:
    local = np.searchsorted(scenes, table.scene[rows]) if np.all(np.diff(scenes) >= 0) else None
    if local is None:
        pos = {s: i for i, s in enumerate(scenes)}
        local = np.array([pos[s] for s in table.scene[rows]])
    xyz = table.xyz[scenes]
    contact = xyz[local, table.contact[rows]]
    t = lambda a, dt=torch.float32: torch.as_tensor(a, dtype=dt, device=device)  # noqa: E731
    return {
        "xyz": t(xyz),
        "normals": t(table.normals[scenes]),
        "local": t(local, torch.long),
        "cidx": t(table.contact[rows], torch.long),
        "contact": t(contact),
        "traj": t(table.traj[rows]),
        "task": t(table.task[rows]),
        "label": t(table.label[rows]),
        "scene_task": t(table.scene_task[scenes]),
        "target": t(table.target[scenes], torch.bool),
    }


def actionability_targets(model: VatMartNet, feat, task, contact, *, n: int, k: int) -> torch.Tensor:
    """Mean of the top-``k`` scorer probabilities over ``n`` proposals at each point (M,)."""
    with torch.no_grad():
        props = model.propose(feat, task, contact, n)  # (M, n, 5, 6)
        rep = lambda x: x.repeat_interleave(n, dim=0)  # noqa: E731
        p = torch.sigmoid(model.score_logits(rep(feat), rep(task), rep(contact), props.reshape(-1, 5, 6)))
        return p.reshape(-1, n).topk(min(k, n), dim=1).values.mean(1)


def action_samples(
    b: dict[str, torch.Tensor], points: int, gen: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """(cloud, point) index pairs where the actionability head learns: ``points // 2`` per cloud uniformly
    on the target part, and as many again drawn from the batch's interaction contact points (so the few
    points where interactions happened, such as handles, are seen as often as the rest of the part)."""
    nb = b["target"].shape[0]
    half = max(1, points // 2)
    w = b["target"].float() + 1e-6  # a cloud without target points still samples somewhere
    idx = torch.multinomial(w, half, replacement=True, generator=gen)  # (B, half)
    bi = torch.arange(nb, device=idx.device)[:, None].expand_as(idx)
    k = min(len(b["local"]), nb * (points - half))
    pick = torch.randperm(len(b["local"]), generator=gen, device=idx.device)[:k]
    return torch.cat([bi.reshape(-1), b["local"][pick]]), torch.cat([idx.reshape(-1), b["cidx"][pick]])


def train_step(
    model: VatMartNet, b: dict[str, torch.Tensor], *, action: bool, action_points: int, gen: torch.Generator
) -> dict[str, torch.Tensor]:
    """Losses of one batch (scorer BCE + cVAE [+ actionability L1])."""
    feat = model.features(b["xyz"], b["normals"])
    fp = feat[b["local"], b["cidx"]]
    logits = model.score_logits(fp, b["task"], b["contact"], b["traj"])
    out = {"score": F.binary_cross_entropy_with_logits(logits, b["label"])}
    pos = b["label"] > 0.5
    if pos.any():
        mu, logvar = model.encode(fp[pos], b["task"][pos], b["contact"][pos], b["traj"][pos])
        z = mu + torch.randn(mu.shape, generator=gen, device=mu.device) * (0.5 * logvar).exp()
        rec = model.decode(fp[pos], b["task"][pos], b["contact"][pos], z)
        out["cvae"] = cvae_loss(rec, b["traj"][pos], mu, logvar, w_kl=model.cfg.kl_weight)["total"]
    if action:
        sb, sp = action_samples(b, action_points, gen)
        tgt = actionability_targets(
            model,
            feat[sb, sp].detach(),
            b["scene_task"][sb],
            b["xyz"][sb, sp],
            n=model.cfg.n_proposals,
            k=model.cfg.topk,
        )
        pred = torch.sigmoid(model.actionability_logits(feat, b["scene_task"]))[sb, sp]
        out["action"] = (pred - tgt).abs().mean()
    return out


def fit_perception(
    model: VatMartNet,
    table: Table,
    settings: PerceptionSettings,
    *,
    device: str = "auto",
    advance=None,
    start_epoch: int = 0,
    total_epochs: int | None = None,
) -> list[dict]:
    """Train ``model`` in place for ``settings.epochs`` epochs; returns per-epoch mean losses.

    ``start_epoch``/``total_epochs`` place these epochs inside a longer schedule (the interaction loop
    calls this repeatedly), which decides when the actionability head starts.
    """
    dev = pick_device(device)
    model.to(dev).train()
    opt = getattr(model, "_opt", None)
    if opt is None:
        opt = torch.optim.Adam(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
        model._opt = opt  # kept across calls so Adam's moments survive the alternation with RL
    total = total_epochs or settings.epochs
    rng = np.random.default_rng([settings.seed, start_epoch])
    gen = torch.Generator(device=dev).manual_seed(settings.seed * 1000 + start_epoch)
    hist = []
    for e in range(settings.epochs):
        epoch = start_epoch + e
        action = epoch >= settings.action_start * total
        sums: dict[str, float] = {}
        batches = scene_batches(table, settings.batch_scenes, rng)
        for scenes, rows in batches:
            b = _tensors(table, np.sort(scenes), rows, dev)
            losses = train_step(model, b, action=action, action_points=settings.action_points, gen=gen)
            loss = sum(losses.values())
            opt.zero_grad()
            loss.backward()
            opt.step()
            for k, v in losses.items():
                sums[k] = sums.get(k, 0.0) + float(v.detach())
        hist.append({"epoch": epoch, **{k: v / max(1, len(batches)) for k, v in sums.items()}})
        log.info("perception epoch %d: %s", epoch, hist[-1])
        if advance is not None:
            advance(1)
    model.eval()
    return hist


def save_checkpoint(model: VatMartNet, path: str | Path, *, meta: dict | None = None) -> Path:
    """Write weights + config + metadata atomically."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    blob = {
        "format": CHECKPOINT_FORMAT,
        "config": model.cfg.to_dict(),
        "state_dict": model.state_dict(),
        "meta": meta or {},
    }
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.")
    os.close(fd)
    torch.save(blob, tmp)
    os.replace(tmp, p)
    return p


def load_checkpoint(path: str | Path, *, device: str = "cpu") -> tuple[VatMartNet, dict]:
    """(model in eval mode, metadata); :class:`CheckpointError` when missing or incompatible."""
    p = Path(path)
    if not p.is_file():
        raise CheckpointError("checkpoint not found (train one with `vatmart train`)", p)
    try:
        blob = torch.load(p, map_location=pick_device(device), weights_only=False)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means an unusable file
        raise CheckpointError(f"cannot read checkpoint: {exc}", p) from None
    if not isinstance(blob, dict) or blob.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"not a vatmart perception checkpoint (expected format {CHECKPOINT_FORMAT})", p)
    try:
        model = VatMartNet(NetConfig(**blob["config"]))
        model.load_state_dict(blob["state_dict"])
    except (TypeError, RuntimeError, KeyError) as exc:
        raise CheckpointError(f"checkpoint does not match the network: {exc}", p) from None
    return model.to(pick_device(device)).eval(), blob.get("meta", {})


def settings_dict(s: PerceptionSettings) -> dict:
    """JSON-ready settings."""
    return asdict(s)
