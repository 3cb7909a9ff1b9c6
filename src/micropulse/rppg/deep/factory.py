"""``create_model(name, weights=FILE)``: a registered deep rPPG model with trained weights, ready to run.

A model without trained weights gives a meaningless pulse, so :func:`create_model` refuses to build one
unless random initialisation is asked for explicitly (``random_init=True``: training, tests, benchmarks).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from torch import nn

from micropulse.errors import WeightsError
from micropulse.rppg.deep.catalog import missing_weights_message
from micropulse.rppg.deep.registry import build_model, get_spec
from micropulse.rppg.deep.weights import load_weights_into


def create_model(
    name: str,
    weights: str | Path | None = None,
    *,
    random_init: bool = False,
    options: Mapping[str, Any] | None = None,
    device: str = "cpu",
) -> nn.Module:
    """Build a registered model with its trained weights, in eval mode.

    Args:
        name: a name from :func:`~micropulse.rppg.deep.list_models`.
        weights: a micropulse ``.pt`` (from ``micropulse weights import`` or ``micropulse train``), an
            official PyTorch ``.pth`` (``module.`` prefixes are stripped) or an open-rppg Keras ``.h5`` file.
        random_init: build the model with random weights (for training and tests only; its output is not
            a pulse). Without weights and without this, :class:`~micropulse.errors.WeightsError` says which
            flag to pass and where published weights come from.
        options: builder keywords (e.g. ``{"depth": 2}``); options recorded in the weights' metadata are
            applied too, and a conflicting explicit value raises :class:`~micropulse.errors.WeightsError`.
        device: torch device string.

    Returns:
        A ``torch.nn.Module`` mapping ``(N, D, 3, H, W)`` to ``(N, D')``, with attribute ``weights_info``
        (:class:`~micropulse.rppg.deep.info.WeightsInfo`) that selects its input transform and crop geometry.
    """
    spec = get_spec(name)
    if weights is not None and random_init:
        raise WeightsError(f"model {spec.name!r}: pass either weights or random_init=True, not both")
    if weights is None:
        if not random_init:
            raise WeightsError(missing_weights_message(spec.name))
        model = build_model(spec.name, options)
        n_params = sum(p.numel() for p in model.parameters())
        model.weights_info = spec.default_info.with_(params=n_params, options=tuple((options or {}).items()))
    else:
        model = load_weights_into(spec.name, weights, options=options)
    return model.to(device).eval()
