"""Checkpoint import: official PyTorch files, open-rppg Keras ``.h5`` files, and micropulse ``.pt`` files.

Every imported file becomes a state dict plus a :class:`WeightsInfo` (source, training set, input size,
fs, normalisation, chunk length, crop geometry, sha256, params, published metric). ``import_weights`` saves both into one
micropulse ``.pt`` file; :func:`load_weights_into` accepts any of the three formats. Loading is strict:
missing keys, unexpected keys and shape mismatches raise :class:`WeightsError` listing them.
Nothing is downloaded: users pass paths.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from micropulse.errors import InputError, WeightsError
from micropulse.face.geometry import MICROPULSE, TOOLBOX, CropGeometry
from micropulse.nn.checkpoint import (
    count_parameters,
    find_state_dict,
    load_strict,
    load_torch_file,
    sha256_of,
    strip_prefix,
)
from micropulse.rppg.deep.catalog import KNOWN_FILES
from micropulse.rppg.deep.info import TRAIN_SOURCE_PREFIX, WeightsInfo
from micropulse.rppg.deep.openrppg import adapt_model
from micropulse.rppg.deep.openrppg_h5 import read_openrppg_h5
from micropulse.rppg.deep.registry import build_model, get_spec

logger = logging.getLogger(__name__)

#: Format tag of micropulse weight files (a dict saved with ``torch.save``).
FORMAT = "micropulse-weights/1"
#: File suffixes read as open-rppg Keras weights.
H5_SUFFIXES = (".h5", ".hdf5", ".keras")


def _default_info(arch: str, path: Path, sha: str, params: int | None) -> WeightsInfo:
    """Metadata of an official PyTorch checkpoint: the known-file table, else the architecture's defaults.

    Every official ``.pth`` micropulse reads comes from the rPPG-Toolbox pipeline (the toolbox's own
    releases and the RhythmFormer/RhythmMamba forks, whose configs crop with the toolbox's Haar box x1.5,
    detection on the first frame only, 128x128; specs/rppg.md §1.9, §2.8, §3.2), so its crop is ``TOOLBOX``.
    """
    known = KNOWN_FILES.get(sha)
    if known is not None:
        if known["arch"] != arch:
            raise WeightsError(f"this file holds {known['arch']!r} weights, not {arch!r}", path)
        return WeightsInfo(sha256=sha, params=params, **known)
    base = get_spec(arch).default_info
    return base.with_(source=path.name, sha256=sha, params=params, crop=TOOLBOX)


def _training_crop(meta: Mapping[str, Any], path: Path) -> CropGeometry:
    crop = meta.get("crop")
    if crop is None:  # checkpoints written before the crop was recorded: what `micropulse train` used
        return MICROPULSE
    try:
        return CropGeometry.from_dict(dict(crop))
    except (InputError, TypeError, ValueError) as exc:
        raise WeightsError(f"training metadata has a bad crop geometry: {exc}", path) from None


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
        source=f"{TRAIN_SOURCE_PREFIX}: {path.name}",
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
        crop=_training_crop(meta, path),
    )


def read_checkpoint(path: str | Path, arch: str) -> tuple[dict[str, torch.Tensor], WeightsInfo]:
    """Read a weight file of any supported format for architecture ``arch``.

    Returns the state dict (keys as in micropulse's model, ``module.`` stripped) and its metadata:
    stored metadata for micropulse ``.pt`` files, the training metadata (model options and crop geometry
    included) of ``micropulse train`` checkpoints, the known-file tables or the architecture's defaults
    otherwise (override them with :func:`import_weights`).
    """
    path = Path(path)
    if not path.is_file():
        raise WeightsError("weights file not found", path)
    arch = get_spec(arch).name
    if path.suffix.lower() in H5_SUFFIXES:
        return read_openrppg_h5(path, arch)
    obj = load_torch_file(path)
    if isinstance(obj, Mapping) and obj.get("format") == FORMAT:
        info = WeightsInfo.from_dict(dict(obj["info"]))
        if info.arch != arch:
            raise WeightsError(f"this file holds {info.arch!r} weights, not {arch!r}", path)
        return find_state_dict(obj["state_dict"], path), info
    state = strip_prefix(find_state_dict(obj, path))
    params = count_parameters(state)
    meta = obj.get("metadata") if isinstance(obj, Mapping) else None
    if isinstance(meta, Mapping) and "arch" in meta:
        return state, _info_from_training(meta, arch, path, sha256_of(path), params)
    return state, _default_info(arch, path, sha256_of(path), params)


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
        model = adapt_model(model, info)
    load_strict(model, state, path)
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
    crop: CropGeometry | None = None,
) -> WeightsInfo:
    """Import a checkpoint into a micropulse ``.pt`` file (state dict + :class:`WeightsInfo`).

    The file is loaded into the architecture first (strict), so a bad file fails here, not later.
    Keyword arguments override the metadata found for the file (known-file table or defaults); ``crop``
    overrides the crop geometry the importer assigned (e.g. ``get_convention("openrppg")``).
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
            crop=crop,
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
