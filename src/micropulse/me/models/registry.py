"""The micro-expression model registry: ``list_models()``, ``get_spec(name)``, ``build_model(name, options)``.

Each entry is an :class:`MEModelSpec`: the model class as ``"module:Class"`` (imported only when a model is
built, so listing names needs no torch) and the ROI set its features use. ``"me-tst-plus"`` is accepted for
``"me-tst+"`` (a name without ``+`` for file names and shells). Models with weights are made by
:func:`micropulse.me.create_model` (``factory.py``).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from micropulse.errors import InputError
from micropulse.registry import Registry, resolve

if TYPE_CHECKING:  # torch is needed only to build a model
    from torch import nn


@dataclass(frozen=True)
class MEModelSpec:
    """A registered micro-expression model.

    Attributes:
        name: registry name.
        builder: ``"module:Class"`` of the network; its keyword arguments are the model options.
        roi_set: the feature ROI set the model reads (:mod:`micropulse.me.rois`).
        description: one line for listings and ``--help``.
    """

    name: str
    builder: str
    roi_set: str
    description: str


MODELS: Registry[MEModelSpec] = Registry("micro-expression model")


def register_model(spec: MEModelSpec, aliases: tuple[str, ...] = ()) -> MEModelSpec:
    """Add a model to the registry (once per name)."""
    return MODELS.register(spec.name, aliases=aliases)(spec)


register_model(
    MEModelSpec(
        "me-tst", "micropulse.me.models.metst:METST", "me-tst",
        "ME-TST (Net_Mamba): 10 ROI flow channels -> per-frame spot score + 5 emotion logits",
    )
)  # fmt: skip
register_model(
    MEModelSpec(
        "me-tst+", "micropulse.me.models.metst_sf:METSTSlowFast", "me-tst+",
        "ME-TST+ (METST_SF): 36 ROI flow channels, slow-fast Mamba -> spot score + 5 emotion logits",
    ),
    aliases=("me-tst-plus",),
)  # fmt: skip


def list_models() -> list[str]:
    """Names of the registered micro-expression models (no torch needed)."""
    return MODELS.names()


def get_spec(name: str) -> MEModelSpec:
    """The :class:`MEModelSpec` of ``name`` or an alias (UnknownNameError lists the known ones)."""
    return MODELS.get(name)


def build_model(name: str, options: dict[str, Any] | None = None) -> nn.Module:
    """Build a model with random weights; ``options`` are its constructor's keyword arguments (none = the
    official configuration). Unknown option names are rejected with an :class:`InputError`."""
    spec = get_spec(name)
    cls = resolve(spec.builder)
    options = dict(options or {})
    known = set(inspect.signature(cls).parameters)
    unknown = sorted(set(options) - known)
    if unknown:
        raise InputError(
            f"unknown option(s) for {spec.name!r}: {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return cls(**options)  # type: ignore[operator]
