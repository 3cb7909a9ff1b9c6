"""Checkpoint import: official PyTorch files, open-rppg Keras ``.h5`` files, and micropulse ``.pt`` files.

Every imported file becomes a state dict plus a :class:`WeightsInfo` (source, training set, input size,
fs, normalisation, chunk length, sha256, params, published metric). ``import_weights`` saves both into one
micropulse ``.pt`` file; :func:`load_weights_into` accepts any of the three formats. Loading is strict:
missing keys, unexpected keys and shape mismatches raise :class:`WeightsError` listing them.
Nothing is downloaded: users pass paths.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from micropulse.errors import WeightsError
from micropulse.rppg.deep.info import WeightsInfo
from micropulse.rppg.deep.registry import build_model, get_spec

logger = logging.getLogger(__name__)

#: Format tag of micropulse weight files (a dict saved with ``torch.save``).
FORMAT = "micropulse-weights/1"

_TOOLBOX_PHYSNET = {
    "input_size": 72,
    "fs": 30.0,
    "normalisation": "DiffNormalized",
    "chunk_length": 128,
    "label_type": "DiffNormalized",
}

#: Published files we know, by sha256: metadata that cannot be read from the file itself.
KNOWN_FILES: dict[str, dict[str, Any]] = {
    "cf295ff0b7a43ee638b9a8ce5a9c62801d5f196b360b3a589fdd5aa43ce623f8": {
        "arch": "physnet",
        "source": "rPPG-Toolbox final_model_release/PURE_PhysNet_DiffNormalized.pth",
        "training_set": "PURE",
        **_TOOLBOX_PHYSNET,
        "published_metric": "PURE->UBFC-rPPG MAE 1.63 bpm / MAPE 1.68 % (rPPG-Toolbox NeurIPS 2023 Table 2; specs/rppg.md §7.5)",
    },
    "6c00db978d9db3566b8953a97cb7cfcd6deb9522b0cbc937c921bb1859a1cdd0": {
        "arch": "physnet",
        "source": "rPPG-Toolbox final_model_release/UBFC-rPPG_PhysNet_DiffNormalized.pth",
        "training_set": "UBFC-rPPG",
        **_TOOLBOX_PHYSNET,
        "published_metric": "UBFC-rPPG->PURE MAE 9.36 bpm / MAPE 17.84 % (rPPG-Toolbox NeurIPS 2023 Table 2; specs/rppg.md §7.5)",
    },
}


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def strip_prefix(state: Mapping[str, torch.Tensor], prefix: str = "module.") -> dict[str, torch.Tensor]:
    """Remove a DataParallel ``module.`` prefix from every key that has it."""
    return {(k[len(prefix) :] if k.startswith(prefix) else k): v for k, v in state.items()}


def _as_state_dict(obj: Any, path: Path) -> dict[str, torch.Tensor]:
    """Find the state dict inside a loaded PyTorch checkpoint (raw, or under a common key)."""
    if isinstance(obj, Mapping):
        for key in ("state_dict", "model_state_dict", "model", "net"):
            inner = obj.get(key)
            if (
                isinstance(inner, Mapping)
                and inner
                and all(isinstance(v, torch.Tensor) for v in inner.values())
            ):
                return dict(inner)
        if obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
            return dict(obj)
    raise WeightsError("no state dict found (expected a mapping of parameter names to tensors)", path)


def _load_torch(path: Path) -> Any:
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for corrupt/foreign files
        raise WeightsError(
            f"cannot read as a PyTorch checkpoint: {exc.__class__.__name__}: {exc}", path
        ) from None


def _default_info(arch: str, path: Path, sha: str, params: int | None) -> WeightsInfo:
    known = KNOWN_FILES.get(sha)
    if known is not None:
        if known["arch"] != arch:
            raise WeightsError(f"this file holds {known['arch']!r} weights, not {arch!r}", path)
        return WeightsInfo(sha256=sha, params=params, **known)
    base = get_spec(arch).default_info
    return base.with_(source=path.name, sha256=sha, params=params)


def _info_from_training(meta: Mapping[str, Any], arch: str, path: Path, sha: str, params: int) -> WeightsInfo:
    """Metadata of a ``micropulse train`` checkpoint (``{"state_dict", "metadata"}``, see train/loop.py)."""
    if meta.get("arch") != arch:
        raise WeightsError(f"this checkpoint was trained for {meta.get('arch')!r}, not {arch!r}", path)
    base = get_spec(arch).default_info
    norm = meta.get("normalisation") or base.normalisation
    data = meta.get("data") or {}
    metrics = meta.get("test_metrics") or {}
    shown = {k: v for k, v in metrics.items() if isinstance(v, (int, float))}
    return base.with_(
        source=f"micropulse train: {path.name}",
        training_set=f"{data.get('source', 'unknown')} (micropulse train)",
        input_size=int(meta.get("input_size") or base.input_size),
        fs=float(meta.get("fs") or base.fs),
        normalisation=norm,
        chunk_length=int(meta.get("chunk_length") or base.chunk_length),
        label_type="DiffNormalized" if norm == "DiffNormalized" else "Standardized",
        options=tuple(dict(meta.get("model_options") or {}).items()),
        sha256=sha,
        params=params,
        published_metric=(
            f"test {shown} (synthetic)" if shown and data.get("source") == "synthetic" else None
        ),
    )


def read_checkpoint(path: str | Path, arch: str) -> tuple[dict[str, torch.Tensor], WeightsInfo]:
    """Read a weight file of any supported format for architecture ``arch``.

    Returns the state dict (keys as in micropulse's model, ``module.`` stripped) and its metadata:
    stored metadata for micropulse ``.pt`` files, the training metadata (model options included) of
    ``micropulse train`` checkpoints, the known-file table or the architecture's defaults otherwise
    (override them with :func:`import_weights`).
    """
    path = Path(path)
    if not path.is_file():
        raise WeightsError("weights file not found", path)
    arch = get_spec(arch).name
    if path.suffix.lower() in (".h5", ".hdf5", ".keras"):
        from micropulse.rppg.deep.openrppg_h5 import read_openrppg_h5

        state, info = read_openrppg_h5(path, arch)
        return state, info
    obj = _load_torch(path)
    if isinstance(obj, Mapping) and obj.get("format") == FORMAT:
        info = WeightsInfo.from_dict(dict(obj["info"]))
        if info.arch != arch:
            raise WeightsError(f"this file holds {info.arch!r} weights, not {arch!r}", path)
        return _as_state_dict(obj["state_dict"], path), info
    state = strip_prefix(_as_state_dict(obj, path))
    params = sum(v.numel() for k, v in state.items() if not _is_buffer_key(k))
    meta = obj.get("metadata") if isinstance(obj, Mapping) else None
    if isinstance(meta, Mapping) and "arch" in meta:
        return state, _info_from_training(meta, arch, path, sha256_of(path), params)
    return state, _default_info(arch, path, sha256_of(path), params)


def _is_buffer_key(key: str) -> bool:
    return key.rsplit(".", 1)[-1] in ("running_mean", "running_var", "num_batches_tracked")


def check_state_dict(model: nn.Module, state: Mapping[str, torch.Tensor], path: Path | None = None) -> None:
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


def _merged_options(info: WeightsInfo, options: Mapping[str, Any] | None, path: Path) -> dict[str, Any]:
    merged = info.option_dict
    for key, value in dict(options or {}).items():
        if key in merged and merged[key] != value:
            raise WeightsError(
                f"option {key}={value!r} conflicts with the weights' {key}={merged[key]!r}", path
            )
        merged[key] = value
    return merged


def load_weights_into(arch: str, path: str | Path, options: Mapping[str, Any] | None = None) -> nn.Module:
    """Build ``arch`` with the options its weights need and load them strictly; sets ``weights_info``."""
    path = Path(path)
    state, info = read_checkpoint(path, arch)
    model = build_model(arch, _merged_options(info, options, path))
    if info.variant is not None:
        from micropulse.rppg.deep.openrppg import adapt_model

        model = adapt_model(model, info)
    check_state_dict(model, state, path)
    model.load_state_dict(state, strict=True)
    model.weights_info = info
    logger.info("loaded %s weights from %s (sha256 %s)", arch, path, (info.sha256 or "")[:12])
    return model.eval()


def import_weights(
    path: str | Path,
    arch: str,
    out: str | Path,
    *,
    training_set: str | None = None,
    fs: float | None = None,
    normalisation: str | None = None,
    input_size: int | None = None,
    chunk_length: int | None = None,
    label_type: str | None = None,
    published_metric: str | None = None,
    source: str | None = None,
) -> WeightsInfo:
    """Import a checkpoint into a micropulse ``.pt`` file (state dict + :class:`WeightsInfo`).

    The file is loaded into the architecture first (strict), so a bad file fails here, not later.
    Keyword arguments override the metadata found for the file (known-file table or defaults).
    """
    path = Path(path)
    model = load_weights_into(arch, path)
    info: WeightsInfo = model.weights_info
    changes = {
        k: v
        for k, v in dict(
            training_set=training_set,
            fs=fs,
            normalisation=normalisation,
            input_size=input_size,
            chunk_length=chunk_length,
            label_type=label_type,
            published_metric=published_metric,
            source=source,
        ).items()
        if v is not None
    }
    info = info.with_(params=sum(p.numel() for p in model.parameters()), **changes)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    torch.save({"format": FORMAT, "info": info.to_dict(), "state_dict": model.state_dict()}, tmp)
    tmp.replace(out)
    return info
