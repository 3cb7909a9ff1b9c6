"""Short-gap interpolation of per-frame face data."""

from __future__ import annotations

import numpy as np

from micropulse.face.gaps import fill_short_gaps


def test_fills_only_short_inner_gaps():
    t = np.arange(30) / 10.0  # 10 fps
    values = np.stack([t * 2.0, -t], axis=1)
    valid = np.ones(30, bool)
    valid[0:2] = False  # leading gap: never filled
    valid[5:8] = False  # 0.3 s: filled
    valid[12:18] = False  # 0.6 s: left missing
    valid[29] = False  # trailing gap
    out, filled = fill_short_gaps(values, valid, t, max_gap_s=0.5)
    assert filled.tolist() == [i in range(5, 8) for i in range(30)]
    np.testing.assert_allclose(out[5:8], values[5:8])  # linear data is interpolated exactly
    assert np.isnan(out[[0, 1, 12, 17, 29]]).all()
    np.testing.assert_array_equal(out[valid], values[valid])


def test_gap_of_exactly_max_gap_is_filled_and_uneven_times_are_used():
    t = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.9, 1.0])
    values = t[:, None] * 10
    valid = np.array([1, 1, 0, 0, 0, 0, 1, 1], bool)
    out, filled = fill_short_gaps(values, valid, t, max_gap_s=0.4)
    assert filled.sum() == 4
    np.testing.assert_allclose(out[2:6, 0], [2.0, 3.0, 4.0, 5.0])
    out, filled = fill_short_gaps(values, valid, t, max_gap_s=0.3)
    assert not filled.any() and np.isnan(out[2:6]).all()


def test_all_valid_or_none_valid():
    t = np.arange(5.0)
    out, filled = fill_short_gaps(np.ones((5, 2)), np.ones(5, bool), t, 1.0)
    assert not filled.any() and np.isfinite(out).all()
    out, filled = fill_short_gaps(np.ones((5, 2)), np.zeros(5, bool), t, 1.0)
    assert not filled.any() and np.isnan(out).all()
