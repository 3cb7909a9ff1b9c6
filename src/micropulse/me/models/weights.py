"""Micro-expression weights: a micropulse ``model.pt``, an official ME-TST state dict, or the built-in one.

Three kinds of file are understood:

* a checkpoint written by ``micropulse train`` (task ``me-spot``): ``{"state_dict": ..., "metadata": {"arch",
  "model_options", "roi_set", "k", "flow", "target_fps", "decode": {...}}}`` -- the feature and decoding
  settings come from its metadata;
* an official ME-TST / BoostingVRME state dict (``.pkl`` / ``.pth``), possibly saved from ``nn.DataParallel``
  (``module.`` prefixes are stripped) -- no metadata, so the published defaults apply (k = 50 as for
  CAS(ME)^3, Farneback, the peak decoder; specs/micro-expressions.md §1.6, §4.2);
* ``weights="builtin"``: the checkpoint shipped in ``micropulse/me/weights/<model>-synthetic.pt``, trained on
  synthetic videos only (its outputs say so).

Every state dict is loaded strictly into the registered model; a mismatch raises
:class:`~micropulse.errors.WeightsError` listing the missing, unexpected and mis-shaped keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from micropulse.errors import InputError, WeightsError
from micropulse.me.models.registry import build_model, get_spec, list_models
from micropulse.nn.checkpoint import find_state_dict, load_strict, load_torch_file, sha256_of, strip_prefix

#: ``weights=`` value naming the checkpoint shipped with micropulse.
BUILTIN = "builtin"
#: Folder of the shipped checkpoints (``<model>-synthetic.pt``).
BUILTIN_DIR = Path(__file__).resolve().parents[1] / "weights"
BUILTIN_LABEL = "built-in, trained on synthetic data"
RANDOM_INIT = "random init"
#: Settings assumed for a state dict without metadata (CAS(ME)^3 protocol: k 50 at 30 fps, Farneback).
OFFICIAL_DEFAULTS = {"k": 50, "flow": "farneback", "target_fps": 30.0}


@dataclass(frozen=True)
class MEWeightsInfo:
    """Where a micro-expression model's weights came from and the feature/decoding settings they imply.

    Attributes:
        arch: registered model name (``me-tst`` / ``me-tst+``).
        weights: ``"built-in, trained on synthetic data"``, ``"random init"`` or the checkpoint path.
        kind: ``"micropulse"`` (a ``model.pt`` with metadata), ``"state_dict"`` (no metadata) or ``"random"``.
        roi_set: feature ROI set (:mod:`micropulse.me.rois`).
        k: window length, frames on the ``target_fps`` grid.
        flow: optical-flow backend of the features (:func:`micropulse.me.flow.list_flows`).
        target_fps: frame rate the features are computed at, Hz.
        decode: decoding settings from the checkpoint (empty = the library defaults).
        options: model-construction options (empty = the official configuration).
        sha256: first 16 hex digits of the file's hash ("" for random init).
        training_data: what the checkpoint says it was trained on (``None`` when it does not say).
    """

    arch: str
    weights: str
    kind: str
    roi_set: str
    k: int
    flow: str
    target_fps: float = OFFICIAL_DEFAULTS["target_fps"]
    decode: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    sha256: str = ""
    training_data: str | None = None

    @property
    def builtin(self) -> bool:
        return self.weights == BUILTIN_LABEL

    def to_dict(self) -> dict[str, Any]:
        return {
            "arch": self.arch, "weights": self.weights, "kind": self.kind, "roi_set": self.roi_set,
            "k": self.k, "flow": self.flow, "target_fps": self.target_fps, "decode": dict(self.decode),
            "options": dict(self.options), "sha256": self.sha256, "training_data": self.training_data,
        }  # fmt: skip


def builtin_weights(model: str) -> Path:
    """Path of the shipped checkpoint for ``model``; :class:`WeightsError` when none is shipped."""
    name = get_spec(model).name
    path = BUILTIN_DIR / f"{name}-synthetic.pt"
    if not path.is_file():
        shipped = sorted(p.name for p in BUILTIN_DIR.glob("*-synthetic.pt"))
        raise WeightsError(
            f"no built-in weights for model {name!r} are installed (shipped: {', '.join(shipped) or 'none'}); "
            "pass a checkpoint with --weights (a model.pt from `micropulse train` or an official ME-TST "
            "state dict)",
            path,
        )
    return path


def missing_weights_message(arch: str) -> str:
    """The error text for a model asked for without weights: what to pass and where to get it."""
    shipped = sorted(p.name.removesuffix("-synthetic.pt") for p in BUILTIN_DIR.glob("*-synthetic.pt"))
    return (
        f"model {arch!r} needs trained weights: pass --weights FILE (Python: weights=FILE) -- a model.pt from "
        "`micropulse train` (task me-spot) or an official ME-TST state dict (.pkl/.pth) -- or "
        f"weights={BUILTIN!r} for the checkpoint shipped with micropulse, trained on synthetic videos only "
        f"(shipped for: {', '.join(shipped) or 'none'}). (Training and tests build random weights "
        "explicitly: create_model(name, random_init=True).)"
    )


def _split(obj: Any, path: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any] | None]:
    """(state dict, metadata or None) from whatever ``torch.load`` returned."""
    if isinstance(obj, Mapping) and isinstance(obj.get("metadata"), Mapping):
        return find_state_dict(obj, path), dict(obj["metadata"])
    return find_state_dict(obj, path), None


def read_checkpoint(
    path: str | Path, arch: str | None = None
) -> tuple[dict[str, torch.Tensor], MEWeightsInfo]:
    """Read an ME checkpoint: its state dict (``module.`` stripped) and :class:`MEWeightsInfo`.

    Args:
        path: the file, or :data:`BUILTIN` for the shipped checkpoint of ``arch`` (default ``me-tst``).
        arch: the model the file must be for; ``None`` = the checkpoint's own ``arch`` (``me-tst`` for a
            state dict without metadata). A name contradicting the checkpoint's metadata is an error.
    """
    builtin = str(path) == BUILTIN
    wanted = get_spec(arch).name if arch is not None else None
    file = builtin_weights(wanted or list_models()[0]) if builtin else Path(path)
    state, meta = _split(load_torch_file(file), file)
    state = strip_prefix(state)
    m = meta or {}
    found = m.get("arch")
    if found is not None and found not in list_models():
        raise WeightsError(f"checkpoint names unknown model {found!r}; known: {', '.join(list_models())}", file)
    name = get_spec(found).name if found else (wanted or list_models()[0])
    if wanted is not None and name != wanted:
        raise WeightsError(
            f"checkpoint is for model {name!r}, not {wanted!r}; drop --model or pick {name!r}", file
        )
    info = MEWeightsInfo(
        arch=name,
        weights=BUILTIN_LABEL if builtin else str(file),
        kind="micropulse" if meta is not None else "state_dict",
        roi_set=str(m.get("roi_set", get_spec(name).roi_set)),
        k=int(m.get("k", OFFICIAL_DEFAULTS["k"])),
        flow=str(m.get("flow", OFFICIAL_DEFAULTS["flow"])),
        target_fps=float(m.get("target_fps", OFFICIAL_DEFAULTS["target_fps"])),
        decode=dict(m.get("decode") or {}),
        options=dict(m.get("model_options") or {}),
        sha256=sha256_of(file)[:16],
        training_data=str(m["training_data"]) if "training_data" in m else None,
    )
    return state, info


def load_weights_into(
    arch: str | None, path: str | Path, options: dict[str, Any] | None = None
) -> torch.nn.Module:
    """Build the checkpoint's model with its options and load the state strictly; sets ``weights_info``."""
    state, info = read_checkpoint(path, arch)
    merged = dict(info.options)
    for key, value in dict(options or {}).items():
        if key in merged and merged[key] != value:
            raise WeightsError(f"option {key}={value!r} conflicts with the weights' {key}={merged[key]!r}", path)
        merged[key] = value
    try:
        net = build_model(info.arch, merged)
    except InputError as exc:
        raise WeightsError(f"checkpoint model options do not fit {info.arch!r}: {exc.message}", path) from None
    load_strict(net, state, None if str(path) == BUILTIN else path)
    net.weights_info = info
    return net.eval()


def random_info(arch: str, options: dict[str, Any] | None = None) -> MEWeightsInfo:
    """Metadata of a randomly initialised model (official feature settings)."""
    spec = get_spec(arch)
    return MEWeightsInfo(
        arch=spec.name, weights=RANDOM_INIT, kind="random", roi_set=spec.roi_set,
        k=int(OFFICIAL_DEFAULTS["k"]), flow=str(OFFICIAL_DEFAULTS["flow"]), options=dict(options or {}),
    )  # fmt: skip
