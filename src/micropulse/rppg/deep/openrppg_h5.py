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

import numpy as np
import torch

from micropulse.errors import WeightsError
from micropulse.rppg.deep.info import WeightsInfo

VARIANT = "openrppg"
_BN = ("weight", "bias", "running_mean", "running_var")
_OPENRPPG_SRC = "open-rppg 0.1.1 wheel (PyPI), rppg/weights/"

_RM_COMMON = {
    "arch": "rhythmmamba",
    "input_size": 128,
    "fs": 30.0,
    "normalisation": "ChannelStandardized",
    "chunk_length": 160,
    "options": (("ffn_full_matrix", True),),
    "variant": VARIANT,
}
_PN_COMMON = {
    "arch": "physnet",
    "input_size": 32,
    "fs": 30.0,
    "normalisation": "ChannelStandardized",
    "chunk_length": 128,
    "variant": VARIANT,
}
#: The files of open-rppg 0.1.1, by sha256.
KNOWN_H5: dict[str, dict] = {
    "dc2f9c8e421a70cf31db54a6b3334852f165d4ffa2cf1d15f493afc499ca7bcb": {
        **_RM_COMMON,
        "source": _OPENRPPG_SRC + "RhythmMamba.pure.weights.h5",
        "training_set": "PURE",
    },
    "a713be668dfdcd93a21b35a5e5aedcfca42153cd2f69ac0911d63b4ee14f9e2a": {
        **_RM_COMMON,
        "source": _OPENRPPG_SRC + "RhythmMamba.rlap.weights.h5",
        "training_set": "RLAP",
    },
    "c4b89ae6d2b442f98d41239d6251608583a95471b6c0ac002932fd34d3dc28c9": {
        **_PN_COMMON,
        "source": _OPENRPPG_SRC + "physnet.pure.weights.h5",
        "training_set": "PURE",
    },
    "6006ec3e023e73a30ef5ff0086aa09d8cdf92245b19abb04449a4d2f73add4d5": {
        **_PN_COMMON,
        "source": _OPENRPPG_SRC + "physnet.rlap.weights.h5",
        "training_set": "RLAP",
    },
}
_DEFAULTS = {"rhythmmamba": _RM_COMMON, "physnet": _PN_COMMON}


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
    import h5py

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
    """Map every tensor of an open-rppg ``.h5`` file onto micropulse's ``arch`` (fp32); raise on leftovers."""
    from micropulse.rppg.deep.weights import sha256_of

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
    meta = dict(KNOWN_H5.get(sha) or {**_DEFAULTS[arch], "source": path.name, "training_set": None})
    if meta["arch"] != arch:
        raise WeightsError(f"this file holds open-rppg {meta['arch']!r} weights, not {arch!r}", path)
    params = sum(
        v.numel()
        for k, v in state.items()
        if not k.endswith(("running_mean", "running_var", "num_batches_tracked"))
    )
    return state, WeightsInfo(sha256=sha, params=params, **meta)
