"""``micropulse.me.create_model(name, weights=FILE)``: an ME-TST / ME-TST+ network with its weights.

The same call as :func:`micropulse.rppg.deep.create_model`: without weights it refuses unless random
initialisation is asked for explicitly (training, tests); ``weights="builtin"`` is the checkpoint shipped
with micropulse (trained on synthetic videos only).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from torch import nn

from micropulse.errors import WeightsError
from micropulse.me.models.registry import build_model, get_spec
from micropulse.me.models.weights import load_weights_into, missing_weights_message, random_info


def create_model(
    name: str,
    weights: str | Path | None = None,
    *,
    random_init: bool = False,
    options: dict[str, Any] | None = None,
    device: str = "cpu",
) -> nn.Module:
    """Build a registered micro-expression model with its weights, in eval mode.

    Args:
        name: a name from :func:`~micropulse.me.list_models` (``me-tst``, ``me-tst+``; ``me-tst-plus`` is
            accepted for ``me-tst+``).
        weights: a ``model.pt`` from ``micropulse train``, an official ME-TST state dict, or ``"builtin"``.
        random_init: build the model with random weights (training and tests only); without weights and
            without this, :class:`~micropulse.errors.WeightsError` says what to pass.
        options: constructor options (none = the official configuration); options recorded in the
            checkpoint are applied too, and a conflicting explicit value is a :class:`WeightsError`.
        device: torch device string.

    Returns:
        A module mapping ``(B, C, k)`` feature windows to ``(spot (B, k) in [0, 1], logits (B, k, 5))``, with
        attribute ``weights_info`` (:class:`~micropulse.me.models.weights.MEWeightsInfo`).
    """
    spec = get_spec(name)
    if weights is not None and random_init:
        raise WeightsError(f"model {spec.name!r}: pass either weights or random_init=True, not both")
    if weights is None:
        if not random_init:
            raise WeightsError(missing_weights_message(spec.name))
        model = build_model(spec.name, options)
        model.weights_info = random_info(spec.name, options)
    else:
        model = load_weights_into(spec.name, weights, options)
    return model.to(device).eval()
