"""Reading PyTorch checkpoint files: the steps every model family shares (rPPG and micro-expression).

A file is read with ``weights_only=True`` (no code runs), its state dict is found (raw, or under a common
key), ``module.`` prefixes of ``nn.DataParallel`` are stripped, and a state dict is checked against a model
strictly: missing keys, unexpected keys and shape mismatches are listed in one :class:`WeightsError`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from micropulse.errors import WeightsError

#: Keys under which training scripts commonly nest the state dict.
STATE_DICT_KEYS = ("state_dict", "model_state_dict", "model", "net")
#: Parameter-name endings of BatchNorm statistics (buffers, not learnt parameters).
BUFFER_SUFFIXES = ("running_mean", "running_var", "num_batches_tracked")


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file (64 digits)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_torch_file(path: str | Path) -> Any:
    """``torch.load(path, weights_only=True)`` on CPU; any failure is a :class:`WeightsError` naming the file."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError("weights file not found", path)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for corrupt or foreign files
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise WeightsError(f"cannot read as a PyTorch checkpoint: {exc.__class__.__name__}: {first}", path) from None


def _is_state_dict(obj: Any) -> bool:
    return isinstance(obj, Mapping) and bool(obj) and all(isinstance(v, torch.Tensor) for v in obj.values())


def find_state_dict(obj: Any, path: str | Path | None = None) -> dict[str, torch.Tensor]:
    """The state dict inside a loaded checkpoint: the mapping itself, or one under :data:`STATE_DICT_KEYS`."""
    if isinstance(obj, Mapping):
        for key in STATE_DICT_KEYS:
            if _is_state_dict(obj.get(key)):
                return dict(obj[key])
        if _is_state_dict(obj):
            return dict(obj)
    raise WeightsError(
        "no state dict found (expected a mapping of parameter names to tensors, or one under "
        f"{', '.join(repr(k) for k in STATE_DICT_KEYS)})",
        path,
    )


def strip_prefix(state: Mapping[str, torch.Tensor], prefix: str = "module.") -> dict[str, torch.Tensor]:
    """Remove a DataParallel ``module.`` prefix from every key that has it."""
    return {(k[len(prefix) :] if k.startswith(prefix) else k): v for k, v in state.items()}


def count_parameters(state: Mapping[str, torch.Tensor]) -> int:
    """Number of learnt values in a state dict (BatchNorm statistics excluded)."""
    return sum(v.numel() for k, v in state.items() if not k.endswith(BUFFER_SUFFIXES))


def check_state_dict(model: nn.Module, state: Mapping[str, torch.Tensor], path: str | Path | None = None) -> None:
    """Raise :class:`WeightsError` listing missing keys, unexpected keys and shape mismatches."""
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    mismatched = sorted(
        f"{k}: file {tuple(state[k].shape)} vs model {tuple(expected[k].shape)}"
        for k in set(expected) & set(state)
        if tuple(state[k].shape) != tuple(expected[k].shape)
    )
    if not (missing or unexpected or mismatched):
        return

    def show(title: str, items: list[str]) -> str:
        head = ", ".join(items[:12]) + (f", ... ({len(items) - 12} more)" if len(items) > 12 else "")
        return f"{len(items)} {title} [{head}]"

    parts = [
        show(t, items)
        for t, items in (("missing", missing), ("unexpected", unexpected), ("shape mismatches", mismatched))
        if items
    ]
    raise WeightsError(
        f"weights do not match the {type(model).__name__} architecture: " + "; ".join(parts), path
    )


def load_strict(model: nn.Module, state: Mapping[str, torch.Tensor], path: str | Path | None = None) -> nn.Module:
    """Check ``state`` against ``model`` (:func:`check_state_dict`), load it strictly, return the model."""
    check_state_dict(model, state, path)
    model.load_state_dict(state, strict=True)
    return model
