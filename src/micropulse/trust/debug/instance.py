"""A DEBUGGABLE instance: training data in order, a loss, SGD settings and one test point.

Values are stored exactly (``fractions.Fraction``; a float becomes its exact binary value, a decimal
string its decimal value) and, for the float replay, as float64 arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

import numpy as np

from micropulse.errors import InputError
from micropulse.trust.debug.losses import HingeLoss, LinearLoss, Loss, as_fraction

LABELS = (-1, 1)


def _vector(values: object, d: int | None, what: str) -> tuple[Fraction, ...]:
    arr = values.tolist() if isinstance(values, np.ndarray) else values
    if not isinstance(arr, Sequence) or isinstance(arr, str):
        arr = [arr]
    out = tuple(as_fraction(v, f"{what}[{j}]") for j, v in enumerate(arr))
    if d is not None and len(out) != d:
        raise InputError(f"{what} has {len(out)} entries, expected {d} (the feature dimension)")
    return out


def _label(value: object, what: str) -> int:
    try:
        lab = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise InputError(f"{what} must be -1 or +1, got {value!r}") from None
    if lab not in LABELS or lab != value:
        raise InputError(f"{what} must be -1 or +1, got {value!r}")
    return lab


@dataclass(frozen=True, eq=False)
class Instance:
    """An input of DEBUGGABLE-LIN (specs §3.1).

    Args:
        X: training features, n rows of d numbers, in training order (a multiset: rows may repeat).
        y: n labels in {-1, +1}.
        loss: a loss from :mod:`micropulse.trust.debug.losses`.
        w0: initial weights (d numbers).
        eta: learning rate per coordinate (d numbers > 0, or one number for all).
        eps: stop after epoch e when the Euclidean norm of w(e-1) - w(e) is < eps (0: never stop early).
        max_epochs: epoch cap (>= 1).
        x_test: the test point (d numbers); y_test its label in {-1, +1}.

    The classifier has no bias and predicts +1 when w.x >= 0 (ties go to +1).
    """

    X: tuple[tuple[Fraction, ...], ...]
    y: tuple[int, ...]
    loss: Loss
    w0: tuple[Fraction, ...]
    eta: tuple[Fraction, ...]
    eps: Fraction
    max_epochs: int
    x_test: tuple[Fraction, ...]
    y_test: int

    def __post_init__(self) -> None:
        rows = self.X.tolist() if isinstance(self.X, np.ndarray) else list(self.X)
        if len(rows) == 0:
            raise InputError("the training set is empty")
        first = rows[0].tolist() if isinstance(rows[0], np.ndarray) else rows[0]
        d = len(first) if isinstance(first, Sequence) and not isinstance(first, str) else 1
        if d == 0:
            raise InputError("samples have no features")
        X = tuple(_vector(r, d, f"X[{i}]") for i, r in enumerate(rows))
        ys = self.y.tolist() if isinstance(self.y, np.ndarray) else list(self.y)
        if len(ys) != len(X):
            raise InputError(f"y has {len(ys)} labels for {len(X)} samples")
        y = tuple(_label(v, f"y[{i}]") for i, v in enumerate(ys))
        eta = _vector(self.eta, None, "eta")
        if len(eta) == 1:
            eta = eta * d
        if len(eta) != d:
            raise InputError(f"eta has {len(eta)} entries, expected 1 or {d}")
        if any(e <= 0 for e in eta):
            raise InputError(
                f"the learning rate must be > 0 in every coordinate, got {[str(e) for e in eta]}"
            )
        eps = as_fraction(self.eps, "eps")
        if eps < 0:
            raise InputError(f"eps must be >= 0, got {eps}")
        if not isinstance(self.max_epochs, (int, np.integer)) or int(self.max_epochs) < 1:
            raise InputError(f"max_epochs must be an integer >= 1, got {self.max_epochs!r}")
        for name, value in (
            ("X", X), ("y", y), ("w0", _vector(self.w0, d, "w0")), ("eta", eta), ("eps", eps),
            ("max_epochs", int(self.max_epochs)), ("x_test", _vector(self.x_test, d, "x_test")),
            ("y_test", _label(self.y_test, "y_test")),
        ):  # fmt: skip
            object.__setattr__(self, name, value)

    # ---- shape --------------------------------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of training samples."""
        return len(self.X)

    @property
    def d(self) -> int:
        """Feature dimension."""
        return len(self.w0)

    # ---- exact precomputations ----------------------------------------------------------------------
    @cached_property
    def yx(self) -> tuple[tuple[Fraction, ...], ...]:
        """``y_i * x_i`` per sample (z_i = w . yx_i)."""
        return tuple(tuple(yi * v for v in row) for row, yi in zip(self.X, self.y, strict=True))

    @cached_property
    def v(self) -> tuple[tuple[Fraction, ...], ...]:
        """``eta ⊙ (y_i * x_i)`` per sample: the update is ``w <- w - slope(z) * v_i``."""
        return tuple(tuple(e * a for e, a in zip(self.eta, row, strict=True)) for row in self.yx)

    # ---- float64 copies -----------------------------------------------------------------------------
    @cached_property
    def yx_f(self) -> np.ndarray:
        return np.array([[float(a) for a in row] for row in self.yx], dtype=np.float64).reshape(
            self.n, self.d
        )

    @cached_property
    def v_f(self) -> np.ndarray:
        return np.array([[float(a) for a in row] for row in self.v], dtype=np.float64).reshape(self.n, self.d)

    @cached_property
    def w0_f(self) -> np.ndarray:
        return np.array([float(a) for a in self.w0], dtype=np.float64)

    @cached_property
    def x_test_f(self) -> np.ndarray:
        return np.array([float(a) for a in self.x_test], dtype=np.float64)

    # ---- classes ------------------------------------------------------------------------------------
    @property
    def is_linear(self) -> bool:
        return isinstance(self.loss, LinearLoss)

    @property
    def is_hinge(self) -> bool:
        return isinstance(self.loss, HingeLoss)

    def with_order(self, order: Sequence[int]) -> Instance:
        """The same instance with the training samples in ``order`` (a permutation of range(n))."""
        if sorted(order) != list(range(self.n)):
            raise InputError(f"order must be a permutation of range({self.n})")
        return Instance(
            X=tuple(self.X[i] for i in order), y=tuple(self.y[i] for i in order), loss=self.loss,
            w0=self.w0, eta=self.eta, eps=self.eps, max_epochs=self.max_epochs, x_test=self.x_test,
            y_test=self.y_test,
        )  # fmt: skip

    def to_dict(self) -> dict:
        """JSON-ready description (numbers as exact strings)."""
        return {
            "n": self.n, "d": self.d, "loss": self.loss.to_dict(),
            "w0": [str(a) for a in self.w0], "eta": [str(a) for a in self.eta], "eps": str(self.eps),
            "max_epochs": self.max_epochs, "x_test": [str(a) for a in self.x_test], "y_test": self.y_test,
        }  # fmt: skip


def as_mask(instance: Instance, keep: object) -> np.ndarray:
    """A boolean keep mask of length n (None = keep everything)."""
    if keep is None:
        return np.ones(instance.n, dtype=bool)
    mask = np.asarray(keep)
    if mask.shape != (instance.n,):
        raise InputError(f"keep mask has shape {mask.shape}, expected ({instance.n},)")
    if mask.dtype != bool:
        if not np.isin(mask, (0, 1)).all():
            raise InputError("keep mask must hold booleans (or 0/1)")
        mask = mask.astype(bool)
    return mask
