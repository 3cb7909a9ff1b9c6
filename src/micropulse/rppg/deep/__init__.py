"""Deep rPPG models (PhysNet, RhythmFormer, RhythmMamba), weights with metadata, and inference.

    >>> from micropulse.rppg.deep import create_model, predict_bvp
    >>> model = create_model("rhythmmamba", weights="RhythmMamba.pure.weights.h5")
    >>> bvp = predict_bvp(model, crops_uint8, fs=30.0)   # (T,) z-scored pulse

torch is imported here (and only in this sub-package among ``micropulse.rppg``); ``micropulse.rppg`` itself
does not import it. Model files are imported lazily by the registry.
"""

from __future__ import annotations

from micropulse.rppg.deep.inference import predict_bvp
from micropulse.rppg.deep.info import LABEL_TYPES, NORMALISATIONS, WeightsInfo
from micropulse.rppg.deep.registry import ModelSpec, create_model, get_spec, list_models
from micropulse.rppg.deep.transforms import InputTransform, transform_for
from micropulse.rppg.deep.weights import import_weights, load_weights_into, read_checkpoint

__all__ = [
    "LABEL_TYPES",
    "NORMALISATIONS",
    "InputTransform",
    "ModelSpec",
    "WeightsInfo",
    "create_model",
    "get_spec",
    "import_weights",
    "list_models",
    "load_weights_into",
    "predict_bvp",
    "read_checkpoint",
    "transform_for",
]
