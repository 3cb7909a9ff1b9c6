"""Weights for ``micropulse spot``: a micropulse ``model.pt``, an official ME-TST state dict, or the built-in one.

Three kinds of file are understood:

* a micropulse checkpoint written by ``micropulse train`` (:func:`micropulse.train.fit`):
  ``{"state_dict": ..., "metadata": {"arch", "roi_set", "k", "flow", "target_fps", "decode": {...}}}`` --
  the feature and decoding settings come from its metadata;
* an official ME-TST / BoostingVRME state dict (``.pkl`` / ``.pth``), possibly saved from
  ``nn.DataParallel`` (``module.`` prefixes are stripped) -- no metadata, so the published defaults apply
  (k = 50 as for CAS(ME)^3, Farneback, the peak decoder; specs/micro-expressions.md §1.6, §4.2);
* nothing: the built-in checkpoint shipped in ``micropulse/me/weights/<model>-synthetic.pt``, trained on
  synthetic videos only (its outputs say so).

Every state dict is loaded strictly into the registered model; a mismatch raises :class:`WeightsError`
listing the missing and unexpected keys. torch is imported inside the functions only, so importing this
module stays light.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from micropulse.errors import InputError, WeightsError

#: Folder of the checkpoints shipped with micropulse (``<model>-synthetic.pt``).
BUILTIN_DIR = Path(__file__).resolve().parents[1] / "me" / "weights"
BUILTIN_LABEL = "built-in, trained on synthetic data"
DEFAULT_MODEL = "me-tst"
#: Settings assumed for a state dict without metadata (CAS(ME)^3 protocol: k 50 at 30 fps, Farneback).
OFFICIAL_DEFAULTS = {"k": 50, "flow": "farneback", "target_fps": 30.0}


@dataclass(frozen=True)
class SpotModelInfo:
    """Where the weights came from and the settings they imply.

    Attributes:
        arch: registered model name (``me-tst`` / ``me-tst+``).
        weights: ``"built-in, trained on synthetic data"`` or the checkpoint path.
        kind: ``"micropulse"`` (a ``model.pt`` with metadata) or ``"state_dict"`` (no metadata).
        roi_set, k, flow: feature settings (k in frames on the ~30 fps grid).
        decode: decoding settings from the checkpoint (empty = the library defaults).
        sha256: first 16 hex digits of the file's hash.
        training_data: what the checkpoint says it was trained on (``None`` when it does not say).
    """

    arch: str
    weights: str
    kind: str
    roi_set: str
    k: int
    flow: str
    decode: dict[str, Any] = field(default_factory=dict)
    sha256: str = ""
    training_data: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "arch": self.arch, "weights": self.weights, "kind": self.kind, "roi_set": self.roi_set,
            "k": self.k, "flow": self.flow, "decode": dict(self.decode), "sha256": self.sha256,
            "training_data": self.training_data,
        }  # fmt: skip


def builtin_weights(model: str) -> Path:
    """Path of the shipped checkpoint for ``model``; :class:`WeightsError` when none is shipped."""
    path = BUILTIN_DIR / f"{model}-synthetic.pt"
    if not path.is_file():
        raise WeightsError(
            f"no built-in weights for model {model!r} are installed; pass a checkpoint with --weights "
            "(a model.pt from `micropulse train` or an official ME-TST state dict)",
            path,
        )
    return path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def _read(path: Path) -> Any:
    import pickle

    import torch

    if not path.is_file():
        raise WeightsError("weights file not found", path)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, OSError, AttributeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WeightsError(f"cannot read as a torch checkpoint ({first[:200]})", path) from None


def _split(obj: Any, path: Path) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(state dict, metadata or None) from whatever ``torch.load`` returned."""
    import torch

    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        meta = obj.get("metadata")
        return obj["state_dict"], meta if isinstance(meta, dict) else None
    if isinstance(obj, dict) and obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
        return obj, None
    raise WeightsError(
        "not a state dict: expected a mapping of parameter names to tensors, or a micropulse model.pt "
        "with 'state_dict' and 'metadata'",
        path,
    )


def _strip_module(sd: dict[str, Any]) -> dict[str, Any]:
    return {k[len("module.") :] if k.startswith("module.") else k: v for k, v in sd.items()}


def _short(keys: list[str], n: int = 8) -> str:
    shown = ", ".join(keys[:n])
    return shown + (f" ... (+{len(keys) - n} more)" if len(keys) > n else "")


def load_spot_model(model: str | None = None, weights: str | Path | None = None) -> tuple[Any, SpotModelInfo]:
    """Build the model and load its weights strictly; returns ``(torch module in eval mode, info)``.

    Args:
        model: registered ME model name; ``None`` = the checkpoint's ``arch`` (or ``me-tst``). A name that
            contradicts the checkpoint's metadata raises :class:`WeightsError`.
        weights: checkpoint path; ``None`` = the built-in synthetic-data checkpoint of ``model``.
    """
    from micropulse.me.models import ROI_SET_OF, create_me_model

    builtin = weights is None
    path = builtin_weights(model or DEFAULT_MODEL) if builtin else Path(weights)
    state, meta = _split(_read(path), path)
    state = _strip_module(state)
    arch = (meta or {}).get("arch") or model or DEFAULT_MODEL
    if model is not None and arch != model:
        raise WeightsError(
            f"checkpoint is for model {arch!r}, not {model!r}; drop --model or pick {arch!r}", path
        )
    if arch not in ROI_SET_OF:
        raise WeightsError(f"checkpoint names unknown model {arch!r}; known: {', '.join(ROI_SET_OF)}", path)
    options = (meta or {}).get("model_options") or {}
    try:
        net = create_me_model(arch, options)
    except InputError as exc:
        raise WeightsError(f"checkpoint model options do not fit {arch!r}: {exc}", path) from None
    missing, unexpected = _key_mismatch(net.state_dict(), state)
    if missing or unexpected:
        raise WeightsError(
            f"weights do not fit {arch!r}: {len(missing)} missing key(s) [{_short(missing)}], "
            f"{len(unexpected)} unexpected key(s) [{_short(unexpected)}]",
            path,
        )
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as exc:  # shape mismatches
        lines = [ln.strip() for ln in str(exc).splitlines() if "size mismatch" in ln]
        raise WeightsError(f"weights do not fit {arch!r}: {'; '.join(lines[:4]) or exc}", path) from None
    net.eval()
    m = meta or {}
    info = SpotModelInfo(
        arch=arch,
        weights=BUILTIN_LABEL if builtin else str(path),
        kind="micropulse" if meta is not None else "state_dict",
        roi_set=str(m.get("roi_set", ROI_SET_OF[arch])),
        k=int(m.get("k", OFFICIAL_DEFAULTS["k"])),
        flow=str(m.get("flow", OFFICIAL_DEFAULTS["flow"])),
        decode=dict(m.get("decode") or {}),
        sha256=_sha256(path),
        training_data=str(m["training_data"]) if "training_data" in m else None,
    )
    return net, info


def _key_mismatch(expected: dict[str, Any], given: dict[str, Any]) -> tuple[list[str], list[str]]:
    missing = sorted(set(expected) - set(given))
    unexpected = sorted(set(given) - set(expected))
    return missing, unexpected
