"""The deep rPPG model registry: ``list_models()``, ``get_spec(name)``, ``build_model(name, options)``.

Each entry is a :class:`ModelSpec`: a builder named as ``"module:function"`` (imported only when a model is
built, so listing models needs no torch), the default input metadata of a randomly initialised model, and the
shape rules inference needs (multiple of frames, minimum length). Models with trained weights are made by
:func:`micropulse.rppg.deep.create_model` (``factory.py``), which refuses to run without weights unless
random initialisation is asked for.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from micropulse.errors import InputError
from micropulse.face.geometry import MICROPULSE
from micropulse.registry import Registry, resolve
from micropulse.rppg.deep.info import RANDOM_INIT, WeightsInfo

if TYPE_CHECKING:  # torch is needed only to build a model
    from torch import nn

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelSpec:
    """A registered deep rPPG model.

    Attributes:
        name: registry name.
        builder: ``"module:function"`` path of a builder taking keyword-only options.
        description: one line for ``list_models``/``--help``.
        default_info: input metadata of a randomly initialised model (the published training setup;
            crop geometry ``MICROPULSE``, the convention ``micropulse train`` uses).
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
        return resolve(self.builder)  # type: ignore[return-value]


MODELS: Registry[ModelSpec] = Registry("deep rPPG model")


def register_model(spec: ModelSpec) -> ModelSpec:
    """Add a model to the registry (once per name)."""
    return MODELS.register(spec.name)(spec)


def _random_init_info(arch: str, **fields: Any) -> WeightsInfo:
    return WeightsInfo(arch=arch, source=RANDOM_INIT, training_set=None, fs=30.0, crop=MICROPULSE, **fields)


register_model(
    ModelSpec(
        name="physnet",
        builder="micropulse.rppg.deep.physnet:build_physnet",
        description="PhysNet (rPPG-Toolbox PhysNet_padding_Encoder_Decoder_MAX), 72x72 DiffNormalized, chunk 128",
        default_info=_random_init_info(
            "physnet", input_size=72, normalisation="DiffNormalized", chunk_length=128, label_type="DiffNormalized"
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
        default_info=_random_init_info(
            "rhythmformer", input_size=128, normalisation="Standardized", chunk_length=160
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
        default_info=_random_init_info(
            "rhythmmamba", input_size=128, normalisation="Standardized", chunk_length=160
        ),
        frame_multiple=2,
        min_frames=8,
        spatial_multiple=8,
        whole_sequence=True,
    )
)


def list_models() -> list[str]:
    """Names of the registered deep rPPG models (no torch needed)."""
    return MODELS.names()


def get_spec(name: str) -> ModelSpec:
    """The :class:`ModelSpec` of a registered model (UnknownNameError lists the known ones)."""
    return MODELS.get(name)


def build_model(name: str, options: Mapping[str, Any] | None = None) -> nn.Module:
    """Build a model with random weights; ``options`` are checked against the builder's keywords.

    This is the building block of training and of weight loading; to run a model on video use
    :func:`micropulse.rppg.deep.create_model` with trained weights.
    """
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
