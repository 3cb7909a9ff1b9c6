"""Training configs: YAML -> (task name, task options, :class:`TrainSettings`).

```yaml
task: me-spot            # a registered task (micropulse.train.TASKS)
options: {...}           # keyword arguments of that task (unknown names are rejected)
train: {epochs: 30, batch_size: 4, lr: 9.0e-3, seed: 100, out_dir: runs/x}
```
rPPG-Toolbox-style keys are accepted in ``train``: ``TRAIN.EPOCHS``, ``TRAIN.BATCH_SIZE``, ``TRAIN.LR``;
and in ``options`` the data keys ``{TRAIN,VALID,TEST}.DATA.{DATASET,DATA_PATH,BEGIN,END}``, which become the
rPPG task's ``splits`` (e.g. ``TRAIN.DATA.DATASET: pure`` -> ``splits.train.dataset``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from micropulse.errors import FileFormatError, InputError
from micropulse.train.loop import TrainSettings

_TOOLBOX_KEYS = {"TRAIN.EPOCHS": "epochs", "TRAIN.BATCH_SIZE": "batch_size", "TRAIN.LR": "lr", "SEED": "seed"}
_TOOLBOX_PARTS = {"TRAIN": "train", "VALID": "valid", "TEST": "test"}
_TOOLBOX_DATA = {"DATASET": "dataset", "DATA_PATH": "root", "BEGIN": "begin", "END": "end"}


def _toolbox_options(options: dict[str, Any], where: Path) -> dict[str, Any]:
    """Move ``TRAIN.DATA.DATASET``-style keys into ``options["splits"]``; an unknown dotted key is an error."""
    out = {k: v for k, v in options.items() if "." not in k}
    splits = {p: dict(v) for p, v in (out.get("splits") or {}).items()}
    for key, value in options.items():
        if "." not in key:
            continue
        bits = key.split(".")
        if (
            len(bits) != 3
            or bits[0] not in _TOOLBOX_PARTS
            or bits[1] != "DATA"
            or bits[2] not in _TOOLBOX_DATA
        ):
            known = ", ".join(f"{p}.DATA.{d}" for p in _TOOLBOX_PARTS for d in _TOOLBOX_DATA)
            raise FileFormatError(f"unknown option {key!r}; toolbox data keys known: {known}", where)
        value = str(value) if bits[2] in ("DATASET", "DATA_PATH") else float(value)
        splits.setdefault(_TOOLBOX_PARTS[bits[0]], {})[_TOOLBOX_DATA[bits[2]]] = value
    if splits:
        out["splits"] = splits
    return out


@dataclass(frozen=True)
class TrainConfig:
    task: str
    options: dict[str, Any]
    settings: TrainSettings


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> TrainConfig:
    """Read and validate a training YAML; ``overrides`` replace ``train`` settings (e.g. from the CLI)."""
    p = Path(path)
    if not p.is_file():
        raise FileFormatError("config file not found", p)
    try:
        raw = yaml.safe_load(p.read_text()) or {}
    except yaml.YAMLError as exc:
        raise FileFormatError(f"not valid YAML: {exc}", p) from None
    if not isinstance(raw, dict) or "task" not in raw:
        raise FileFormatError("a training config needs a top-level 'task:' key", p)
    unknown = set(raw) - {"task", "options", "train"}
    if unknown:
        raise FileFormatError(f"unknown top-level key(s) {sorted(unknown)}; known: task, options, train", p)
    train = {_TOOLBOX_KEYS.get(k, k): v for k, v in (raw.get("train") or {}).items()}
    train.update({k: v for k, v in (overrides or {}).items() if v is not None})
    known = {f.name for f in fields(TrainSettings)}
    bad = sorted(set(train) - known)
    if bad:
        raise FileFormatError(f"unknown train setting(s) {bad}; known: {sorted(known)}", p)
    try:
        settings = TrainSettings(**train)
    except (TypeError, InputError) as exc:
        raise FileFormatError(f"invalid train settings: {exc}", p) from None
    options = raw.get("options") or {}
    if not isinstance(options, dict):
        raise FileFormatError("'options:' must be a mapping", p)
    return TrainConfig(str(raw["task"]), _toolbox_options(dict(options), p), settings)
