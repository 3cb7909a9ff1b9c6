"""Micro-expression networks (torch): a registry of video-level spotting + recognition models.

``create_me_model("me-tst")`` -> ME-TST (10 channels); ``create_me_model("me-tst+")`` -> ME-TST+ (36
channels). Both map a window of ROI flow features (B, C, k) to a per-frame spotting score (B, k) in [0, 1]
and per-frame recognition logits (B, k, 5).
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from torch import nn

from micropulse.errors import InputError
from micropulse.registry import Registry

ME_MODELS: Registry[str] = Registry("micro-expression model")
ME_MODELS.register("me-tst")("micropulse.me.models.metst:METST")
ME_MODELS.register("me-tst+")("micropulse.me.models.metst_sf:METSTSlowFast")


ROI_SET_OF = {"me-tst": "me-tst", "me-tst+": "me-tst+"}  # model name -> feature ROI set (me.rois)


def create_me_model(name: str, options: dict[str, Any] | None = None) -> nn.Module:
    """Build a registered micro-expression model; ``options`` are its constructor's keyword arguments
    (none = the official configuration). Unknown option names are rejected."""
    module, _, cls_name = ME_MODELS.get(name).partition(":")
    cls = getattr(importlib.import_module(module), cls_name)
    options = dict(options or {})
    known = set(inspect.signature(cls).parameters)
    unknown = sorted(set(options) - known)
    if unknown:
        raise InputError(
            f"unknown option(s) for {name!r}: {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return cls(**options)


def list_me_models() -> list[str]:
    return ME_MODELS.names()
