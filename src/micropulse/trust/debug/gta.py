"""GTA ("Good Training-sample Assessment", specs §3.4): keep every *good* sample and replay once.

A sample is good when its update, if activated, raises the test margin: ``y_test * (v_i . x_test) > 0``
with ``v_i = eta ⊙ (y_i x_i)`` (every loss here has slope <= 0). O(n d) scoring plus one replay.

Exact (Theorem 4.1) for the linear loss in any dimension when the number of epochs run cannot depend on
the subset (one epoch, or eps = 0), and (Theorem 4.2) for the 1-D hinge-like loss with beta > 0 and one
epoch. At beta = 0 Theorem 4.2 as stated fails on ties (specs §3.6, :func:`beta_zero_counterexample`).
"""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np

from micropulse.trust.debug.instance import Instance
from micropulse.trust.debug.losses import HingeLoss
from micropulse.trust.debug.result import SolveResult, SolverNotApplicableError
from micropulse.trust.debug.sgd import replay

CLASS_LINEAR = "linear loss, any dimension (Theorem 4.1: GTA is exact)"
CLASS_HINGE_1D = "1-D hinge-like loss, beta > 0, one epoch (Theorem 4.2: GTA is exact)"


def tractable_class(instance: Instance) -> tuple[str | None, str]:
    """(class, reason): the polynomial class the instance is in (None if none) and why."""
    if instance.is_linear:
        if instance.max_epochs == 1 or instance.eps == 0:
            return CLASS_LINEAR, "every sample is always activated, so the final weights are additive"
        return None, "linear loss with eps > 0 and several epochs: the epoch count depends on the subset"
    if instance.is_hinge:
        beta = instance.loss.beta
        if instance.d != 1:
            return None, f"hinge-like loss in d = {instance.d} >= 2 is NP-hard (Theorem 4.3)"
        if instance.max_epochs != 1:
            return None, "Theorem 4.2 covers one epoch only"
        if beta > 0:
            return CLASS_HINGE_1D, "1-D hinge-like loss with beta > 0 and one epoch"
        if beta == 0:
            return None, "beta = 0: Theorem 4.2 fails on ties (specs §3.6); not treated as tractable"
        return None, "1-D hinge-like loss with beta < 0 is NP-hard (Theorem 4.4)"
    return None, f"no polynomial algorithm is known for the {instance.loss.name} loss (Theorem 3.1)"


def good_mask(instance: Instance) -> np.ndarray:
    """Samples whose update raises ``y_test * w.x_test`` when activated."""
    if instance.loss.exact:
        return np.array(
            [
                instance.y_test * sum(a * b for a, b in zip(v, instance.x_test, strict=True)) > 0
                for v in instance.v
            ],
            dtype=bool,
        )
    return instance.y_test * (instance.v_f @ instance.x_test_f) > 0


def fewest_removals_linear(instance: Instance) -> np.ndarray:
    """Linear loss (GTA's class): the margin is ``base + E * sum(c_i)`` over kept samples (E the constant
    epoch count), so removing the most harmful samples first reaches the decision boundary with the fewest
    removals. Returns that keep mask (all harmful samples removed if even that is not enough)."""
    alpha, E = instance.loss.max_abs_slope(), instance.max_epochs
    contrib = [
        E * alpha * instance.y_test * sum(a * b for a, b in zip(v, instance.x_test, strict=True))
        for v in instance.v
    ]
    margin = instance.y_test * sum(a * b for a, b in zip(instance.w0, instance.x_test, strict=True)) + sum(
        contrib
    )
    keep = np.ones(instance.n, dtype=bool)
    for i in sorted((i for i in range(instance.n) if contrib[i] < 0), key=lambda i: contrib[i]):
        if margin > 0 or (margin == 0 and instance.y_test == 1):
            break
        keep[i] = False
        margin -= contrib[i]
    return keep


def gta(instance: Instance, *, check_class: bool = True, minimize_removals: bool = False) -> SolveResult:
    """Run GTA. With ``check_class`` (the exact solver), refuse instances outside its tractable classes;
    without it (the "good samples" heuristic) run the rule anyway and report the answer as not exact.
    ``minimize_removals`` (linear loss only) returns the certificate that removes the fewest samples
    instead of GTA's "keep only good samples"."""
    t0 = time.perf_counter()
    cls, reason = tractable_class(instance)
    if check_class and cls is None:
        raise SolverNotApplicableError(f"GTA is not exact here: {reason}")
    keep = good_mask(instance)
    if minimize_removals and cls == CLASS_LINEAR:
        keep = fewest_removals_linear(instance)
    rep = replay(instance, keep, exact=instance.loss.exact)
    name = "gta" if check_class else "good_samples"
    work = {"samples_scored": instance.n, "replays": 1, "seconds": time.perf_counter() - t0}
    notes = (reason,) if cls is not None else (f"GTA rule used outside its exact classes: {reason}",)
    if rep.correct:
        return SolveResult(name, True, keep, instance.loss.exact, work, cls, notes, rep)
    return SolveResult(name, False, None, cls is not None, work, cls, notes)


def beta_zero_counterexample() -> Instance:
    """The spec's §3.6 tie case where Theorem 4.2 fails at beta = 0 (1-D hinge, alpha = eta = 1).

    w0 = 17/5; samples (-17/5, +1) then (-10, +1); x_test = 1, y_test = -1. Keeping both good samples
    drives w to exactly 0, after which nothing activates (z = 0 is not < 0) and the tie predicts +1
    (wrong); keeping only (-10, +1) gives w = -33/5 (right). So GTA answers "no" on a yes-instance.
    """
    return Instance(
        X=[[Fraction(-17, 5)], [Fraction(-10)]], y=[1, 1], loss=HingeLoss(alpha=1, beta=0),
        w0=[Fraction(17, 5)], eta=[1], eps=0, max_epochs=1, x_test=[1], y_test=-1,
    )  # fmt: skip
