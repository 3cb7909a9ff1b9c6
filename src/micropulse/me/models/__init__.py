"""Micro-expression networks (torch): ME-TST (``me-tst``, 10 channels) and ME-TST+ (``me-tst+``, 36 channels).

Both map a window of ROI flow features ``(B, C, k)`` to a per-frame spotting score ``(B, k)`` in [0, 1] and
per-frame recognition logits ``(B, k, 5)``. The registry (``list_models``, ``get_spec``, ``build_model``)
needs no torch; ``create_model`` (with weights, ``factory.py``), the weights (``weights.py``) and
``window_outputs`` (``inference.py``) are imported on first use of their names.
"""

from __future__ import annotations

import importlib
from typing import Any

from micropulse.me.models.registry import MODELS, MEModelSpec, build_model, get_spec, list_models

#: Model name -> the feature ROI set it reads (:mod:`micropulse.me.rois`).
ROI_SET_OF: dict[str, str] = {name: get_spec(name).roi_set for name in list_models()}

#: Names whose modules need torch (extra ``deep``): name -> module, imported when first used.
_TORCH_EXPORTS = {
    "create_model": "micropulse.me.models.factory",
    "MEWeightsInfo": "micropulse.me.models.weights",
    "read_checkpoint": "micropulse.me.models.weights",
    "window_outputs": "micropulse.me.models.inference",
}

__all__ = [
    "MODELS",
    "MEModelSpec",
    "MEWeightsInfo",
    "ROI_SET_OF",
    "build_model",
    "create_me_model",
    "create_model",
    "get_spec",
    "list_me_models",
    "list_models",
    "read_checkpoint",
    "window_outputs",
]


def create_me_model(name: str, options: dict[str, Any] | None = None) -> Any:
    """Deprecated alias of :func:`build_model` (random weights); use :func:`micropulse.me.create_model`."""
    return build_model(name, options)


def list_me_models() -> list[str]:
    """Deprecated alias of :func:`list_models`."""
    return list_models()


def __getattr__(name: str) -> Any:
    if name in _TORCH_EXPORTS:
        value = getattr(importlib.import_module(_TORCH_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_TORCH_EXPORTS))
