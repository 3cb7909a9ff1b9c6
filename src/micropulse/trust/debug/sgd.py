"""SGD replay of one keep mask, exactly (Fraction) or in float64, and the certificate check ``verify``.

One step on sample i with margin ``z = y_i * w.x_i``: ``w <- w - slope(z) * eta ⊙ (y_i * x_i)``; a sample
with slope 0 is not activated. Epochs repeat the kept samples in their original relative order; after
epoch e the run stops when ``||w(e-1) - w(e)|| < eps`` (Euclidean) or at ``max_epochs``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from micropulse.errors import InputError
from micropulse.trust.debug.instance import Instance, as_mask


@dataclass(frozen=True)
class Replay:
    """The model retrained on one subset.

    ``w`` are the final weights, ``score = w.x_test`` (the prediction is +1 iff score >= 0), ``margin`` is
    ``y_test * score``, ``correct`` whether the prediction equals y_test, ``epochs`` the epochs run and
    ``activations`` the number of nonzero-gradient steps.
    """

    w: tuple
    score: Fraction | float
    correct: bool
    epochs: int
    activations: int
    exact: bool
    y_test: int
    slope_sums: tuple | None = None  # per sample: sum over epochs of dL/dz at its steps (record=True)

    @property
    def margin(self) -> Fraction | float:
        return self.y_test * self.score

    def to_dict(self) -> dict:
        conv = str if self.exact else float
        return {
            "w": [conv(a) for a in self.w], "score": conv(self.score), "correct": self.correct,
            "margin": conv(self.margin), "epochs": self.epochs, "activations": self.activations,
            "exact": self.exact,
        }  # fmt: skip


def is_correct(score: Fraction | float, y_test: int) -> bool:
    """Prediction (+1 iff score >= 0, ties go to +1) equals y_test."""
    return (score >= 0) == (y_test == 1)


def replay(instance: Instance, keep: object = None, *, exact: bool = True, record: bool = False) -> Replay:
    """Retrain on the kept samples and return the final model.

    Args:
        instance: the problem.
        keep: boolean mask of length n (None = all samples).
        exact: Fraction arithmetic (exact; needs a loss with ``exact=True``) or float64.
        record: also return, per sample, the sum of its slopes over the epochs (0 when never activated).
    """
    mask = as_mask(instance, keep)
    if exact and not instance.loss.exact:
        raise InputError(f"the {instance.loss.name} loss is float-only: replay it with exact=False")
    idx = np.flatnonzero(mask).tolist()
    if exact:
        w = list(instance.w0)
        yx, v, zero = instance.yx, instance.v, Fraction(0)
        xt = instance.x_test
        eps2 = instance.eps * instance.eps
    else:
        w = [float(a) for a in instance.w0]
        yx = instance.yx_f.tolist()
        v = instance.v_f.tolist()
        zero = 0.0
        xt = instance.x_test_f.tolist()
        eps2 = float(instance.eps) ** 2
    slope = instance.loss.slope
    d = instance.d
    activations = 0
    epochs = 0
    sums = [zero] * instance.n if record else None
    for _ in range(instance.max_epochs):
        epochs += 1
        start = list(w)
        for i in idx:
            row = yx[i]
            z = zero
            for j in range(d):
                z += w[j] * row[j]
            s = slope(z)
            if s != 0:
                activations += 1
                if sums is not None:
                    sums[i] += s
                vi = v[i]
                for j in range(d):
                    w[j] -= s * vi[j]
        if eps2 > 0 and sum((a - b) * (a - b) for a, b in zip(start, w, strict=True)) < eps2:
            break
    score = zero
    for j in range(d):
        score += w[j] * xt[j]
    return Replay(
        tuple(w),
        score,
        is_correct(score, instance.y_test),
        epochs,
        activations,
        exact,
        instance.y_test,
        None if sums is None else tuple(sums),
    )


def verify(instance: Instance, keep_mask: object) -> bool:
    """Certificate check: does SGD on the kept samples predict y_test on x_test?

    Exact (Fraction) for every loss that allows it; float64 for the logistic loss. Polynomial time:
    one replay, O(max_epochs * n * d).
    """
    if keep_mask is None:
        raise InputError("verify needs a keep mask (a boolean array of length n)")
    return replay(instance, keep_mask, exact=instance.loss.exact).correct
