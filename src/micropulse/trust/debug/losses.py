"""Losses given by their derivative in the margin z = y * w.x (specs/trust-and-vatmart.md §3.1).

SGD only ever needs ``dL/dz``: a sample is *activated* when the slope is nonzero, and its update is
``w <- w - slope(z) * eta ⊙ (y * x)``. Every loss here except the logistic one has a piecewise-constant
slope with rational values and breakpoints, so it can be replayed exactly in :class:`fractions.Fraction`
arithmetic; ``breakpoints`` lists the z values where the slope jumps (the float replay flags margins near
them for an exact re-check).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

import numpy as np

from micropulse.errors import InputError
from micropulse.registry import Registry

Number = Fraction | float


class Loss(Protocol):
    """What SGD replay needs from a loss (all values unitless; z is the signed margin y * w.x)."""

    name: str
    exact: bool  # True when slope() is exact on Fractions (piecewise constant, rational)

    def slope(self, z: Number) -> Number: ...

    def slope_array(self, z: np.ndarray) -> np.ndarray: ...

    def breakpoints(self) -> tuple[Fraction, ...]: ...

    def max_abs_slope(self) -> Fraction: ...

    def to_dict(self) -> dict: ...


def as_fraction(value: object, what: str) -> Fraction:
    """An exact rational from an int, Fraction, float (its exact binary value) or decimal string."""
    if isinstance(value, bool):
        raise InputError(f"{what} must be a number, got a bool")
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(float(value)):
            raise InputError(f"{what} must be finite, got {value}")
        return Fraction(float(value))
    if isinstance(value, np.integer):
        return Fraction(int(value))
    if isinstance(value, str):
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise InputError(f"{what} must be a number, got {value!r}") from None
    raise InputError(f"{what} must be a number, got {type(value).__name__}")


@dataclass(frozen=True)
class LinearLoss:
    """``L(z) = -alpha * (z + beta)``: every sample is always activated (slope -alpha)."""

    alpha: Fraction = Fraction(1)
    beta: Fraction = Fraction(0)
    name: str = "linear"
    exact: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "alpha", as_fraction(self.alpha, "alpha"))
        object.__setattr__(self, "beta", as_fraction(self.beta, "beta"))
        if self.alpha <= 0:
            raise InputError(f"alpha must be > 0, got {self.alpha}")

    def slope(self, z: Number) -> Number:
        return -self.alpha if isinstance(z, Fraction) else -float(self.alpha)

    def slope_array(self, z: np.ndarray) -> np.ndarray:
        return np.full(np.shape(z), -float(self.alpha))

    def breakpoints(self) -> tuple[Fraction, ...]:
        return ()

    def max_abs_slope(self) -> Fraction:
        return self.alpha

    def to_dict(self) -> dict:
        return {"name": self.name, "alpha": str(self.alpha), "beta": str(self.beta)}


@dataclass(frozen=True)
class HingeLoss:
    """Hinge-like: ``L(z) = -alpha * (z + beta)`` if ``z < beta`` else 0; activated iff z < beta (strict)."""

    alpha: Fraction = Fraction(1)
    beta: Fraction = Fraction(0)
    name: str = "hinge"
    exact: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "alpha", as_fraction(self.alpha, "alpha"))
        object.__setattr__(self, "beta", as_fraction(self.beta, "beta"))
        if self.alpha <= 0:
            raise InputError(f"alpha must be > 0, got {self.alpha}")

    def slope(self, z: Number) -> Number:
        if isinstance(z, Fraction):
            return -self.alpha if z < self.beta else Fraction(0)
        return -float(self.alpha) if z < float(self.beta) else 0.0

    def slope_array(self, z: np.ndarray) -> np.ndarray:
        return np.where(z < float(self.beta), -float(self.alpha), 0.0)

    def breakpoints(self) -> tuple[Fraction, ...]:
        return (self.beta,)

    def max_abs_slope(self) -> Fraction:
        return self.alpha

    def to_dict(self) -> dict:
        return {"name": self.name, "alpha": str(self.alpha), "beta": str(self.beta)}


@dataclass(frozen=True)
class Ramp:
    """A local ramp: slope ``slope`` on the open interval (center - half_width, center + half_width)."""

    center: Fraction
    half_width: Fraction
    slope: Fraction


@dataclass(frozen=True)
class RampSumLoss:
    """A sum of local ramps (the loss of Theorem 3.1): dL/dz is the sum of the slopes of the ramps whose
    open interval contains z, 0 elsewhere."""

    ramps: tuple[Ramp, ...]
    name: str = "ramp-sum"
    exact: bool = True

    def __post_init__(self) -> None:
        ramps = tuple(
            Ramp(as_fraction(r.center, "ramp center"), as_fraction(r.half_width, "ramp half-width"),
                 as_fraction(r.slope, "ramp slope"))
            for r in self.ramps
        )  # fmt: skip
        if not ramps or any(r.half_width <= 0 for r in ramps):
            raise InputError("a ramp-sum loss needs at least one ramp, each with half_width > 0")
        object.__setattr__(self, "ramps", ramps)

    def slope(self, z: Number) -> Number:
        if isinstance(z, Fraction):
            return sum((r.slope for r in self.ramps if abs(z - r.center) < r.half_width), Fraction(0))
        return float(
            sum(float(r.slope) for r in self.ramps if abs(z - float(r.center)) < float(r.half_width))
        )

    def slope_array(self, z: np.ndarray) -> np.ndarray:
        out = np.zeros(np.shape(z))
        for r in self.ramps:
            out += np.where(np.abs(z - float(r.center)) < float(r.half_width), float(r.slope), 0.0)
        return out

    def breakpoints(self) -> tuple[Fraction, ...]:
        return tuple(sorted({r.center + s * r.half_width for r in self.ramps for s in (-1, 1)}))

    def max_abs_slope(self) -> Fraction:
        return sum((abs(r.slope) for r in self.ramps), Fraction(0))

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "ramps": [[str(r.center), str(r.half_width), str(r.slope)] for r in self.ramps],
        }


@dataclass(frozen=True)
class LogisticLoss:
    """``L(z) = alpha * log(1 + exp(-z))``, slope ``-alpha / (1 + exp(z))``: never zero, irrational, so
    float-only (exact solvers refuse it; heuristics and the float replay accept it)."""

    alpha: Fraction = Fraction(1)
    name: str = "logistic"
    exact: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "alpha", as_fraction(self.alpha, "alpha"))
        if self.alpha <= 0:
            raise InputError(f"alpha must be > 0, got {self.alpha}")

    def slope(self, z: Number) -> Number:
        if isinstance(z, Fraction):
            raise InputError("the logistic loss is float-only: replay it with exact=False")
        return -float(self.alpha) * _expit(-float(z))

    def slope_array(self, z: np.ndarray) -> np.ndarray:
        from scipy.special import expit

        return -float(self.alpha) * expit(-np.asarray(z, dtype=float))

    def breakpoints(self) -> tuple[Fraction, ...]:
        return ()

    def max_abs_slope(self) -> Fraction:
        return self.alpha

    def to_dict(self) -> dict:
        return {"name": self.name, "alpha": str(self.alpha)}


def _expit(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t)) if t >= 0 else math.exp(t) / (1.0 + math.exp(t))


LOSSES: Registry[type] = Registry("loss")
LOSSES.register("linear")(LinearLoss)
LOSSES.register("hinge")(HingeLoss)
LOSSES.register("logistic")(LogisticLoss)


def list_losses() -> list[str]:
    """Names accepted by :func:`create_loss` (the ramp sum is built by the Theorem 3.1 generator)."""
    return LOSSES.names()


def create_loss(name: str, *, alpha: object = 1, beta: object = 0) -> Loss:
    """A loss by name: ``linear`` / ``hinge`` take alpha and beta, ``logistic`` takes alpha only."""
    cls = LOSSES.get(name)
    if cls is LogisticLoss:
        return LogisticLoss(alpha=alpha)
    return cls(alpha=alpha, beta=beta)
