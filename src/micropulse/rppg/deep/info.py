"""Metadata that travels with every set of weights (STYLE.md §2, torchvision ``Weights``).

A :class:`WeightsInfo` says what the weights expect (input size, frame rate, normalisation, chunk length,
and the face-crop geometry they were trained on) and where they come from (source, training set, sha256,
published metric). The input transform is chosen from it (:mod:`micropulse.rppg.deep.transforms`) and the
front end cuts face crops by its :attr:`WeightsInfo.crop`, so a user cannot feed a model the wrong input.

This module is torch-free, so metadata can be read and listed where torch is absent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any

from micropulse.errors import InputError, WeightsError
from micropulse.face.geometry import MICROPULSE, OPENRPPG, TOOLBOX, CropGeometry

logger = logging.getLogger(__name__)

#: Input normalisations (specs/rppg.md §3.3), each implemented once in ``transforms.py``.
#: ``ChannelStandardized`` is open-rppg's: x/255 z-scored per colour channel over each chunk (eps 1e-6).
NORMALISATIONS: tuple[str, ...] = ("DiffNormalized", "Standardized", "ChannelStandardized")

#: What a model outputs: the BVP (``Standardized``) or its first difference (``DiffNormalized``).
LABEL_TYPES: tuple[str, ...] = ("Standardized", "DiffNormalized")

#: How a video longer than one chunk is run through the network (:func:`~micropulse.rppg.deep.predict_bvp`):
#: ``overlap-add`` — chunks overlapping by half, each output z-scored and Hann-weighted (micropulse's rule for
#: the PyTorch checkpoints, whose trainers z-score chunk outputs); ``openrppg`` — open-rppg 0.1.1's own rule
#: for its weights: consecutive chunks, the last one padded with its last frame, raw outputs joined, and the
#: output zeroed on frames without a face (its ``hasface`` mask).
INFERENCE_RULES: tuple[str, ...] = ("overlap-add", "openrppg")
#: ``source`` of weights made by ``build_model`` (no file).
RANDOM_INIT = "random init"
#: ``source`` prefix of checkpoints written by ``micropulse train``.
TRAIN_SOURCE_PREFIX = "micropulse train"
#: ``variant`` of weights made by open-rppg's Keras re-implementation.
OPENRPPG_VARIANT = "openrppg"


def legacy_crop(source: str, variant: str | None) -> CropGeometry:
    """Crop geometry of metadata written before ``crop`` existed (micropulse ``.pt`` files up to 0.1.0).

    Those files came from three importers, recognisable by their other fields: open-rppg ``.h5`` files
    (``variant == "openrppg"``) -> :data:`~micropulse.face.geometry.OPENRPPG`; ``micropulse train``
    checkpoints (``source`` starts with "micropulse train") and random init -> ``MICROPULSE``; every other
    file was an official PyTorch checkpoint (rPPG-Toolbox, RhythmFormer, RhythmMamba: the toolbox pipeline)
    -> ``TOOLBOX``.
    """
    if variant == OPENRPPG_VARIANT:
        return OPENRPPG
    if source == RANDOM_INIT or source.startswith(TRAIN_SOURCE_PREFIX):
        return MICROPULSE
    return TOOLBOX


@dataclass(frozen=True)
class WeightsInfo:
    """What a set of weights is and what input it needs.

    Attributes:
        arch: registered model name (``physnet``, ``rhythmformer``, ``rhythmmamba``).
        source: where the weights come from (file name, package, URL as text) or ``"random init"``.
        training_set: dataset the weights were trained on (``PURE``, ``UBFC-rPPG``...), or None.
        input_size: square face-crop side in pixels (72, 128, 32...).
        fs: frame rate the model was trained at, Hz.
        normalisation: one of :data:`NORMALISATIONS`.
        chunk_length: frames per chunk at training time.
        sha256: hex digest of the imported file, or None for random init.
        params: number of parameters of the model.
        published_metric: a published number for these weights, with its protocol and recipe, or None.
        options: model-construction options the weights need (e.g. ``ffn_full_matrix``), as sorted pairs.
        label_type: what the model was trained to output: ``Standardized`` (the BVP itself) or
            ``DiffNormalized`` (its first difference; inference integrates it: cumsum + detrend, as the
            toolbox's post-processing does, §4.1).
        variant: None for the official network; ``"openrppg"`` for weights made by open-rppg's Keras
            re-implementation, whose numerical differences are applied by ``openrppg.adapt_model``.
        crop: how the face crops the weights were trained on were cut from the frames
            (:class:`~micropulse.face.geometry.CropGeometry`). Set by every importer: rPPG-Toolbox and
            official RhythmFormer/RhythmMamba checkpoints ``TOOLBOX``, open-rppg ``.h5`` files ``OPENRPPG``,
            ``micropulse train`` checkpoints and random init ``MICROPULSE`` (or what the training config
            says). The default here is ``MICROPULSE``; metadata read from older files without the field
            gets :func:`legacy_crop`.
        inference: how a long video is run through the network, one of :data:`INFERENCE_RULES` (open-rppg
            ``.h5`` files: ``openrppg``; everything else ``overlap-add``). Metadata without the field gets
            ``openrppg`` for open-rppg weights and ``overlap-add`` otherwise.
    """

    arch: str
    source: str
    training_set: str | None
    input_size: int
    fs: float
    normalisation: str
    chunk_length: int
    sha256: str | None = None
    params: int | None = None
    published_metric: str | None = None
    options: tuple[tuple[str, Any], ...] = field(default_factory=tuple)
    label_type: str = "Standardized"
    variant: str | None = None
    crop: CropGeometry = MICROPULSE
    inference: str = "overlap-add"

    def __post_init__(self) -> None:
        if not isinstance(self.crop, CropGeometry):
            raise WeightsError(f"crop must be a CropGeometry, got {type(self.crop).__name__}")
        if self.normalisation not in NORMALISATIONS:
            raise WeightsError(
                f"unknown normalisation {self.normalisation!r}; known: {', '.join(NORMALISATIONS)}"
            )
        if self.inference not in INFERENCE_RULES:
            raise WeightsError(f"unknown inference rule {self.inference!r}; known: {', '.join(INFERENCE_RULES)}")
        if self.label_type not in LABEL_TYPES:
            raise WeightsError(f"unknown label type {self.label_type!r}; known: {', '.join(LABEL_TYPES)}")
        if self.input_size <= 0 or self.chunk_length <= 0 or self.fs <= 0:
            raise WeightsError(
                f"weights metadata needs positive input_size, chunk_length and fs; got "
                f"{self.input_size}, {self.chunk_length}, {self.fs}"
            )
        object.__setattr__(self, "options", tuple(sorted((str(k), v) for k, v in dict(self.options).items())))

    @property
    def option_dict(self) -> dict[str, Any]:
        """The model options as a dict (keyword arguments of the model builder)."""
        return dict(self.options)

    def with_(self, **changes: Any) -> WeightsInfo:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (options as a mapping, crop as :meth:`CropGeometry.to_dict`)."""
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        out["options"] = self.option_dict
        out["crop"] = self.crop.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WeightsInfo:
        """Inverse of :meth:`to_dict`; unknown keys are rejected with a :class:`WeightsError`.

        Metadata without ``crop`` (files written before it existed) gets :func:`legacy_crop`.
        """
        known = set(cls.__dataclass_fields__)
        extra = set(data) - known
        if extra:
            raise WeightsError(f"weights metadata has unknown fields {sorted(extra)}")
        data = dict(data)
        data["options"] = tuple(dict(data.get("options") or {}).items())
        if data.get("inference") is None:
            data["inference"] = "openrppg" if data.get("variant") == OPENRPPG_VARIANT else "overlap-add"
        try:
            if data.get("crop") is None:
                data["crop"] = legacy_crop(str(data.get("source", "")), data.get("variant"))
                logger.info("weights metadata has no crop geometry; using %r", data["crop"].convention)
            elif not isinstance(data["crop"], CropGeometry):
                data["crop"] = CropGeometry.from_dict(dict(data["crop"]))
            return cls(**data)
        except TypeError as exc:
            raise WeightsError(f"weights metadata is incomplete: {exc}") from None
        except InputError as exc:
            raise WeightsError(f"weights metadata has a bad crop geometry: {exc.message}") from None
