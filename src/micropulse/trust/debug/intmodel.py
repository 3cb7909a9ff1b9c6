"""The one-epoch hinge/linear DEBUGGABLE problem as an integer linear model (exact integer scaling).

With one epoch and a loss whose slope is -alpha when activated, the weights before sample i are
``w0 + alpha * sum_{j<i} a_j v_j`` where ``a_j`` says "sample j was kept and activated". So the margin of
sample i is linear in the binaries::

    z_i = yx_i . w0 + sum_{j<i} a_j * alpha * (v_j . yx_i)

Hinge activation ``z_i < beta`` becomes, after multiplying by the lcm D_i of all denominators in that row,
the integer constraint ``Z_i = D_i (z_i - beta) <= -1``: the "strictness gap" is exactly 1 after scaling,
which is below the smallest nonzero value |Z_i| can take, so the model is exact. The test condition is
scaled the same way (``S >= 0`` for y_test = +1, ``S <= -1`` for y_test = -1). Dropping a non-activated
sample changes nothing, so ``keep = a`` is a certificate; minimising removals also needs ``k_i`` (kept)
with ``k_i and not a_i => Z_i >= 0``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from micropulse.trust.debug.instance import Instance
from micropulse.trust.debug.result import SolverNotApplicableError


@dataclass(frozen=True)
class IntRow:
    """``const + sum(coef * a_j for j, coef in terms)`` with integer coefficients."""

    const: int
    terms: tuple[tuple[int, int], ...]

    def bounds(self) -> tuple[int, int]:
        """(min, max) of the expression over all 0/1 assignments."""
        lo = self.const + sum(c for _, c in self.terms if c < 0)
        hi = self.const + sum(c for _, c in self.terms if c > 0)
        return lo, hi


@dataclass(frozen=True)
class IntegerModel:
    """Rows of the exact integer model.

    ``activation[i]`` is the scaled ``Z_i`` (None for the linear loss: every kept sample is activated);
    ``test`` the scaled test score S; ``test_needs_negative`` True when y_test = -1 (S <= -1), else S >= 0.
    """

    n: int
    activation: tuple[IntRow | None, ...]
    test: IntRow
    test_needs_negative: bool

    def max_abs_coefficient(self) -> int:
        rows = [r for r in self.activation if r is not None] + [self.test]
        return max([abs(r.const) for r in rows] + [abs(c) for r in rows for _, c in r.terms] + [1])


def _scaled(const: Fraction, terms: list[tuple[int, Fraction]]) -> IntRow:
    den = const.denominator
    for _, c in terms:
        den = den * c.denominator // math.gcd(den, c.denominator)
    return IntRow(int(const * den), tuple((j, int(c * den)) for j, c in terms if c != 0))


def milp_applicable(instance: Instance) -> tuple[bool, str]:
    """(ok, reason): the integer model covers one-epoch hinge-like and linear losses in any dimension."""
    if not (instance.is_hinge or instance.is_linear):
        return False, f"the MILP covers hinge-like and linear losses only, not {instance.loss.name}"
    if instance.max_epochs != 1:
        return False, "the MILP covers one epoch only (max_epochs = 1)"
    return True, "one-epoch hinge-like/linear loss: the margins are linear in the keep/activation binaries"


def build_integer_model(instance: Instance) -> IntegerModel:
    """Build the exact integer model (raises :class:`SolverNotApplicableError` outside its class)."""
    ok, reason = milp_applicable(instance)
    if not ok:
        raise SolverNotApplicableError(reason)
    alpha = instance.loss.max_abs_slope()
    beta = instance.loss.beta
    yx, v, w0 = instance.yx, instance.v, instance.w0

    def dot(a: tuple[Fraction, ...], b: tuple[Fraction, ...]) -> Fraction:
        return sum((p * q for p, q in zip(a, b, strict=True)), Fraction(0))

    rows: list[IntRow | None] = []
    for i in range(instance.n):
        if instance.is_linear:
            rows.append(None)
            continue
        terms = [(j, alpha * dot(v[j], yx[i])) for j in range(i)]
        rows.append(_scaled(dot(w0, yx[i]) - beta, terms))
    test = _scaled(
        dot(w0, instance.x_test), [(j, alpha * dot(v[j], instance.x_test)) for j in range(instance.n)]
    )
    return IntegerModel(instance.n, tuple(rows), test, instance.y_test == -1)
