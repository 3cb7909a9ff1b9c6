"""Output post-processing defenses against score-based query attacks (specs/trust-and-vatmart.md §2.3).

Every deterministic defense here rewrites only the top-1 margin ``m = z(1) - z(2)`` (logit units) and
moves the top-1 logit to match, so the predicted label never changes:

* **DLD** (Dashed Line Defense, Fu, Guo & Luo, AISTATS 2026; ``fyzdalao/Dashed-Line-Defense``):
  ``L = tau*floor(m/tau)``, ``r = m - L``, ``c = r/tau``; "high" iff ``k*s - rho*s < c < k*s`` for some
  integer k >= 1; ``m' = L + h*tau + (1-h)*r`` (high, slope 1-h) or ``L + h*tau - h*r`` (low, slope -h).
* **AAA-linear / AAA-sine** (Chen et al., NeurIPS 2022; the closed-form re-implementation used by the DLD
  repo, no calibration optimisation): attractor ``a = tau*(floor(m/tau) + 1/2)``;
  linear ``t = a - lam*(m - a)``; sine ``t = m - coef*tau*sin(pi*(1 - 2*(m - a)/tau))``.
* **outRND** (Qin et al., NeurIPS 2021): ``z + N(0, sigma^2)``, fresh noise on every call.

The margin maps (``dld_margin`` ...) act on arrays of margins; the logit maps (``dld`` ...) on (N, C)
logits. ``dld_invert_margin`` / ``aaa_linear_invert_margin`` recover the true margin exactly from the
defended one given (tau, h) (resp. (tau, lam)): the documented weakness of §2.6.
"""

from __future__ import annotations

import functools

import numpy as np

from micropulse.errors import InputError
from micropulse.trust.margins import check_logits, top1_margin, with_top1_margin

DLD_DEFAULTS = {
    "tau": 6.0,
    "h": 0.3,
    "rho": 0.5,
    "s": 0.04,
}  # official code: --tau, h, --high_ratio, --s_step
AAA_LINEAR_DEFAULTS = {"tau": 6.0, "lam": 1.0}  # DLD repo: reverse step 1 for AAA-linear
AAA_SINE_DEFAULTS = {"tau": 6.0, "coef": 0.7}  # DLD repo: reverse step 0.7 for AAA-sine
OUT_RND_DEFAULTS = {"sigma": 0.3}  # RND output noise std (logit units)


def _positive(name: str, value: float) -> float:
    v = float(value)
    if not np.isfinite(v) or v <= 0:
        raise InputError(f"{name} must be a finite number > 0, got {value!r}")
    return v


def _open_unit(name: str, value: float) -> float:
    v = float(value)
    if not (0.0 < v < 1.0):
        raise InputError(f"{name} must lie strictly between 0 and 1, got {value!r}")
    return v


def _check_dld(tau: float, h: float, rho: float, s: float) -> tuple[float, float, float, float]:
    tau, h = _positive("tau", tau), _open_unit("h", h)
    rho = float(rho)
    if not (0.0 <= rho <= 1.0):
        raise InputError(f"rho (share of the high branch) must lie in [0, 1], got {rho!r}")
    s = float(s)
    if not (0.0 < s <= 1.0):
        raise InputError(f"s (dash period as a fraction of tau) must lie in (0, 1], got {s!r}")
    return tau, h, rho, s


def _cell(m: np.ndarray, tau: float) -> tuple[np.ndarray, np.ndarray]:
    """``(L, r)`` with ``L = tau*floor(m/tau)`` and ``r = m - L`` in [0, tau) (``fmod`` is exact)."""
    r = np.mod(m, tau)
    r = np.where(r >= tau, 0.0, r)  # np.mod can round a tiny negative m up to tau
    return m - r, r


def dld_high(margin: np.ndarray, tau: float = 6.0, rho: float = 0.5, s: float = 0.04) -> np.ndarray:
    """True where a margin falls in the "high" (trend-keeping) branch of DLD.

    With ``c = r/tau`` in [0, 1): high iff ``k*s - rho*s < c < k*s`` for the integer ``k = floor(c/s) + 1``
    (the only k with ``c < k*s <= c + s``), i.e. iff the fractional part of ``c/s`` exceeds ``1 - rho``.
    """
    m = np.asarray(margin, dtype=np.float64)
    _, r = _cell(m, tau)
    c = r / tau
    k = np.floor(c / s) + 1.0
    return (c > k * s - rho * s) & (c < k * s)


def dld_margin(
    margin: np.ndarray, tau: float = 6.0, h: float = 0.3, rho: float = 0.5, s: float = 0.04
) -> np.ndarray:
    """DLD on margins: ``m -> m'`` with ``m'`` in ``(L, L + tau)`` (so > 0 for every m >= 0)."""
    tau, h, rho, s = _check_dld(tau, h, rho, s)
    m = np.asarray(margin, dtype=np.float64)
    low_base, r = _cell(m, tau)
    high = dld_high(m, tau, rho, s)
    # low branch written as L + h*(tau - r): the offset stays > 0 in floating point as r -> tau
    return np.where(high, low_base + h * tau + (1.0 - h) * r, low_base + h * (tau - r))


def dld_invert_margin(defended: np.ndarray, tau: float = 6.0, h: float = 0.3) -> np.ndarray:
    """Exact inverse of :func:`dld_margin` given (tau, h) only (rho and s are not needed; spec §2.6).

    The low branch maps a cell into ``(L, L + h*tau]`` and the high branch into ``(L + h*tau, L + tau)``:
    disjoint ranges, so the cell and branch are read off the defended margin.
    """
    tau, h = _positive("tau", tau), _open_unit("h", h)
    mp = np.asarray(defended, dtype=np.float64)
    low_base, d = _cell(mp, tau)
    # d == 0 reads as the low branch's limit r -> tau (m' rounded onto L); the high branch's limit
    # r -> tau rounds onto the next cell's L: within one ulp of a cell edge the two cannot be told apart
    r = np.where(d <= h * tau, tau - d / h, (d - h * tau) / (1.0 - h))
    return low_base + r


def _attractor(m: np.ndarray, tau: float) -> np.ndarray:
    low_base, _ = _cell(m, tau)
    return low_base + 0.5 * tau


def aaa_linear_margin(margin: np.ndarray, tau: float = 6.0, lam: float = 1.0) -> np.ndarray:
    """AAA-linear on margins: ``t = a - lam*(m - a)``, the reflection about the cell centre for lam = 1.

    ``lam`` must lie in (0, 1]: larger values push small margins below 0 and would flip labels.
    """
    tau = _positive("tau", tau)
    lam = float(lam)
    if not (0.0 < lam <= 1.0):
        raise InputError(f"lam must lie in (0, 1] (larger values would change labels), got {lam!r}")
    m = np.asarray(margin, dtype=np.float64)
    low_base, r = _cell(m, tau)
    # a - lam*(m - a) = L + tau/2 - lam*(r - tau/2); written so that lam = 1 gives L + (tau - r) > L exactly
    return low_base + (0.5 * tau * (1.0 - lam) + lam * (tau - r))


def aaa_linear_invert_margin(defended: np.ndarray, tau: float = 6.0, lam: float = 1.0) -> np.ndarray:
    """Exact inverse of :func:`aaa_linear_margin` given (tau, lam): ``t - L`` lies in
    ``(tau*(1-lam)/2, tau*(1+lam)/2]``, a window of width ``lam*tau <= tau``, which fixes the cell."""
    tau = _positive("tau", tau)
    lam = float(lam)
    if not (0.0 < lam <= 1.0):
        raise InputError(f"lam must lie in (0, 1], got {lam!r}")
    t = np.asarray(defended, dtype=np.float64)
    hi = 0.5 * tau * (1.0 + lam)
    low_base = tau * np.ceil((t - hi) / tau)
    r = tau - (t - low_base - 0.5 * tau * (1.0 - lam)) / lam
    return low_base + r


@functools.lru_cache(maxsize=1)
def sine_coef_max() -> float:
    """Largest AAA-sine ``coef`` that keeps every target margin > 0 (about 0.75; 0.7 is the default).

    In the first cell ``t/tau = u + coef*sin(2*pi*u)`` with ``u = m/tau`` in [0, 1); the bound is the
    largest coef for which its minimum stays positive, found on a fine grid and bisection.
    """
    u = np.linspace(1e-6, 1.0, 200_001, endpoint=False)
    lo, hi = 0.0, 2.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if np.min(u + mid * np.sin(2 * np.pi * u)) > 0:
            lo = mid
        else:
            hi = mid
    return lo * (1.0 - 1e-6)


def aaa_sine_margin(margin: np.ndarray, tau: float = 6.0, coef: float = 0.7) -> np.ndarray:
    """AAA-sine on margins: ``t = m - coef*tau*sin(pi*(1 - 2*(m - a)/tau))`` (= ``m + coef*tau*sin(2*pi*r/tau)``)."""
    tau = _positive("tau", tau)
    coef = float(coef)
    if not (0.0 <= coef <= sine_coef_max()):
        raise InputError(
            f"coef must lie in [0, {sine_coef_max():.4f}] (larger values would change labels), got {coef!r}"
        )
    m = np.asarray(margin, dtype=np.float64)
    a = _attractor(m, tau)
    return m - coef * tau * np.sin(np.pi * (1.0 - 2.0 * (m - a) / tau))


def _apply(logits: np.ndarray, margin_map, **params: float) -> np.ndarray:
    z = check_logits(logits)
    if z.shape[0] == 0:
        return z.copy()
    return with_top1_margin(z, margin_map(top1_margin(z), **params))


def dld(
    logits: np.ndarray, tau: float = 6.0, h: float = 0.3, rho: float = 0.5, s: float = 0.04
) -> np.ndarray:
    """Dashed Line Defense on (N, C) logits; only the top-1 logit moves (by less than tau); argmax kept."""
    return _apply(logits, dld_margin, tau=tau, h=h, rho=rho, s=s)


def aaa_linear(logits: np.ndarray, tau: float = 6.0, lam: float = 1.0) -> np.ndarray:
    """AAA-linear on (N, C) logits (closed form, as re-implemented by the DLD repo); argmax kept."""
    return _apply(logits, aaa_linear_margin, tau=tau, lam=lam)


def aaa_sine(logits: np.ndarray, tau: float = 6.0, coef: float = 0.7) -> np.ndarray:
    """AAA-sine on (N, C) logits (closed form, as re-implemented by the DLD repo); argmax kept."""
    return _apply(logits, aaa_sine_margin, tau=tau, coef=coef)


def out_rnd(logits: np.ndarray, sigma: float = 0.3, rng: np.random.Generator | None = None) -> np.ndarray:
    """Output noise ``z + N(0, sigma^2)`` (sigma in logit units); a fresh draw on every call.

    This defense may change labels. ``rng`` makes it reproducible; None draws a fresh generator.
    """
    z = check_logits(logits)
    sigma = float(sigma)
    if not np.isfinite(sigma) or sigma < 0:
        raise InputError(f"sigma must be a finite number >= 0, got {sigma!r}")
    gen = rng if rng is not None else np.random.default_rng()
    return z + sigma * gen.standard_normal(z.shape)


def identity(logits: np.ndarray) -> np.ndarray:
    """No defense (the undefended model's logits, checked)."""
    return check_logits(logits).copy()
