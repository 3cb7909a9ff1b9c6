"""Micro-expression networks (torch): a registry of video-level spotting + recognition models.

``create_me_model("me-tst")`` -> ME-TST (10 channels); ``create_me_model("me-tst+")`` -> ME-TST+ (36
channels). Both map a window of ROI flow features (B, C, k) to a per-frame spotting score (B, k) in [0, 1]
and per-frame recognition logits (B, k, 5).
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from micropulse.registry import Registry

ME_MODELS: Registry[Callable[[], nn.Module]] = Registry("micro-expression model")


@ME_MODELS.register("me-tst")
def _metst() -> nn.Module:
    from micropulse.me.models.metst import METST

    return METST()


@ME_MODELS.register("me-tst+")
def _metst_plus() -> nn.Module:
    from micropulse.me.models.metst_sf import METSTSlowFast

    return METSTSlowFast()


ROI_SET_OF = {"me-tst": "me-tst", "me-tst+": "me-tst+"}  # model name -> feature ROI set (me.rois)


def create_me_model(name: str) -> nn.Module:
    """Build a registered micro-expression model with the official configuration."""
    return ME_MODELS.get(name)()


def list_me_models() -> list[str]:
    return ME_MODELS.names()
