"""Issue 11 items 2 and 5: what each decoder does with overlapping intervals (what the official code does,
specs/micro-expressions.md §4.2-4.3), and no interval where no face was tracked."""

from __future__ import annotations

import numpy as np
import pytest

from micropulse.errors import InputError
from micropulse.me.decode import (
    OVERLAP_RULES,
    SpottedInterval,
    extensible_intervals,
    face_runs,
    keep_in_face,
    mask_no_face,
    overlapping_pairs,
    peak_intervals,
)

K_P = 5


def _two_close_peaks(gap: int = 2 * K_P, n: int = 120) -> np.ndarray:
    """Two triangular bumps (9 frames wide) ``gap`` frames apart: after the 2 k_p box smoothing,
    find_peaks(distance=k_p) keeps both peaks, 2 k_p apart or less, so ``[q - k_p, q + k_p]`` overlap."""
    s = np.zeros(n)
    tri = 1.0 - np.abs(np.arange(-4, 5)) / 5.0
    for c in (50, 50 + gap):
        s[c - 4 : c + 5] = np.maximum(s[c - 4 : c + 5], tri)
    return s


def test_peak_decoder_keeps_overlapping_intervals_like_me_tst():
    """§4.2 step 6: no merging, no NMS in ME-TST -- peaks k_p+1 apart give two overlapping intervals."""
    found = peak_intervals(_two_close_peaks(), K_P, clip=True)
    spans = [(iv.onset, iv.offset) for iv in found]
    assert spans == [(50, 60), (55, 65)] and overlapping_pairs(spans) == [(0, 1)]


def test_extensible_decoder_removes_overlaps_by_nms_like_boostingvrme():
    """§4.3 step 7: keep b only if IoU_excl < 0.2 and apexes > k_p apart from every kept one."""
    found = extensible_intervals(_two_close_peaks(), K_P)  # both peaks extend over one bump pair
    assert len(found) == 1
    far = extensible_intervals(_two_close_peaks(gap=6 * K_P), K_P)
    assert len(far) == 2 and overlapping_pairs([(iv.onset, iv.offset) for iv in far]) == []


def test_every_registered_decoder_states_its_overlap_rule():
    from micropulse.me.infer import list_decoders

    assert set(list_decoders()) <= set(OVERLAP_RULES)
    assert "kept" in OVERLAP_RULES["peak"] and "NMS" in OVERLAP_RULES["extensible"]


def test_overlapping_pairs_counts_shared_frames_inclusively():
    assert overlapping_pairs([(0, 10), (10, 20), (21, 30), (5, 25)]) == [(0, 1), (0, 3), (1, 3), (2, 3)]


def test_face_runs_and_mask():
    found = np.array([1, 1, 1, 0, 0, 1, 1, 0, 1], bool)
    assert face_runs(found) == [(0, 2), (5, 6), (8, 8)]
    assert face_runs(np.zeros(4, bool)) == [] and face_runs(np.ones(3, bool)) == [(0, 2)]
    np.testing.assert_array_equal(mask_no_face(np.arange(9.0), found), [0, 1, 2, 0, 0, 5, 6, 0, 8])
    with pytest.raises(InputError):
        mask_no_face(np.ones(5), found)


def test_no_interval_starts_or_ends_where_the_face_was_lost():
    found = np.zeros(100, bool)
    found[:72] = True  # face on frames 0-71, then a cartoon (tests/pipeline/test_spot_noface.py)
    ivs = [SpottedInterval(53, 63, 58), SpottedInterval(68, 78, 70), SpottedInterval(71, 81, 76)]
    kept = keep_in_face(ivs, found)
    assert [(iv.onset, iv.offset, iv.apex) for iv in kept] == [(53, 63, 58), (68, 71, 70)]
    for iv in kept:
        assert found[iv.onset] and found[iv.offset]
