"""DLD and AAA transforms: hypothesis properties (specs/trust-and-vatmart.md §2.3, §2.6, §2.7 a-g)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micropulse.errors import InputError
from micropulse.trust import (
    aaa_linear,
    aaa_linear_invert_margin,
    aaa_linear_margin,
    aaa_sine,
    dld,
    dld_high,
    dld_invert_margin,
    dld_margin,
    top1_margin,
)
from micropulse.trust.defenses import out_rnd, sine_coef_max

TAU = st.floats(0.5, 20.0)
H = st.floats(0.05, 0.95)
RHO = st.floats(0.05, 0.95)
S_DIVISORS = st.sampled_from([0.04, 0.05, 0.1, 0.125, 0.2, 0.25, 0.5])  # 1/s integer: whole dashes per cell


@st.composite
def logit_batches(draw):
    """(N, C) logits with C in 2..1000: random scales, exact ties, huge and tiny top-1 margins."""
    c = draw(st.integers(2, 1000))
    n = draw(st.integers(1, 4))
    kind = draw(st.sampled_from(["random", "ties", "huge", "tiny", "integers"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = draw(st.sampled_from([1e-3, 1.0, 10.0, 1e3]))
    z = rng.normal(0.0, scale, (n, c))
    if kind == "ties":
        z[:, :2] = z.max(axis=1, keepdims=True) + 1.0  # two equal top logits: margin 0
    elif kind == "huge":
        z[np.arange(n), rng.integers(0, c, n)] += draw(st.floats(1e2, 1e6))
    elif kind == "tiny":
        top = z.max(axis=1)
        z[:, 0] = top + draw(st.sampled_from([1e-15, 1e-12, 1e-9, 1e-6, 1e-3]))
    elif kind == "integers":
        z = rng.integers(-3, 4, (n, c)).astype(float)  # many ties everywhere
    return z


def _changed_rows_only_top1(z: np.ndarray, out: np.ndarray) -> bool:
    top = np.argmax(z, axis=1)
    mask = np.ones_like(z, dtype=bool)
    mask[np.arange(len(z)), top] = False
    return bool(np.array_equal(z[mask], out[mask]))


def _scale_tol(z: np.ndarray) -> float:
    return 1e-9 * max(1.0, float(np.max(np.abs(z))))


@settings(max_examples=150, deadline=None)
@given(z=logit_batches(), tau=TAU, h=H, rho=RHO, s=S_DIVISORS)
def test_dld_keeps_argmax_positive_margin_bounded_change(z, tau, h, rho, s):
    out = dld(z, tau=tau, h=h, rho=rho, s=s)
    assert np.array_equal(np.argmax(out, axis=1), np.argmax(z, axis=1))
    assert np.all(top1_margin(out) > 0)
    assert _changed_rows_only_top1(z, out)
    assert np.max(np.abs(out - z)) < tau + _scale_tol(z)


@settings(max_examples=150, deadline=None)
@given(z=logit_batches(), tau=TAU, lam=st.floats(0.05, 1.0), coef=st.floats(0.0, 0.7))
def test_aaa_keeps_argmax_positive_margin_bounded_change(z, tau, lam, coef):
    for out in (aaa_linear(z, tau=tau, lam=lam), aaa_sine(z, tau=tau, coef=coef)):
        assert np.array_equal(np.argmax(out, axis=1), np.argmax(z, axis=1))
        assert np.all(top1_margin(out) > 0)
        assert _changed_rows_only_top1(z, out)
        assert np.max(np.abs(out - z)) < tau + _scale_tol(z)


def _near_edge(m: np.ndarray, tau: float, rho: float, s: float) -> np.ndarray:
    """Margins within float rounding of a cell edge or a dash edge (where the branch test is ill-posed)."""
    r = np.mod(m, tau)
    u = r / tau / s
    frac = u - np.floor(u)
    dist = np.minimum.reduce([frac, 1.0 - frac, np.abs(frac - (1.0 - rho))]) * s * tau
    dist = np.minimum(dist, np.minimum(r, tau - r))
    return dist < 1e-7 * (1.0 + np.abs(m))


@settings(max_examples=150, deadline=None)
@given(m=st.floats(0.0, 1e4), k=st.integers(1, 1000), tau=TAU, h=H, rho=RHO, s=S_DIVISORS)
def test_dld_is_periodic_in_tau(m, k, tau, h, rho, s):
    ms = np.array([m, m + k * tau])
    if np.any(_near_edge(ms, tau, rho, s)):
        return  # the branch of an edge value depends on how m + k*tau rounds
    a, b = dld_margin(ms, tau=tau, h=h, rho=rho, s=s)
    assert b == pytest.approx(a + k * tau, rel=1e-9, abs=1e-9)


@settings(max_examples=150, deadline=None)
@given(m=st.floats(0.0, 1e3), tau=TAU, h=H, rho=RHO, s=S_DIVISORS)
def test_dld_branch_slopes(m, tau, h, rho, s):
    step = 1e-6 * tau
    ms = np.array([m, m + step])
    high = dld_high(ms, tau=tau, rho=rho, s=s)
    same_cell = np.floor(ms[0] / tau) == np.floor(ms[1] / tau)
    if high[0] != high[1] or not same_cell or np.any(_near_edge(ms, tau, rho, s)):
        return
    a, b = dld_margin(ms, tau=tau, h=h, rho=rho, s=s)
    slope = (b - a) / (ms[1] - ms[0])
    assert slope == pytest.approx((1.0 - h) if high[0] else -h, abs=1e-4)


@settings(max_examples=40, deadline=None)
@given(tau=TAU, rho=RHO, s=S_DIVISORS, seed=st.integers(0, 2**32 - 1))
def test_dld_high_branch_share_is_rho(tau, rho, s, seed):
    m = np.random.default_rng(seed).uniform(0.0, 200 * tau, 40_000)
    assert abs(dld_high(m, tau=tau, rho=rho, s=s).mean() - rho) < 0.02


def test_dld_default_share_and_dashes():
    m = np.linspace(0.0, 600.0, 600_001)[:-1]  # 100 whole cells of tau = 6
    high = dld_high(m)
    assert abs(high.mean() - 0.5) < 1e-3
    c = np.mod(m, 6.0) / 6.0
    # the first dash: c in [0, 0.02] low, (0.02, 0.04) high, then low again from 0.04
    assert not high[(c > 0.001) & (c < 0.019)].any() and high[(c > 0.021) & (c < 0.039)].all()


@settings(max_examples=100, deadline=None)
@given(z=logit_batches(), tau=TAU, h=H, rho=RHO, s=S_DIVISORS)
def test_dld_is_deterministic(z, tau, h, rho, s):
    a = dld(z, tau=tau, h=h, rho=rho, s=s)
    b = dld(z.copy(), tau=tau, h=h, rho=rho, s=s)
    assert np.array_equal(a, b)
    assert np.array_equal(dld(z[::-1]), dld(z)[::-1])  # row-wise: no batch dependence


@settings(max_examples=200, deadline=None)
@given(m=st.floats(0.0, 1e4), tau=TAU, h=H, rho=RHO, s=S_DIVISORS)
def test_dld_exact_inversion_with_tau_and_h(m, tau, h, rho, s):
    """The documented weakness: knowing (tau, h) -- not rho, s -- recovers the true margin."""
    ms = np.array([m])
    if _near_edge(ms, tau, rho, s)[0]:
        return
    mp = dld_margin(ms, tau=tau, h=h, rho=rho, s=s)
    assert dld_invert_margin(mp, tau=tau, h=h)[0] == pytest.approx(m, rel=1e-9, abs=1e-9)


def test_dld_inversion_on_many_margins_and_from_logits():
    rng = np.random.default_rng(3)
    m = rng.uniform(0.0, 60.0, 200_000)
    err = np.abs(dld_invert_margin(dld_margin(m)) - m)
    assert err.max() < 1e-10
    z = rng.normal(0.0, 5.0, (500, 10))
    assert np.allclose(dld_invert_margin(top1_margin(dld(z))), top1_margin(z), atol=1e-9)


@settings(max_examples=200, deadline=None)
@given(m=st.floats(0.0, 1e4), tau=TAU)
def test_aaa_linear_reflection_identity(m, tau):
    if np.mod(m, tau) < 1e-7 * (1 + m) or tau - np.mod(m, tau) < 1e-7 * (1 + m):
        return
    t = aaa_linear_margin(np.array([m]), tau=tau, lam=1.0)[0]
    a = tau * (np.floor(m / tau) + 0.5)
    assert t + m == pytest.approx(2 * a, rel=1e-9, abs=1e-9)


@settings(max_examples=150, deadline=None)
@given(m=st.floats(0.0, 1e4), tau=TAU, lam=st.floats(0.05, 1.0))
def test_aaa_linear_inversion(m, tau, lam):
    r = np.mod(m, tau)
    if min(r, tau - r) < 1e-6 * (1 + m):
        return
    t = aaa_linear_margin(np.array([m]), tau=tau, lam=lam)
    assert aaa_linear_invert_margin(t, tau=tau, lam=lam)[0] == pytest.approx(m, rel=1e-8, abs=1e-8)


def test_observed_trend_under_small_true_decrease():
    """Spec §2.6: a true decrease of 0.01 shows as a decrease about half the time under DLD and is
    reversed almost always under AAA-linear."""
    m = np.random.default_rng(0).uniform(0.5, 60.0, 100_000)
    dld_down = np.mean(dld_margin(m - 0.01) < dld_margin(m))
    aaa_up = np.mean(aaa_linear_margin(m - 0.01) > aaa_linear_margin(m))
    assert 0.45 < dld_down < 0.55
    assert aaa_up > 0.99


def test_known_values():
    z = np.array([[3.0, 1.0, -2.0], [0.0, 0.0, 0.0]])
    # m = 2 -> c = 1/3, frac(c/s) = 0.333 < 0.5 -> low: 0 + 1.8 - 0.3*2 = 1.2
    assert np.allclose(dld(z)[0], [2.2, 1.0, -2.0])
    assert np.allclose(dld(z)[1], [1.8, 0.0, 0.0])  # tie: m = 0 -> hτ, on the first index
    assert np.allclose(aaa_linear(z)[0], [5.0, 1.0, -2.0])  # reflection of 2 about 3 is 4
    assert sine_coef_max() == pytest.approx(0.7326, abs=1e-3)


@pytest.mark.parametrize("fn", [dld, aaa_linear, aaa_sine, out_rnd])
@pytest.mark.parametrize(
    "bad, words",
    [
        (np.array([1.0, 2.0]), "2-D"),
        (np.array([[1.0, np.nan]]), "NaN or inf"),
        (np.array([[np.inf, 0.0]]), "NaN or inf"),
        (np.array([[1.0], [2.0]]), "at least 2 classes"),
        (np.array([["a", "b"]]), "numeric"),
    ],
)
def test_bad_logits_raise_named_error(fn, bad, words):
    with pytest.raises(InputError, match=words):
        fn(bad)


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda z: dld(z, tau=0.0), "tau"),
        (lambda z: dld(z, h=1.0), "h must"),
        (lambda z: dld(z, rho=1.5), "rho"),
        (lambda z: dld(z, s=0.0), "s \\(dash"),
        (lambda z: aaa_linear(z, lam=1.5), "lam"),
        (lambda z: aaa_sine(z, coef=0.9), "coef"),
        (lambda z: out_rnd(z, sigma=-1.0), "sigma"),
    ],
)
def test_bad_parameters_raise_named_error(call, words):
    with pytest.raises(InputError, match=words):
        call(np.array([[1.0, 0.0]]))


def test_out_rnd_is_seeded_noise():
    z = np.zeros((1000, 10))
    a = out_rnd(z, sigma=0.3, rng=np.random.default_rng(1))
    b = out_rnd(z, sigma=0.3, rng=np.random.default_rng(1))
    assert np.array_equal(a, b) and abs(a.std() - 0.3) < 0.01
