"""Metadata that travels with every set of weights (STYLE.md §2, torchvision ``Weights``).

A :class:`WeightsInfo` says what the weights expect (input size, frame rate, normalisation, chunk length)
and where they come from (source, training set, sha256, published metric). The input transform is chosen
from it (:mod:`micropulse.rppg.deep.transforms`), so a user cannot feed a model the wrong input.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from micropulse.errors import WeightsError

#: Input normalisations (specs/rppg.md §3.3), each implemented once in ``transforms.py``.
#: ``ChannelStandardized`` is open-rppg's: x/255 z-scored per colour channel over each chunk (eps 1e-6).
NORMALISATIONS: tuple[str, ...] = ("DiffNormalized", "Standardized", "ChannelStandardized")

#: What a model outputs: the BVP (``Standardized``) or its first difference (``DiffNormalized``).
LABEL_TYPES: tuple[str, ...] = ("Standardized", "DiffNormalized")


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

    def __post_init__(self) -> None:
        if self.normalisation not in NORMALISATIONS:
            raise WeightsError(
                f"unknown normalisation {self.normalisation!r}; known: {', '.join(NORMALISATIONS)}"
            )
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
        """JSON-ready dict (options as a mapping)."""
        out = asdict(self)
        out["options"] = self.option_dict
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WeightsInfo:
        """Inverse of :meth:`to_dict`; unknown keys are rejected with a :class:`WeightsError`."""
        known = set(cls.__dataclass_fields__)
        extra = set(data) - known
        if extra:
            raise WeightsError(f"weights metadata has unknown fields {sorted(extra)}")
        data = dict(data)
        data["options"] = tuple(dict(data.get("options") or {}).items())
        try:
            return cls(**data)
        except TypeError as exc:
            raise WeightsError(f"weights metadata is incomplete: {exc}") from None
