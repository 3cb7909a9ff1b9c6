"""Read the Keras ``.h5`` weights shipped in the ``open-rppg`` wheel (PyPI, MIT) with h5py only.

Every dataset of the file is mapped onto a micropulse parameter name (``read_openrppg_h5``); a dataset
without a counterpart is an error, so "every tensor mapped" is checked on each import. The numerical
differences of open-rppg's network are applied by :mod:`micropulse.rppg.deep.openrppg`.

Keras layouts: Conv kernels ``(*k, in, out)``, transposed-conv kernels ``(*k, out, in)``, Dense ``(in, out)``,
BatchNorm ``gamma, beta, moving_mean, moving_variance``, LayerNorm ``gamma, beta``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np
import torch

from micropulse.errors import WeightsError
from micropulse.nn.checkpoint import BUFFER_SUFFIXES, sha256_of
from micropulse.rppg.deep.catalog import KNOWN_H5, OPENRPPG_DEFAULTS
from micropulse.rppg.deep.info import OPENRPPG_VARIANT, WeightsInfo

#: ``WeightsInfo.variant`` of these weights.
VARIANT = OPENRPPG_VARIANT
_BN = ("weight", "bias", "running_mean", "running_var")


def _conv(a: np.ndarray) -> np.ndarray:
    """Keras conv kernel ``(*k, in, out)`` (or transposed ``(*k, out, in)``) -> torch ``(out|in, in|out, *k)``."""
    nd = a.ndim
    return np.transpose(a, (nd - 1, nd - 2, *range(nd - 2)))


def _dense(a: np.ndarray) -> np.ndarray:
    return a.T


def _same(a: np.ndarray) -> np.ndarray:
    return a


def _bn(prefix: str, idx: str) -> tuple[str, Callable]:
    return f"{prefix}.{_BN[int(idx)]}", _same


def _rhythmmamba_block(inner: str, b: str) -> tuple[str, Callable] | None:
    p = f"blocks.{b}"
    simple = {
        "attn/mamba/in_projection/vars/0": (f"{p}.attn.mamba.in_proj.weight", _dense),
        "attn/mamba/conv1d/vars/0": (f"{p}.attn.mamba.conv1d.weight", _conv),
        "attn/mamba/conv1d/vars/1": (f"{p}.attn.mamba.conv1d.bias", _same),
        "attn/mamba/x_projection/vars/0": (f"{p}.attn.mamba.x_proj.weight", _dense),
        "attn/mamba/delta_t_projection/vars/0": (f"{p}.attn.mamba.dt_proj.weight", _dense),
        "attn/mamba/delta_t_projection/vars/1": (f"{p}.attn.mamba.dt_proj.bias", _same),
        "attn/mamba/out_projection/vars/0": (f"{p}.attn.mamba.out_proj.weight", _dense),
        "attn/mamba/vars/0": (f"{p}.attn.mamba.A_log", _same),
        "attn/mamba/vars/1": (f"{p}.attn.mamba.D", _same),
        "attn/norm/vars/0": (f"{p}.attn.norm.weight", _same),
        "attn/norm/vars/1": (f"{p}.attn.norm.bias", _same),
        # Keras names the block's two LayerNorms by creation order: norm1, then norm2.
        "layers/layer_normalization/vars/0": (f"{p}.norm1.weight", _same),
        "layers/layer_normalization/vars/1": (f"{p}.norm1.bias", _same),
        "layers/layer_normalization_1/vars/0": (f"{p}.norm2.weight", _same),
        "layers/layer_normalization_1/vars/1": (f"{p}.norm2.bias", _same),
    }
    if inner in simple:
        return simple[inner]
    m = re.fullmatch(r"layers/frequencydomain_ffn/vars/([0-3])", inner)
    if m:
        return f"{p}.mlp.{('r', 'i', 'rb', 'ib')[int(m[1])]}", _same
    m = re.fullmatch(r"layers/frequencydomain_ffn/fc([12])/layers/conv1d/vars/0", inner)
    if m:
        return f"{p}.mlp.fc{m[1]}.0.weight", _conv
    m = re.fullmatch(r"layers/frequencydomain_ffn/fc([12])/layers/batch_normalization/vars/([0-3])", inner)
    if m:
        return _bn(f"{p}.mlp.fc{m[1]}.1", m[2])
    return None


def _map_rhythmmamba(name: str, _: dict[str, str]) -> tuple[str, Callable] | None:
    m = re.fullmatch(r"Fusion_Stem/(stem1[12]|stem2[12])/layers/conv2d/vars/([01])", name)
    if m:
        return f"Fusion_Stem.{m[1]}.0.{('weight', 'bias')[int(m[2])]}", (_conv if m[2] == "0" else _same)
    m = re.fullmatch(r"Fusion_Stem/(stem1[12]|stem2[12])/layers/batch_normalization/vars/([0-3])", name)
    if m:
        return _bn(f"Fusion_Stem.{m[1]}.1", m[2])
    m = re.fullmatch(r"layers/sequential/layers/conv3d/vars/([01])", name)
    if m:
        return f"stem3.0.{('weight', 'bias')[int(m[1])]}", (_conv if m[1] == "0" else _same)
    m = re.fullmatch(r"layers/sequential/layers/batch_normalization/vars/([0-3])", name)
    if m:
        return _bn("stem3.1", m[1])
    m = re.fullmatch(r"ConvBlockLast/vars/([01])", name)
    if m:
        return f"ConvBlockLast.{('weight', 'bias')[int(m[1])]}", (_conv if m[1] == "0" else _same)
    m = re.fullmatch(r"blocks/layers/block_mamba(?:_(\d+))?/(.+)", name)
    if m:
        return _rhythmmamba_block(m[2], m[1] or "0")
    return None


def _map_physnet(name: str, groups: dict[str, str]) -> tuple[str, Callable] | None:
    m = re.fullmatch(r"ConvBlock([1-9])/layers/conv3d/vars/([01])", name)
    if m:
        return f"ConvBlock{m[1]}.0.{('weight', 'bias')[int(m[2])]}", (_conv if m[2] == "0" else _same)
    m = re.fullmatch(r"ConvBlock([1-9])/layers/batch_normalization/vars/([0-3])", name)
    if m:
        return _bn(f"ConvBlock{m[1]}.1", m[2])
    m = re.fullmatch(r"convBlock10/vars/([01])", name)
    if m:
        return f"ConvBlock10.{('weight', 'bias')[int(m[1])]}", (_conv if m[1] == "0" else _same)
    m = re.fullmatch(
        r"layers/(sequential_\d+)/layers/(conv3d_transpose|batch_normalization)/vars/([0-3])", name
    )
    if m and m[1] in groups:
        target = groups[m[1]]
        if m[2] == "conv3d_transpose":
            return f"{target}.0.{('weight', 'bias')[int(m[3])]}", (_conv if m[3] == "0" else _same)
        return _bn(f"{target}.1", m[3])
    return None


def _physnet_groups(names: list[str]) -> dict[str, str]:
    """The two anonymous Keras ``sequential_N`` groups holding transposed convs: upsample, then upsample2."""
    seqs = sorted(
        {
            m[1]
            for n in names
            if (m := re.fullmatch(r"layers/(sequential_(\d+))/layers/conv3d_transpose/.*", n))
        },
        key=lambda s: int(s.rsplit("_", 1)[1]),
    )
    return dict(zip(seqs, ("upsample", "upsample2"), strict=False))


_MAPPERS = {"rhythmmamba": _map_rhythmmamba, "physnet": _map_physnet}


def read_h5_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every dataset of a Keras weights file, by its path inside the file."""
    arrays: dict[str, np.ndarray] = {}
    try:
        with h5py.File(path, "r") as fh:
            fh.visititems(
                lambda name, obj: arrays.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None
            )
    except OSError as exc:
        raise WeightsError(f"cannot read as an HDF5 (Keras) weights file: {exc}", path) from None
    return arrays


def read_openrppg_h5(path: str | Path, arch: str) -> tuple[dict[str, torch.Tensor], WeightsInfo]:
    """Map every tensor of an open-rppg ``.h5`` file onto micropulse's ``arch`` (fp32); raise on leftovers.

    The metadata comes from the known-file table (:data:`~micropulse.rppg.deep.catalog.KNOWN_H5`), else
    open-rppg's defaults for ``arch``; the crop geometry is always open-rppg's (``OPENRPPG``).
    """
    path = Path(path)
    if arch not in _MAPPERS:
        raise WeightsError(f"open-rppg .h5 import supports {sorted(_MAPPERS)}, not {arch!r}", path)
    arrays = read_h5_arrays(path)
    groups = _physnet_groups(list(arrays)) if arch == "physnet" else {}
    state: dict[str, torch.Tensor] = {}
    unmapped = []
    for name, value in arrays.items():
        target = _MAPPERS[arch](name, groups)
        if target is None:
            unmapped.append(name)
            continue
        key, convert = target
        state[key] = torch.from_numpy(np.ascontiguousarray(convert(np.asarray(value, dtype=np.float32))))
    if unmapped:
        shown = ", ".join(sorted(unmapped)[:10])
        raise WeightsError(
            f"{len(unmapped)} tensors have no {arch} counterpart (not open-rppg {arch}?): {shown}", path
        )
    for key in [k for k in state if k.endswith(".running_var")]:
        state[key[: -len("running_var")] + "num_batches_tracked"] = torch.tensor(0, dtype=torch.long)
    sha = sha256_of(path)
    meta = dict(KNOWN_H5.get(sha) or {**OPENRPPG_DEFAULTS[arch], "source": path.name, "training_set": None})
    if meta["arch"] != arch:
        raise WeightsError(f"this file holds open-rppg {meta['arch']!r} weights, not {arch!r}", path)
    params = sum(v.numel() for k, v in state.items() if not k.endswith(BUFFER_SUFFIXES))
    return state, WeightsInfo(sha256=sha, params=params, **meta)
