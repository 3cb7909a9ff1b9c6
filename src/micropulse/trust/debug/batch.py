"""Float64 SGD replay of many keep masks at once, with a rigorous "may differ from exact" flag.

The training order forces a loop over samples, but every mask advances together (vectorised over masks);
for the linear loss the whole epoch is one matrix product. Each mask carries a running bound on its
rounding error (standard forward error analysis, with a safety factor); a mask whose margin comes within
that bound of a slope breakpoint, of the epsilon threshold or of the decision boundary is flagged
``uncertain`` and must be re-checked exactly. When every number is dyadic and small enough, float64
arithmetic is itself exact and no mask is flagged.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from micropulse.errors import InputError
from micropulse.trust.debug.instance import Instance
from micropulse.trust.debug.losses import LinearLoss, RampSumLoss

UNIT_ROUNDOFF = 2.0**-53
SAFETY = 8.0  # multiplies every error bound
FLOAT_MANTISSA_BITS = 53


@dataclass(frozen=True)
class BatchReplay:
    """Per-mask results: ``score = w.x_test``, ``correct`` (prediction == y_test), ``uncertain``
    (the float result may differ from the exact one: re-check with :func:`~micropulse.trust.debug.sgd.replay`)."""

    score: np.ndarray
    correct: np.ndarray
    uncertain: np.ndarray
    margin: np.ndarray


def _dyadic_exponent(q: Fraction) -> int | None:
    """k such that q * 2**k is an integer (None if the denominator is not a power of two)."""
    den = q.denominator
    if den & (den - 1):
        return None
    return den.bit_length() - 1


def _slope_values(instance: Instance) -> list[Fraction]:
    loss = instance.loss
    if isinstance(loss, RampSumLoss):
        return [r.slope for r in loss.ramps]
    return [loss.max_abs_slope()]


_EXACT_CACHE: weakref.WeakKeyDictionary[Instance, bool] = weakref.WeakKeyDictionary()


def float_is_exact(instance: Instance) -> bool:
    """True when float64 replay of this instance is exact for every mask (all numbers dyadic, every
    intermediate value an integer multiple of a fixed power of two below 2**53 in magnitude)."""
    if instance not in _EXACT_CACHE:
        _EXACT_CACHE[instance] = _float_is_exact(instance)
    return _EXACT_CACHE[instance]


def _float_is_exact(instance: Instance) -> bool:
    if not instance.loss.exact or (instance.eps > 0 and instance.max_epochs > 1):
        return False
    groups = {
        "w0": list(instance.w0), "yx": [a for r in instance.yx for a in r], "v": [a for r in instance.v for a in r],
        "xt": list(instance.x_test), "s": _slope_values(instance), "b": list(instance.loss.breakpoints()),
    }  # fmt: skip
    exps: dict[str, int] = {}
    for name, vals in groups.items():
        ks = [_dyadic_exponent(q) for q in vals]
        if any(k is None for k in ks):
            return False
        exps[name] = max(ks, default=0)
    k_w = max(exps["w0"], exps["s"] + exps["v"])
    k_z = k_w + max(exps["yx"], exps["xt"])
    if exps["b"] > k_z:
        return False
    smax = instance.loss.max_abs_slope()
    E = instance.max_epochs
    wmax = [abs(instance.w0[j]) + E * smax * sum(abs(r[j]) for r in instance.v) for j in range(instance.d)]
    xmax = [max([abs(r[j]) for r in instance.yx] + [abs(instance.x_test[j])]) for j in range(instance.d)]
    zmax = sum(a * b for a, b in zip(wmax, xmax, strict=True)) + max(
        (abs(b) for b in instance.loss.breakpoints()), default=0
    )
    limit = 2**FLOAT_MANTISSA_BITS
    return max(wmax) * 2**k_w < limit and zmax * 2**k_z < limit


def replay_batch(instance: Instance, masks: np.ndarray) -> BatchReplay:
    """Replay SGD in float64 for every row of ``masks`` (shape (B, n), bool)."""
    masks = np.asarray(masks, dtype=bool)
    if masks.ndim != 2 or masks.shape[1] != instance.n:
        raise InputError(f"masks must have shape (B, {instance.n}), got {masks.shape}")
    track = instance.loss.exact and not float_is_exact(instance)
    if isinstance(instance.loss, LinearLoss):
        W, errW, unc = _linear(instance, masks, track)
    else:
        W, errW, unc = _sequential(instance, masks, track)
    xt = instance.x_test_f
    score = W @ xt
    if track:
        es = errW @ np.abs(xt) + (instance.d + 2) * UNIT_ROUNDOFF * (np.abs(W) @ np.abs(xt))
        unc |= np.abs(score) <= SAFETY * es
    correct = (score >= 0) == (instance.y_test == 1)
    return BatchReplay(score=score, correct=correct, uncertain=unc, margin=instance.y_test * score)


def _linear(instance: Instance, masks: np.ndarray, track: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Linear loss: every kept sample is activated, one epoch adds ``S = masks @ (alpha * v)``."""
    alpha = float(instance.loss.max_abs_slope())
    upd = alpha * instance.v_f
    mf = masks.astype(np.float64)
    S = mf @ upd
    B = masks.shape[0]
    E = instance.max_epochs
    epochs = np.full(B, E, dtype=np.float64)
    unc = np.zeros(B, dtype=bool)
    eps = float(instance.eps)
    if eps > 0 and E > 1:
        norm = np.sqrt((S * S).sum(axis=1))
        epochs = np.where(norm < eps, 1.0, float(E))
        if track:
            en = (instance.n + 2) * UNIT_ROUNDOFF * np.sqrt(((mf @ np.abs(upd)) ** 2).sum(axis=1))
            unc |= np.abs(norm - eps) <= SAFETY * (en + UNIT_ROUNDOFF * (norm + eps))
    W = instance.w0_f[None, :] + epochs[:, None] * S
    errW = np.zeros_like(W)
    if track:
        errW = (
            SAFETY
            * UNIT_ROUNDOFF
            * (
                np.abs(instance.w0_f)[None, :]
                + epochs[:, None] * (instance.n + 2) * (mf @ np.abs(upd))
                + np.abs(W)
            )
        )
    return W, errW, unc


def _sequential(
    instance: Instance, masks: np.ndarray, track: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Any loss: loop over epochs and samples, all masks at once."""
    B, n, d = masks.shape[0], instance.n, instance.d
    yx, v = instance.yx_f, instance.v_f
    W = np.repeat(instance.w0_f[None, :], B, axis=0)
    errW = np.repeat(UNIT_ROUNDOFF * np.abs(instance.w0_f)[None, :], B, axis=0) if track else None
    unc = np.zeros(B, dtype=bool)
    running = np.ones(B, dtype=bool)
    bps = [float(b) for b in instance.loss.breakpoints()]
    eps = float(instance.eps)
    cz = (d + 2) * UNIT_ROUNDOFF
    slope = instance.loss.slope_array
    for epoch in range(instance.max_epochs):
        check_stop = eps > 0 and epoch < instance.max_epochs - 1
        if check_stop:
            W_start = W.copy()
            err_start = errW.copy() if track else None
        for i in range(n):
            act = masks[:, i] & running
            if not act.any():
                continue
            z = W @ yx[i]
            if track:
                ez = SAFETY * (errW @ np.abs(yx[i]) + cz * (np.abs(W) @ np.abs(yx[i])))
                for b in bps:
                    unc |= act & (np.abs(z - b) <= ez + UNIT_ROUNDOFF * abs(b))
            s = slope(z) * act
            step = s[:, None] * v[i][None, :]
            W -= step
            if track:
                errW += SAFETY * UNIT_ROUNDOFF * (np.abs(step) + np.abs(W))
        if check_stop:
            delta = W - W_start
            norm = np.sqrt((delta * delta).sum(axis=1))
            if track:
                en = np.sqrt(((errW + err_start) ** 2).sum(axis=1))
                unc |= running & (np.abs(norm - eps) <= SAFETY * (en + UNIT_ROUNDOFF * (norm + eps)))
            running &= ~(norm < eps)
            if not running.any():
                break
    if errW is None:
        errW = np.zeros_like(W)
    return W, errW, unc
