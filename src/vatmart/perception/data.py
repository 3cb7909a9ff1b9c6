"""Training tables for the perception networks, built from interaction shards (numpy), and batching.

Hindsight relabelling for perception: an interaction that moved the part by an amount inside the task
range is also a *positive* example for the task "move it by that amount" (VAT-Mart's RL uses the same
idea). Original successes are not duplicated.

Trajectories in a table are in the contact frame and per unit of task (:mod:`vatmart.perception.frames`),
as the networks take them; shards keep VAT-Mart's camera-frame format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from vatmart.data.shards import Dataset
from vatmart.perception.frames import camera_up, contact_frames, frame_normals, per_unit, to_local
from vatmart.sim.tasks import TASK_KINDS, TASK_RANGES


def task_vectors(task_idx: np.ndarray, amount: np.ndarray) -> np.ndarray:
    """(M, 5): task one-hot and the amount divided by the top of its range."""
    task_idx = np.asarray(task_idx, dtype=np.int64)
    amax = np.array([TASK_RANGES[k.split("-")[1]][1] for k in TASK_KINDS])[task_idx]
    out = np.zeros((len(task_idx), len(TASK_KINDS) + 1), dtype=np.float32)
    out[np.arange(len(task_idx)), task_idx] = 1.0
    out[:, -1] = np.asarray(amount, dtype=np.float64) / amax
    return out


@dataclass(frozen=True)
class Table:
    """Per-scene centred clouds and per-row examples (scene, contact index, trajectory, task, label)."""

    xyz: np.ndarray  # (S, N, 3) float32, centred
    normals: np.ndarray  # (S, N, 3) float32
    centroid: np.ndarray  # (S, 3)
    target: np.ndarray  # (S, N) bool
    scene_task: np.ndarray  # (S, 5)
    scene: np.ndarray  # (R,)
    contact: np.ndarray  # (R,)
    traj: np.ndarray  # (R, 5, 6), contact frame, per unit of task
    task: np.ndarray  # (R, 5)
    label: np.ndarray  # (R,) float32

    def __len__(self) -> int:
        return len(self.scene)


def build_table(ds: Dataset, *, relabel: bool = True, sources: tuple[int, ...] | None = None) -> Table:
    """Examples of ``ds`` (optionally only some sources), with hindsight positives when ``relabel``."""
    r = ds.rows
    keep = np.ones(len(r), dtype=bool) if sources is None else np.isin(r.source, sources)
    scene, contact, traj = r.scene[keep], r.contact[keep], r.traj[keep]
    task, amount, achieved, success = r.task[keep], r.amount[keep], r.achieved[keep], r.success[keep]
    label = success.astype(np.float32)
    if relabel:
        lo = np.array([TASK_RANGES[k.split("-")[1]][0] for k in TASK_KINDS])[task]
        hi = np.array([TASK_RANGES[k.split("-")[1]][1] for k in TASK_KINDS])[task]
        extra = (~success) & (achieved >= lo) & (achieved <= hi)
        scene = np.concatenate([scene, scene[extra]])
        contact = np.concatenate([contact, contact[extra]])
        traj = np.concatenate([traj, traj[extra]])
        task = np.concatenate([task, task[extra]])
        amount = np.concatenate([amount, achieved[extra]])
        label = np.concatenate([label, np.ones(int(extra.sum()), dtype=np.float32)])
    pts = ds.clouds["points"].astype(np.float32)
    normals = ds.clouds["normals"].astype(np.float32)
    centroid = pts.mean(axis=1)
    up = np.stack([camera_up(m) for m in ds.clouds["cam2world"]])
    fn = np.stack([frame_normals(p, n) for p, n in zip(pts, normals, strict=True)]) if len(pts) else normals
    frames = contact_frames(fn[scene, contact], up[scene]) if len(scene) else np.zeros((0, 3, 3))
    meta = [json.loads(s) for s in ds.scenes]
    st = np.array([TASK_KINDS.index(m["task_kind"]) for m in meta])
    sa = np.array([m["amount"] for m in meta])
    return Table(
        xyz=pts - centroid[:, None, :],
        normals=normals,
        centroid=centroid,
        target=ds.clouds["target"].astype(bool),
        scene_task=task_vectors(st, sa),
        scene=scene.astype(np.int64),
        contact=contact.astype(np.int64),
        traj=per_unit(to_local(traj, frames), amount).astype(np.float32),
        task=task_vectors(task, amount),
        label=label,
    )


def scene_batches(
    table: Table, batch_scenes: int, rng: np.random.Generator
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Shuffled (scene ids, row ids) batches: all rows of ``batch_scenes`` scenes at a time."""
    scenes = np.unique(table.scene)
    rng.shuffle(scenes)
    order = np.argsort(table.scene, kind="stable")
    starts = np.searchsorted(table.scene[order], scenes)
    ends = np.searchsorted(table.scene[order], scenes, side="right")
    out = []
    for i in range(0, len(scenes), batch_scenes):
        sel = scenes[i : i + batch_scenes]
        rows = np.concatenate([order[starts[j] : ends[j]] for j in range(i, i + len(sel))])
        out.append((sel, rows))
    return out
