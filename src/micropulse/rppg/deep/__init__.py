"""Deep rPPG models (PhysNet, RhythmFormer, RhythmMamba), weights with metadata, and inference.

    >>> from micropulse.rppg.deep import create_model, predict_bvp
    >>> model = create_model("rhythmmamba", weights="RhythmMamba.pure.weights.h5")
    >>> bvp = predict_bvp(model, crops_uint8, fs=30.0)   # (T,) z-scored pulse

The registry, the weights' metadata and the catalogue of published files need no torch
(``list_models()``, ``get_spec()``, ``WeightsInfo``, ``list_weights()``), so names can be listed where
torch is absent; the torch parts (``create_model``, ``predict_bvp``, weight import, transforms) are
imported on first use of their names.
"""

from __future__ import annotations

import importlib
from typing import Any

from micropulse.rppg.deep.catalog import list_weights
from micropulse.rppg.deep.info import LABEL_TYPES, NORMALISATIONS, WeightsInfo
from micropulse.rppg.deep.registry import ModelSpec, build_model, get_spec, list_models

#: Names whose modules need torch: name -> module, imported when the name is first used
#: (torch is an optional dependency, extra ``deep``).
_TORCH_EXPORTS = {
    "create_model": "micropulse.rppg.deep.factory",
    "predict_bvp": "micropulse.rppg.deep.inference",
    "InputTransform": "micropulse.rppg.deep.transforms",
    "transform_for": "micropulse.rppg.deep.transforms",
    "import_weights": "micropulse.rppg.deep.weights",
    "load_weights_into": "micropulse.rppg.deep.weights",
    "read_checkpoint": "micropulse.rppg.deep.weights",
}

__all__ = [
    "LABEL_TYPES",
    "NORMALISATIONS",
    "InputTransform",
    "ModelSpec",
    "WeightsInfo",
    "build_model",
    "create_model",
    "get_spec",
    "import_weights",
    "list_models",
    "list_weights",
    "load_weights_into",
    "predict_bvp",
    "read_checkpoint",
    "transform_for",
]


def __getattr__(name: str) -> Any:
    if name in _TORCH_EXPORTS:
        value = getattr(importlib.import_module(_TORCH_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_TORCH_EXPORTS))
