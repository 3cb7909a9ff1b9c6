"""Instance generators: the paper's two hardness reductions (specs §3.3) and random instances.

Also the brute-force deciders of the source problems (Subset Sum, monotone 1-in-3 SAT), used as the
reference the reductions are checked against.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from micropulse.errors import InputError
from micropulse.trust.debug.instance import Instance
from micropulse.trust.debug.losses import HingeLoss, Ramp, RampSumLoss, as_fraction, create_loss
from micropulse.trust.debug.sgd import replay

# ---------------------------------------------------------------------------------------------------
# Theorem 4.3: Subset Sum -> 2-D hinge-like loss, adversarial order (alpha = eta = 1, gamma = 1).


def subset_sum_instance(
    values: Sequence[int], target: int, beta: Fraction = Fraction(0), *, seed: int | None = None
) -> Instance:
    """The Theorem 4.3 instance: debuggable iff some sub-multiset of ``values`` sums to ``target``.

    Samples (as x*y): ``(1/(n+1), 3 a_i)`` for each value, then ``c = (18 n^2 m^2 - 2, -3 t)``,
    ``b = (1, -1)``, ``a = (1, 1)`` (m = max value); ``w0 = (-18 n^2 m^2, 0)``; test ``x = (1, 0)``, y = +1.
    After c the weights are ``(k/(n+1) - 2, 3 (t' - t))`` for k kept values summing to t'; b is activated
    iff t' >= t (the spec's corrected step), a iff t' <= t, so the first weight ends >= 0 iff t' = t.

    Args:
        values: positive integers (the Subset Sum multiset).
        target: the target sum t >= 0.
        beta: the hinge interception, in [-1, 1] (so gamma = 1 and every number is rational).
        seed: None keeps the value samples in the given order with labels +1; an int shuffles them and
            flips random labels (x -> -x, y -> -y), leaving the c, b, a samples last as the proof needs.
    """
    vals = [int(v) for v in values]
    if not vals or any(v != orig or v < 1 for v, orig in zip(vals, values, strict=True)):
        raise InputError(f"values must be a non-empty list of positive integers, got {list(values)!r}")
    if int(target) != target or target < 0:
        raise InputError(f"target must be an integer >= 0, got {target!r}")
    beta = as_fraction(beta, "beta")
    if not -1 <= beta <= 1:
        raise InputError(f"beta must lie in [-1, 1] (gamma = 1), got {beta}")
    n, m, t = len(vals), max(vals), int(target)
    big = 18 * n * n * m * m
    rng = np.random.default_rng(seed) if seed is not None else None
    order = rng.permutation(n).tolist() if rng is not None else list(range(n))
    xy = [(Fraction(1, n + 1), Fraction(3 * vals[i])) for i in order]
    xy += [(Fraction(big - 2), Fraction(-3 * t)), (Fraction(1), Fraction(-1)), (Fraction(1), Fraction(1))]
    labels = [1] * len(xy)
    if rng is not None:
        labels = [int(s) for s in rng.choice([-1, 1], size=len(xy))]
    X = [[lab * a for a in row] for row, lab in zip(xy, labels, strict=True)]
    return Instance(
        X=X, y=labels, loss=HingeLoss(alpha=1, beta=beta), w0=[Fraction(-big), Fraction(0)], eta=[1, 1],
        eps=0, max_epochs=1, x_test=[1, 0], y_test=1,
    )  # fmt: skip


def subset_sum_yes(values: Sequence[int], target: int) -> bool:
    """Brute-force Subset Sum (the empty subset sums to 0)."""
    sums = {0}
    for v in values:
        sums |= {s + v for s in sums}
    return target in sums


# ---------------------------------------------------------------------------------------------------
# Theorem 3.1: monotone 1-in-3 SAT -> an unfixed (ramp-sum) loss, any training order.


def one_in_three_sat_instance(
    clauses: Sequence[tuple[int, int, int]], n_vars: int, *, seed: int | None = None,
    max_epochs: int = 2, eps: Fraction = Fraction(0),
) -> Instance:  # fmt: skip
    """The Theorem 3.1 instance: debuggable iff some assignment makes exactly one literal true per clause.

    Dimension N = n + 2m + 1 with coordinates (c_1..c_m, x_1..x_n, b_1..b_m, dummy); gadgets
    ``var(i)`` (x_{x_i} = 5) and ``clause(i)`` (x_{c_i} = 1, its literals' x = 1 each, x_{b_i} = 1/2), all
    labelled +1; the loss is the spec's sum of local ramps. A variable repeated in a clause gets its
    multiplicity as coordinate value (so literal occurrences are counted).

    Args:
        clauses: 3-tuples of variable indices (0-based, < n_vars); no negations.
        n_vars: number of variables.
        seed: None = var gadgets then clause gadgets; an int shuffles all samples (the claim is for every
            training order).
        max_epochs, eps: SGD stopping (two epochs suffice; eps > 0 with more epochs also works).
    """
    if int(n_vars) != n_vars or n_vars < 1:
        raise InputError(f"n_vars must be a positive integer, got {n_vars!r}")
    cl = [tuple(int(v) for v in c) for c in clauses]
    if not cl or any(len(c) != 3 or min(c) < 0 or max(c) >= n_vars for c in cl):
        raise InputError(
            f"clauses must be a non-empty list of 3-tuples of variables in [0, {n_vars}), got {clauses!r}"
        )
    n, m = int(n_vars), len(cl)
    N = n + 2 * m + 1
    cx, xx, bx = 0, m, m + n  # the last coordinate is the dummy

    def vec(entries: dict[int, Fraction]) -> list[Fraction]:
        out = [Fraction(0)] * N
        for k, val in entries.items():
            out[k] += val
        return out

    rows = [vec({xx + i: Fraction(5)}) for i in range(n)]
    for i, c in enumerate(cl):
        row = vec({cx + i: Fraction(1), bx + i: Fraction(1, 2)})
        for v in c:
            row[xx + v] += 1
        rows.append(row)
    if seed is not None:
        rows = [rows[k] for k in np.random.default_rng(seed).permutation(len(rows))]
    small = Fraction(1, 100)
    tiny = -Fraction(1, 1000 * N)
    ramps = [
        Ramp(Fraction(-5), small, Fraction(-12 * N, 5)),
        Ramp(Fraction(-1, 2), Fraction(26, 100), Fraction(-1)),
    ]
    ramps += [Ramp(Fraction(c), small, tiny) for c in (-3, -1, 1, 3)]
    w0 = [Fraction(1, 2)] * m + [Fraction(-1)] * n + [Fraction(-1)] * m + [Fraction(1)]
    eta = [Fraction(5)] * m + [Fraction(1, 6 * N)] * n + [Fraction(2000 * N)] * m + [Fraction(1)]
    x_test = [Fraction(1)] * m + [Fraction(0)] * (n + m) + [Fraction(-11 * m + 5, 2)]
    return Instance(
        X=rows, y=[1] * len(rows), loss=RampSumLoss(tuple(ramps)), w0=w0, eta=eta, eps=eps,
        max_epochs=max_epochs, x_test=x_test, y_test=1,
    )  # fmt: skip


def one_in_three_yes(clauses: Sequence[tuple[int, int, int]], n_vars: int) -> bool:
    """Brute-force monotone 1-in-3 SAT: exactly one true literal (occurrence) per clause."""
    for bits in itertools.product((0, 1), repeat=n_vars):
        if all(sum(bits[v] for v in c) == 1 for c in clauses):
            return True
    return False


# ---------------------------------------------------------------------------------------------------
# Random instances.


def random_instance(
    *, n: int = 8, d: int = 2, loss: str = "hinge", alpha: object = 1, beta: object = 0, max_epochs: int = 1,
    eps: object = 0, value_range: int = 3, denominators: Sequence[int] = (1, 2), mispredict: bool = True,
    seed: int = 0,
) -> Instance:  # fmt: skip
    """A random instance with rational values ``k / q`` (|k| <= value_range * q, q in ``denominators``).

    Learning rates are positive values of the same grid. With ``mispredict`` the test label is set to the
    opposite of the full model's prediction (so the question is whether removing samples fixes it).
    """
    if n < 1 or d < 1 or value_range < 1 or not denominators or min(denominators) < 1:
        raise InputError("random_instance needs n, d, value_range >= 1 and positive denominators")
    rng = np.random.default_rng(seed)

    def draw(shape: tuple[int, ...], positive: bool = False) -> list:
        qs = rng.choice(np.asarray(denominators), size=shape)
        ks = rng.integers(-value_range * qs, value_range * qs + 1)
        if positive:
            ks = np.abs(ks) + (ks == 0)
        return np.vectorize(lambda k, q: Fraction(int(k), int(q)), otypes=[object])(ks, qs).tolist()

    lossobj = (
        create_loss(loss, alpha=alpha, beta=beta) if loss != "logistic" else create_loss(loss, alpha=alpha)
    )
    inst = Instance(
        X=draw((n, d)), y=rng.choice([-1, 1], size=n).tolist(), loss=lossobj, w0=draw((d,)),
        eta=draw((d,), positive=True), eps=eps, max_epochs=max_epochs, x_test=draw((d,)), y_test=1,
    )  # fmt: skip
    return mispredicting(inst) if mispredict else inst


def mispredicting(instance: Instance) -> Instance:
    """The same instance with ``y_test`` set against the full model's prediction (so it mispredicts)."""
    full = replay(instance, None, exact=instance.loss.exact)
    return Instance(
        X=instance.X, y=instance.y, loss=instance.loss, w0=instance.w0, eta=instance.eta, eps=instance.eps,
        max_epochs=instance.max_epochs, x_test=instance.x_test, y_test=-1 if full.score >= 0 else 1,
    )  # fmt: skip
