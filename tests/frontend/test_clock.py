"""The front end's one segment rule and one clock rule (micropulse.frontend.clock)."""

from __future__ import annotations

import numpy as np
import pytest

from micropulse.errors import SignalError
from micropulse.frontend import clock


def test_face_segments_bridge_short_gaps_only():
    t = np.arange(100) / 10.0  # 10 fps
    found = np.ones(100, bool)
    found[20:25] = False  # 0.5 s gap: bridged
    found[50:70] = False  # 2 s gap: splits
    assert clock.face_segments(found, t, max_gap_s=1.0) == [(0, 50), (70, 100)]
    assert clock.face_segments(found, t, max_gap_s=0.3) == [(0, 20), (25, 50), (70, 100)]
    assert clock.face_segments(np.zeros(5, bool), t[:5], 1.0) == []


def test_choose_segment_longest_and_whole():
    t = np.arange(300) / 30.0
    found = np.ones(300, bool)
    found[100:160] = False  # a 2-s gap splits the video
    assert clock.choose_segment(found, t, "longest", 1.0, 2.0, 30.0, "v") == (160, 300)
    assert clock.choose_segment(found, t, "whole", 1.0, 2.0, 30.0, "v") == (0, 300)
    with pytest.raises(SignalError, match="v: only 1.00 s of face in one stretch"):
        clock.choose_segment(found[:30], t[:30], "longest", 1.0, 2.0, 30.0, "v")
    with pytest.raises(SignalError, match="no frame"):
        clock.choose_segment(np.zeros(5, bool), t[:5], "longest", 1.0, 2.0, 30.0, "v")


def test_regular_and_irregular_clock():
    fps = 30.0
    t = np.round(np.arange(300) / fps, 3)  # Matroska-style millisecond stamps: still regular
    assert clock.is_regular(t, fps) and clock.frame_rate(t, fps) == fps
    rng = np.random.default_rng(0)
    t_irr = np.cumsum(rng.uniform(0.02, 0.05, 300))
    assert not clock.is_regular(t_irr, fps)
    fs = clock.frame_rate(t_irr, fps)
    assert fs == pytest.approx((t_irr.size - 1) / (t_irr[-1] - t_irr[0]))
    tu, rows = clock.uniform_rows(t_irr, np.column_stack([np.sin(t_irr)] * 3), fs)
    np.testing.assert_allclose(np.diff(tu), 1 / fs, rtol=1e-9)
    np.testing.assert_allclose(rows[:, 0], np.sin(tu), atol=2e-3)


def test_fill_rows_and_hold_index():
    t = np.arange(6, dtype=float)
    v = np.array([[0.0], [np.nan], [np.nan], [3.0], [4.0], [np.nan]])
    ok = np.isfinite(v[:, 0])
    np.testing.assert_allclose(clock.fill_rows(v, ok, t)[:, 0], [0, 1, 2, 3, 4, 4])
    found = np.array([False, True, False, False, True, False])
    assert clock.hold_index(found).tolist() == [1, 1, 1, 1, 4, 4]


def test_model_rate_policies():
    t = np.arange(48) / 24.0  # 2 s at 24 fps
    tm, lo, frac = clock.model_rate_index(t, 30.0, "repeat")
    assert tm.size == 60 and np.all(frac == 0)
    # open-rppg's rule: model sample k takes the first frame at or after (k - 0.3) / 30 s
    expect = [int(np.searchsorted(t, (k - 0.3) / 30.0 - 1e-12)) for k in range(60)]
    assert lo.tolist() == [min(e, 47) for e in expect]
    assert np.bincount(lo).max() == 2  # some frames repeated
    tm, lo, frac = clock.model_rate_index(t, 30.0, "resample")
    np.testing.assert_allclose(lo + frac, tm * 24.0, atol=1e-9)
    tm, lo, frac = clock.model_rate_index(t, 30.0, "none")
    assert lo.tolist() == list(range(48)) and np.array_equal(tm, t)
    frames = np.stack([np.full((2, 2, 3), 10 * i, np.uint8) for i in range(3)])
    out = clock.gather_frames(frames, np.array([0, 0, 1]), np.array([0.0, 0.5, 1.0]))
    assert out[:, 0, 0, 0].tolist() == [0, 5, 20]
