"""Inference helpers (torch): score given trajectories, predict actionability, propose and rank.

Trajectories given to and returned by :func:`analyse` and :func:`score_candidates` are camera-frame (5, 6)
arrays (VAT-Mart's format); :func:`score_examples` takes a training table's (contact frame, per unit of task)."""

from __future__ import annotations

import numpy as np
import torch

from vatmart.perception.data import task_vectors
from vatmart.perception.frames import (
    camera_up,
    contact_frames,
    frame_normals,
    from_local,
    from_per_unit,
    per_unit,
    to_local,
)
from vatmart.perception.model import VatMartNet
from vatmart.sim.camera import PointCloud
from vatmart.sim.tasks import TASK_KINDS, Task

#: Clouds per forward pass when scoring many stored examples.
SCORE_BATCH = 32


def _device(model: VatMartNet) -> torch.device:
    return next(model.parameters()).device


@torch.no_grad()
def score_examples(
    model: VatMartNet,
    xyz: np.ndarray,
    normals: np.ndarray,
    scene: np.ndarray,
    contact: np.ndarray,
    traj: np.ndarray,
    task: np.ndarray,
) -> np.ndarray:
    """Success probabilities (M,) of examples; ``xyz`` (S, N, 3) centred clouds and their ``normals``,
    ``scene``/``contact`` (M,) indices, ``traj`` (M, 5, 6) table trajectories, ``task`` (M, 5)."""
    dev = _device(model)
    out = np.zeros(len(scene), dtype=np.float32)
    uniq = np.unique(scene)
    for i in range(0, len(uniq), SCORE_BATCH):
        sel = uniq[i : i + SCORE_BATCH]
        rows = np.flatnonzero(np.isin(scene, sel))
        local = np.searchsorted(sel, scene[rows])
        x = torch.as_tensor(xyz[sel], dtype=torch.float32, device=dev)
        feat = model.features(x, torch.as_tensor(normals[sel], dtype=torch.float32, device=dev))
        li = torch.as_tensor(local, device=dev)
        ci = torch.as_tensor(contact[rows], device=dev)
        logits = model.score_logits(
            feat[li, ci],
            torch.as_tensor(task[rows], device=dev),
            x[li, ci],
            torch.as_tensor(traj[rows], dtype=torch.float32, device=dev),
        )
        out[rows] = torch.sigmoid(logits).cpu().numpy()
    return out


def centred(cloud: PointCloud) -> tuple[np.ndarray, np.ndarray]:
    """(centred points (N, 3) float32, centroid (3,))."""
    c = cloud.points.mean(axis=0)
    return (cloud.points - c).astype(np.float32), c


@torch.no_grad()
def analyse(
    model: VatMartNet,
    cloud: PointCloud,
    task: Task,
    *,
    n_proposals: int = 100,
    seed: int = 0,
    point: int | None = None,
) -> dict:
    """VAT-Mart's test procedure on one cloud: per-point actionability, the argmax point on the target
    part (unless ``point`` is given), ``n_proposals`` proposals there and their scores (best first)."""
    idx = cloud.require_target()
    dev = _device(model)
    xyz, _ = centred(cloud)
    x = torch.as_tensor(xyz[None], device=dev)
    tv = torch.as_tensor(
        task_vectors(np.array([TASK_KINDS.index(task.kind)]), np.array([task.amount])), device=dev
    )
    nrm = torch.as_tensor(cloud.normals[None], dtype=torch.float32, device=dev)
    feat = model.features(x, nrm)
    act = torch.sigmoid(model.actionability_logits(feat, tv))[0].cpu().numpy()
    p = int(idx[np.argmax(act[idx])]) if point is None else int(point)
    gen = torch.Generator(device=dev).manual_seed(seed)
    f = feat[0, p][None]
    c = x[0, p][None]
    props = model.propose(f, tv, c, n_proposals, generator=gen)[0]  # (n, 5, 6)
    rep = lambda t: t.expand(n_proposals, -1)  # noqa: E731
    scores = torch.sigmoid(model.score_logits(rep(f), rep(tv), rep(c), props)).cpu().numpy()
    order = np.argsort(-scores)
    frame = contact_frames(frame_normals(cloud.points, cloud.normals)[p][None], camera_up(cloud.cam2world))
    local = from_per_unit(props.cpu().numpy()[order], task.amount)
    return {
        "actionability": act,
        "point": p,
        "proposals": from_local(local, np.repeat(frame, len(local), axis=0)),
        "scores": scores[order],
    }


@torch.no_grad()
def score_candidates(
    model: VatMartNet, cloud: PointCloud, task: Task, points: np.ndarray, trajs: np.ndarray
) -> np.ndarray:
    """Scores (K,) of candidate (point index (K,), trajectory (K, 5, 6)) pairs in one cloud."""
    dev = _device(model)
    xyz, _ = centred(cloud)
    x = torch.as_tensor(xyz[None], device=dev)
    tv = torch.as_tensor(
        task_vectors(np.array([TASK_KINDS.index(task.kind)]), np.array([task.amount])), device=dev
    )
    nrm = torch.as_tensor(cloud.normals[None], dtype=torch.float32, device=dev)
    feat = model.features(x, nrm)[0]
    pi = torch.as_tensor(points, device=dev)
    k = len(points)
    frames = contact_frames(frame_normals(cloud.points, cloud.normals)[points], camera_up(cloud.cam2world))
    local = per_unit(to_local(trajs, frames), task.amount)
    logits = model.score_logits(
        feat[pi], tv.expand(k, -1), x[0, pi], torch.as_tensor(local, dtype=torch.float32, device=dev)
    )
    return torch.sigmoid(logits).cpu().numpy()
