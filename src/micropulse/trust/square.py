"""Square Attack (Andriushchenko et al., ECCV 2020), L-inf and L2, vectorised over a batch of images,
with a pluggable acceptance tactic (:mod:`micropulse.trust.tactics`).

Written from the paper's description: random search over square-shaped updates at random positions (one
per image per query), the side set by the piece-wise constant p-schedule (p halved at fixed fractions of
the budget), the margin loss of the true label. L-inf starts from vertical stripes of +-eps and sets a
window to +-eps per channel (when a window would not move the point, its signs are flipped rather than
redrawn: the opposite signs always move it); L2 starts from a tiling of "pseudo-Gaussian" blocks and moves mass from a
second window into the first, keeping ||delta||_2 = eps.

Every query goes through the model given (normally a :class:`~micropulse.trust.Defended`) and is
counted per image; an image stops at its first observed success (margin <= 0) or at the budget.
Inputs are (N, C, H, W) arrays inside ``bounds``; eps is in the inputs' units.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from micropulse.errors import InputError
from micropulse.trust.margins import true_margin
from micropulse.trust.metrics import robust_curve
from micropulse.trust.models import checked_logits
from micropulse.trust.tactics import Tactic

P_INIT = {"linf": 0.05, "l2": 0.3}  # DLD main.py: p_init 0.05 (square), 0.3 (square2)
P_SCHEDULE = ((10, 1), (50, 2), (200, 4), (500, 8), (1000, 16), (2000, 32), (4000, 64), (6000, 128),
              (8000, 256), (10000, 512))  # fmt: skip  # (iteration per 10k, divisor of p_init)
NO_CHANGE_TOL = 1e-7  # a window that moves no input by this much is not a new point


def p_schedule(p_init: float, it: int, n_iters: int) -> float:
    """Fraction of the image a square covers at iteration ``it`` of ``n_iters`` (rescaled to 10k)."""
    i = int(it / n_iters * 10000)
    if i <= 10:
        return p_init
    lo = 10
    for hi, div in P_SCHEDULE[1:]:
        if lo < i <= hi:
            return p_init / div
        lo = hi
    return p_init


@dataclass(frozen=True, eq=False)
class AttackResult:
    """Outcome of one attack on N images.

    Attributes:
        success: (N,) observed success (true-label margin <= 0 on some query).
        queries: (N,) queries spent per image (the initial point counts as query 1).
        success_query: (N,) the query at which each image was fooled, -1 if never.
        x_adv: (N, C, H, W) the successful inputs (or the last accepted point).
        margin: (N,) observed true-label margin at x_adv.
        budget: query budget per image.
        total_queries: rows passed to the model by the attack (= queries.sum()).
        tactic_options: the tactic's settings, for the record.
    """

    success: np.ndarray
    queries: np.ndarray
    success_query: np.ndarray
    x_adv: np.ndarray
    margin: np.ndarray
    budget: int
    total_queries: int
    tactic_options: dict = field(default_factory=dict)

    def robust_curve(self) -> np.ndarray:
        """Fraction not yet fooled after q queries, for q = 0..budget (length budget + 1)."""
        return robust_curve(self.success_query, self.budget)


def _check(x: np.ndarray, y: np.ndarray, eps: float, budget: int, bounds: tuple[float, float]) -> None:
    if not np.isfinite(eps) or eps <= 0:
        raise InputError(f"eps must be a finite number > 0, got {eps!r}")
    if budget < 1:
        raise InputError(f"the query budget must be >= 1, got {budget}")
    if x.ndim != 4:
        raise InputError(f"inputs must be (N, C, H, W), got shape {x.shape}")
    if len(y) != len(x):
        raise InputError(f"{len(x)} inputs but {len(y)} labels")
    if min(x.shape[2:]) < 2:
        raise InputError(f"inputs need H, W >= 2 for square updates, got shape {x.shape}")
    if not bounds[0] < bounds[1]:
        raise InputError(f"bounds must satisfy lo < hi, got {bounds}")


def _window_mask(rng: np.random.Generator, n: int, h: int, w: int, s: int) -> np.ndarray:
    """(n, 1, h, w) boolean masks of one s x s square per image at a uniform random position."""
    top = rng.integers(0, h - s + 1, size=n)
    left = rng.integers(0, w - s + 1, size=n)
    rows, cols = np.arange(h), np.arange(w)
    mh = (rows >= top[:, None]) & (rows < top[:, None] + s)
    mw = (cols >= left[:, None]) & (cols < left[:, None] + s)
    return (mh[:, :, None] & mw[:, None, :])[:, None]


def _pseudo_gaussian(rows: int, cols: int) -> np.ndarray:
    """Concentric rectangles weighted 1/(k+1)^2 around the centre, unit L2 norm (the paper's M(r, s))."""
    if rows == 0 or cols == 0:
        return np.zeros((rows, cols))
    i, j = np.arange(rows)[:, None], np.arange(cols)[None, :]
    ring = np.maximum(np.abs(i - rows // 2), np.abs(j - cols // 2))
    k = np.arange(max(rows // 2, cols // 2) + 1)
    weights = np.cumsum(1.0 / (k[::-1] + 1) ** 2)[::-1]  # ring k lies inside rings k..K-1
    d = weights[ring]
    return d / np.linalg.norm(d)


def _two_halves(s: int, rng: np.random.Generator) -> np.ndarray:
    """An s x s update: a pseudo-Gaussian bump and an opposite one in the other half, unit norm."""
    if s == 1:
        return np.ones((1, 1))
    d = np.concatenate([_pseudo_gaussian(s // 2, s), -_pseudo_gaussian(s - s // 2, s)])
    d /= np.linalg.norm(d)
    return d.T if rng.random() < 0.5 else d


def _l2_init(x: np.ndarray, eps: float, rng: np.random.Generator) -> np.ndarray:
    n, c, h, w = x.shape
    s = max(min(h, w) // 5, 1)
    delta = np.zeros_like(x)
    for top in range(0, h, s):
        for left in range(0, w, s):
            block = _two_halves(s, rng)[: h - top, : w - left]
            signs = rng.choice([-1.0, 1.0], size=(n, c, 1, 1))
            delta[:, :, top : top + s, left : left + s] += block[None, None] * signs
    norm = np.sqrt(np.sum(delta**2, axis=(1, 2, 3), keepdims=True))
    return delta / np.maximum(norm, 1e-12) * eps


def _linf_candidate(x0, delta, eps, p, rng, bounds):
    """Set one s x s window per image to +-eps per channel; returns the clipped candidate inputs."""
    n, c, h, w = x0.shape
    s = int(round(np.sqrt(p * h * w)))
    s = min(max(s, 1), min(h, w) - 1)
    mask = _window_mask(rng, n, h, w, s)
    signs = eps * (2.0 * rng.integers(0, 2, size=(n, c, 1, 1)) - 1.0)
    cur = x0 + delta
    x_new = np.clip(x0 + np.where(mask, signs, delta), *bounds)
    same = ~np.any((np.abs(x_new - cur) >= NO_CHANGE_TOL) & mask, axis=(1, 2, 3))
    if same.any():  # the window would not move the point: the opposite signs always do
        k = np.flatnonzero(same)
        x_new[k] = np.clip(x0[k] + np.where(mask[k], -signs[k], delta[k]), *bounds)
    return x_new


def _l2_candidate(x0, delta, eps, p, rng, bounds):
    """Move the mass of a second window into a first one (pseudo-Gaussian bump + the first window's old
    content), keep ||delta||_2 = eps; returns the clipped candidate inputs."""
    n, c, h, w = x0.shape
    s = max(int(round(np.sqrt(p * h * w))), 3)
    s = s + 1 if s % 2 == 0 else s
    s = min(s, min(h, w))
    m1 = _window_mask(rng, n, h, w, s)
    m2 = _window_mask(rng, n, h, w, s)
    both = m1 | m2
    norm_img2 = np.sum(delta**2, axis=(1, 2, 3), keepdims=True)
    norm_w1 = np.sqrt(np.sum((delta * m1) ** 2, axis=(2, 3), keepdims=True))
    norm_both2 = np.sum((delta * both) ** 2, axis=(2, 3), keepdims=True)
    bump = np.zeros((n, h, w))
    top = np.argmax(m1[:, 0].any(axis=2), axis=1)
    left = np.argmax(m1[:, 0].any(axis=1), axis=1)
    rr = top[:, None, None] + np.arange(s)[None, :, None]
    cc = left[:, None, None] + np.arange(s)[None, None, :]
    bump[np.arange(n)[:, None, None], rr, cc] = _two_halves(s, rng)[None]
    signs = rng.choice([-1.0, 1.0], size=(n, c, 1, 1))
    new = bump[:, None] * signs + np.where(m1, delta, 0.0) / (norm_w1 + 1e-10)
    new_norm = np.sqrt(np.sum(new**2, axis=(2, 3), keepdims=True))
    budget = np.sqrt(np.maximum(eps**2 - norm_img2, 0.0) / c + norm_both2)
    new = new / np.maximum(new_norm, 1e-12) * budget
    out = np.where(m2, 0.0, delta)
    out = np.where(m1, new, out)
    norm = np.sqrt(np.sum(out**2, axis=(1, 2, 3), keepdims=True))
    return np.clip(x0 + out / np.maximum(norm, 1e-12) * eps, *bounds)


def square_attack(
    model: Callable[[np.ndarray], np.ndarray], x: np.ndarray, y: np.ndarray, *, norm: str = "linf",
    eps: float = 0.05, budget: int = 2500, tactic: Tactic | None = None, p_init: float | None = None,
    seed: int = 0, bounds: tuple[float, float] = (0.0, 1.0), advance: Callable[[int], None] | None = None,
) -> AttackResult:  # fmt: skip
    """Run Square Attack on every image of ``x`` (all assumed correctly classified) against ``model``.

    Args:
        model: batch (n, C, H, W) -> logits (n, K); every call is counted as n queries.
        x: (N, C, H, W) clean inputs inside ``bounds``; y: (N,) integer true labels.
        norm: ``"linf"`` or ``"l2"``; eps: radius in input units.
        budget: queries per image, the initial point included.
        tactic: acceptance tactic (default greedy); p_init: initial square fraction (default per norm).
        seed: seed of every random choice; advance: progress callback, called with 1 per query round.
    """
    x0 = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    norm = norm.lower()
    if norm not in P_INIT:
        raise InputError(f"unknown norm {norm!r}; known: {', '.join(P_INIT)}")
    bounds = (float(bounds[0]), float(bounds[1]))
    _check(x0, y, float(eps), int(budget), bounds)
    p_init = P_INIT[norm] if p_init is None else float(p_init)
    if not 0.0 < p_init <= 1.0:
        raise InputError(f"p_init must lie in (0, 1], got {p_init!r}")
    rng = np.random.default_rng(seed)
    tactic = tactic if tactic is not None else Tactic()
    n, c, h, w = x0.shape
    tactic.reset(n, rng)
    step = _linf_candidate if norm == "linf" else _l2_candidate
    if norm == "linf":
        delta = rng.choice([-eps, eps], size=(n, c, 1, w)) * np.ones((1, 1, h, 1))
    else:
        delta = _l2_init(x0, eps, rng)
    x_cur = np.clip(x0 + delta, *bounds)
    delta = x_cur - x0
    total = n
    raw = true_margin(checked_logits(model, x_cur), y) if n else np.zeros(0)
    queries = np.ones(n, dtype=np.int64)
    success = raw <= 0
    success_query = np.where(success, 1, -1)
    m_raw = raw.copy()
    m_cur = tactic.observe(raw)
    if advance is not None:
        advance(1)
    for it in range(1, budget):
        active = np.flatnonzero(~success)
        if len(active) == 0:
            break
        p = p_schedule(p_init, it, budget)
        x_new = step(x0[active], delta[active], eps, p, rng, bounds)
        raw_new = true_margin(checked_logits(model, x_new), y[active])
        total += len(active)
        queries[active] += 1
        won = raw_new <= 0
        m_new = tactic.observe(raw_new)
        take = tactic.accept(active, m_new, m_cur[active]) | won
        sel = active[take]
        delta[sel] = x_new[take] - x0[sel]
        m_cur[sel], m_raw[sel] = m_new[take], raw_new[take]
        success[active[won]] = True
        success_query[active[won]] = it + 1
        if advance is not None:
            advance(1)
    return AttackResult(
        success=success, queries=queries, success_query=success_query, x_adv=np.clip(x0 + delta, *bounds),
        margin=m_raw, budget=int(budget), total_queries=int(total), tactic_options=tactic.options(),
    )  # fmt: skip
