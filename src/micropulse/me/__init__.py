"""Micro-expressions: ROI flow features, labels, ME-TST models and their weights, decoding, the MEGC scorer.

    >>> from micropulse.me import create_model, list_models
    >>> list_models()
    ['me-tst', 'me-tst+']
    >>> model = create_model("me-tst", weights="builtin")   # doctest: +SKIP  (needs torch)

Submodules are imported on demand (``micropulse.me.score`` needs only numpy/pandas); the model registry is
torch-free and ``create_model`` imports torch when first used, so ``import micropulse.me`` stays light.
"""

from __future__ import annotations

from typing import Any

from micropulse.me.models import get_spec, list_models

__all__ = ["create_model", "get_spec", "list_models"]


def __getattr__(name: str) -> Any:
    if name == "create_model":  # needs torch (extra ``deep``): imported when first used
        from micropulse.me.models import create_model

        return create_model
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
