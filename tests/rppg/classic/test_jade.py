"""JADE separates known independent sources (up to order, sign and scale)."""

from __future__ import annotations

import numpy as np

from micropulse.rppg.classic.jade import jade


def _sources(n: int = 3000) -> np.ndarray:
    t = np.arange(n) / 100.0
    rng = np.random.default_rng(0)
    return np.stack(
        [
            np.sin(2 * np.pi * 1.3 * t),  # sub-Gaussian
            np.sign(np.sin(2 * np.pi * 0.37 * t + 0.5)),  # square wave
            rng.laplace(size=n),  # super-Gaussian
        ]
    )


def test_jade_recovers_mixed_sources():
    s = _sources()
    mixing = np.array([[0.8, 0.3, 0.5], [0.2, 0.9, 0.4], [0.6, 0.1, 0.7]])
    est = jade(mixing @ s, 3)
    assert est.shape == s.shape
    corr = np.abs(np.corrcoef(np.vstack([s, est]))[:3, 3:])
    assert np.all(corr.max(axis=1) > 0.99), corr  # every true source found ...
    assert sorted(corr.argmax(axis=1).tolist()) == [0, 1, 2]  # ... by a different estimate
    np.testing.assert_allclose(np.cov(est, bias=True), np.eye(3), atol=1e-9)  # whitened output


def test_jade_is_deterministic():
    x = np.array([[1.0, 0.5, 0.2], [0.3, 1.0, 0.4], [0.1, 0.2, 1.0]]) @ _sources(800)
    np.testing.assert_array_equal(jade(x, 3), jade(x, 3))


def test_jade_handles_rank_deficient_input():
    s = _sources(1000)[:2]
    x = np.vstack([s[0], s[1], s[0] + s[1]])  # rank 2
    assert jade(x, 3).shape == (2, 1000)
    assert jade(np.ones((3, 50)), 3).shape == (0, 50)
