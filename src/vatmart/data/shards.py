"""Interaction shards: one ``.npz`` per finished collection job, written atomically, read back as one table.

A shard holds S scenes (their JSON, their labelled point clouds) and M interactions (the scene each belongs
to, the contact point as an index into that scene's cloud, the (5, 6) camera-frame trajectory, the task,
what was achieved, success and the data source). RL shards add the raw per-step records of each episode.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vatmart.errors import ShardError
from vatmart.sim.camera import PointCloud
from vatmart.sim.tasks import TASK_KINDS

#: Data sources, stored as small integers.
SOURCES = ("expert", "noisy-expert", "random", "rl")
CLOUD_KEYS = ("points", "normals", "link", "movable", "target", "grasp", "cam2world")
INTERACTION_KEYS = ("scene", "contact", "traj", "task", "amount", "achieved", "success", "source")


@dataclass(frozen=True)
class Interactions:
    """Column arrays of M interactions; ``scene`` indexes the clouds of the same table."""

    scene: np.ndarray  # (M,) int
    contact: np.ndarray  # (M,) int, index into the scene's cloud
    traj: np.ndarray  # (M, 5, 6) float32, camera frame
    task: np.ndarray  # (M,) int, index into TASK_KINDS
    amount: np.ndarray  # (M,) float32, rad or m
    achieved: np.ndarray  # (M,) float32, rad or m, in the task's direction
    success: np.ndarray  # (M,) bool (VAT-Mart's 15 % rule)
    source: np.ndarray  # (M,) int, index into SOURCES

    def __len__(self) -> int:
        return len(self.scene)


def stack_clouds(clouds: list[PointCloud]) -> dict[str, np.ndarray]:
    """Point clouds -> arrays with a leading scene axis."""
    return {k: np.stack([getattr(c, k) for c in clouds]) for k in CLOUD_KEYS}


def cloud_at(arrays: dict[str, np.ndarray], i: int) -> PointCloud:
    """The ``i``-th cloud of stacked arrays."""
    return PointCloud(**{k: arrays[k][i] for k in CLOUD_KEYS})


def save_shard(
    path: str | Path,
    *,
    scenes: list[str],
    clouds: list[PointCloud],
    rows: dict[str, np.ndarray],
    extra: dict[str, np.ndarray] | None = None,
) -> Path:
    """Write a shard atomically (temporary file + rename): a crash never leaves a half shard."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    arrays = {"scenes": np.asarray(scenes, dtype=object).astype(str), **stack_clouds(clouds)}
    arrays.update({f"i_{k}": np.asarray(rows[k]) for k in INTERACTION_KEYS})
    arrays.update({f"x_{k}": np.asarray(v) for k, v in (extra or {}).items()})
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".npz")
    os.close(fd)
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, p)
    return p


def load_shard(path: str | Path) -> dict[str, np.ndarray]:
    """All arrays of one shard; :class:`ShardError` names the file when it is unreadable."""
    p = Path(path)
    try:
        with np.load(p, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise ShardError(f"cannot read interaction shard: {exc}", p) from None
    missing = [k for k in ("scenes", *CLOUD_KEYS, *(f"i_{k}" for k in INTERACTION_KEYS)) if k not in data]
    if missing:
        raise ShardError(f"shard lacks arrays {missing}", p)
    return data


@dataclass(frozen=True)
class Dataset:
    """Shards concatenated: scene JSON, stacked clouds, interactions, and per-shard extra arrays."""

    scenes: list[str]
    clouds: dict[str, np.ndarray]
    rows: Interactions
    extras: list[dict[str, np.ndarray]]

    def summary(self) -> dict:
        """Counts per task and source, and the success rate (for logs and the CLI)."""
        r = self.rows
        out = {
            "scenes": len(self.scenes),
            "interactions": len(r),
            "success_rate": float(r.success.mean()) if len(r) else 0.0,
        }
        out["per_source"] = {
            s: int((r.source == i).sum()) for i, s in enumerate(SOURCES) if (r.source == i).any()
        }
        out["per_task"] = {
            t: int((r.task == i).sum()) for i, t in enumerate(TASK_KINDS) if (r.task == i).any()
        }
        return out


def shard_paths(root: str | Path) -> list[Path]:
    """Finished shards under ``root`` (recursively), in sorted order."""
    return sorted(p for p in Path(root).rglob("shard-*.npz") if not p.name.startswith("."))


def load_dataset(paths: list[Path]) -> Dataset:
    """Concatenate shards (scene indices are shifted to the concatenated cloud table)."""
    if not paths:
        raise ShardError("no interaction shards found (run `vatmart collect` first)")
    scenes: list[str] = []
    clouds: dict[str, list[np.ndarray]] = {k: [] for k in CLOUD_KEYS}
    cols: dict[str, list[np.ndarray]] = {k: [] for k in INTERACTION_KEYS}
    extras = []
    for p in paths:
        d = load_shard(p)
        off = len(scenes)
        scenes += [str(s) for s in d["scenes"]]
        for k in CLOUD_KEYS:
            clouds[k].append(d[k])
        for k in INTERACTION_KEYS:
            v = d[f"i_{k}"]
            cols[k].append(v + off if k == "scene" else v)
        extras.append({k[2:]: v for k, v in d.items() if k.startswith("x_")})
    cat = {k: np.concatenate(v) for k, v in clouds.items()}
    rows = Interactions(**{k: np.concatenate(v) for k, v in cols.items()})
    return Dataset(scenes, cat, rows, extras)
