"""The deep rPPG model registry: ``create_model(name, weights=None, options=...)``, ``list_models()``.

Each entry is a :class:`ModelSpec`: a builder taking keyword options, the default input metadata (used
when no weights are given), and the shape rules inference needs (multiple of frames, minimum length).
Builders are imported lazily, so a model file owned by another module (``rhythmmamba.py``) is found by
name only when it is used.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch import nn

from micropulse.errors import InputError
from micropulse.registry import Registry
from micropulse.rppg.deep.info import WeightsInfo

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelSpec:
    """A registered deep rPPG model.

    Attributes:
        name: registry name.
        builder: ``"module:function"`` path of a builder taking keyword-only options.
        description: one line for ``list_models``/``--help``.
        default_info: input metadata used when no weights are given (the published training setup).
        frame_multiple: the output has ``frame_multiple * floor(D / frame_multiple)`` frames.
        min_frames: shortest clip the model accepts, frames.
        spatial_multiple: input height/width must be a multiple of this, pixels.
        whole_sequence: True if the model can run on a whole video at once (no chunking needed).
    """

    name: str
    builder: str
    description: str
    default_info: WeightsInfo
    frame_multiple: int
    min_frames: int
    spatial_multiple: int
    whole_sequence: bool = False

    def load_builder(self) -> Callable[..., nn.Module]:
        module, _, func = self.builder.partition(":")
        return getattr(importlib.import_module(module), func)


MODELS: Registry[ModelSpec] = Registry("deep rPPG model")


def register_model(spec: ModelSpec) -> ModelSpec:
    """Add a model to the registry (once per name)."""
    return MODELS.register(spec.name)(spec)


register_model(
    ModelSpec(
        name="physnet",
        builder="micropulse.rppg.deep.physnet:build_physnet",
        description="PhysNet (rPPG-Toolbox PhysNet_padding_Encoder_Decoder_MAX), 72x72 DiffNormalized, chunk 128",
        default_info=WeightsInfo(
            arch="physnet",
            source="random init",
            training_set=None,
            input_size=72,
            fs=30.0,
            normalisation="DiffNormalized",
            chunk_length=128,
            label_type="DiffNormalized",
        ),
        frame_multiple=4,
        min_frames=8,
        spatial_multiple=8,
    )
)
register_model(
    ModelSpec(
        name="rhythmformer",
        builder="micropulse.rppg.deep.rhythmformer:build_rhythmformer",
        description="RhythmFormer (hierarchical temporal periodic transformer), 128x128 Standardized, chunk 160",
        default_info=WeightsInfo(
            arch="rhythmformer",
            source="random init",
            training_set=None,
            input_size=128,
            fs=30.0,
            normalisation="Standardized",
            chunk_length=160,
        ),
        frame_multiple=8,
        min_frames=24,
        spatial_multiple=16,
    )
)
register_model(
    ModelSpec(
        name="rhythmmamba",
        builder="micropulse.rppg.deep.rhythmmamba:build_rhythmmamba",
        description="RhythmMamba (multi-temporal Mamba + frequency FFN), 128x128 Standardized, chunk 160",
        default_info=WeightsInfo(
            arch="rhythmmamba",
            source="random init",
            training_set=None,
            input_size=128,
            fs=30.0,
            normalisation="Standardized",
            chunk_length=160,
        ),
        frame_multiple=2,
        min_frames=8,
        spatial_multiple=8,
        whole_sequence=True,
    )
)


def list_models() -> list[str]:
    """Names of the registered deep rPPG models."""
    return MODELS.names()


def get_spec(name: str) -> ModelSpec:
    """The :class:`ModelSpec` of a registered model (UnknownNameError lists the known ones)."""
    return MODELS.get(name)


def build_model(name: str, options: Mapping[str, Any] | None = None) -> nn.Module:
    """Build a model with random weights; ``options`` are checked against the builder's keywords."""
    spec = get_spec(name)
    builder = spec.load_builder()
    options = dict(options or {})
    accepted = {
        p.name
        for p in inspect.signature(builder).parameters.values()
        if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
    }
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise InputError(f"{name}: unknown option(s) {unknown}; accepted: {sorted(accepted)}")
    return builder(**options)


def create_model(
    name: str,
    weights: str | Path | None = None,
    *,
    options: Mapping[str, Any] | None = None,
    device: str = "cpu",
) -> nn.Module:
    """Build a registered model, optionally with imported weights, in eval mode.

    Args:
        name: a name from :func:`list_models`.
        weights: a micropulse ``.pt`` (from ``micropulse weights import``), an official PyTorch ``.pth``
            (``module.`` prefixes are stripped) or an open-rppg Keras ``.h5`` file. None: random init.
        options: builder keywords (e.g. ``{"depth": 2}``); options recorded in the weights' metadata are
            applied too, and a conflicting explicit value raises :class:`~micropulse.errors.WeightsError`.
        device: torch device string.

    Returns:
        A ``torch.nn.Module`` mapping ``(N, D, 3, H, W)`` to ``(N, D')``, with attribute ``weights_info``
        (:class:`WeightsInfo`) that selects its input transform.
    """
    spec = get_spec(name)
    if weights is None:
        model = build_model(spec.name, options)
        n_params = sum(p.numel() for p in model.parameters())
        model.weights_info = spec.default_info.with_(params=n_params, options=tuple((options or {}).items()))
    else:
        from micropulse.rppg.deep.weights import load_weights_into

        model = load_weights_into(spec.name, weights, options=options)
    return model.to(device).eval()
