"""The :class:`Victim` type (a model plus the test inputs it is attacked on) and the victim registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from micropulse.errors import InputError
from micropulse.registry import Registry


@dataclass(frozen=True, eq=False)
class Victim:
    """A classifier and its labelled test inputs.

    Attributes:
        name: how the victim was named (registry name, ``module:callable`` or a file).
        model: numpy callable or torch module, inputs (N, C, H, W) -> logits (N, K).
        x: (N, C, H, W) float test inputs inside ``bounds``.
        y: (N,) integer labels.
        bounds: (lo, hi) valid input range, in input units (the attack clips to it).
        metadata: where the model and data come from, training settings and accuracies.
    """

    name: str
    model: Any
    x: np.ndarray
    y: np.ndarray
    bounds: tuple[float, float] = (0.0, 1.0)
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.x.ndim != 4:
            raise InputError(f"victim {self.name!r}: inputs must be (N, C, H, W), got shape {self.x.shape}")
        if len(self.x) != len(self.y):
            raise InputError(f"victim {self.name!r}: {len(self.x)} inputs but {len(self.y)} labels")
        lo, hi = self.bounds
        if not lo < hi:
            raise InputError(f"victim {self.name!r}: bounds must satisfy lo < hi, got {self.bounds}")
        if len(self.x) and (self.x.min() < lo - 1e-9 or self.x.max() > hi + 1e-9):
            raise InputError(
                f"victim {self.name!r}: inputs span [{self.x.min():g}, {self.x.max():g}], outside the "
                f"bounds [{lo:g}, {hi:g}]"
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "input_shape": list(self.x.shape[1:]), "n_test": int(len(self.x)),
            "bounds": list(self.bounds), "metadata": self.metadata,
        }  # fmt: skip


#: name -> factory(cache_dir=..., seed=...) -> Victim
VICTIMS: Registry[Callable[..., Victim]] = Registry("victim")
