"""The vectorised windowed methods equal plain per-window loops written from their definitions."""

from __future__ import annotations

import numpy as np
import pytest
from classic_reference import chrom_loop, pos_raw_loop, ssr_loop
from classic_skin_model import Scene, skin_pixels, skin_trace

from micropulse.rppg.classic import apply_method
from micropulse.rppg.classic.chrom import window_frames as chrom_window
from micropulse.rppg.classic.pos import pos_raw

DRIFTY = Scene(seconds=15.0, drift=0.3, flicker_amp=0.01, specular_amp=3.0, seed=7)


@pytest.mark.parametrize("fs", [30.0, 25.0, 14.0])
def test_pos_overlap_add_matches_window_loop(fs):
    rgb = skin_trace(Scene(seconds=12.0, fs=fs, drift=0.3, flicker_amp=0.01, seed=7))
    ref = pos_raw_loop(rgb, fs)
    got = pos_raw(rgb, fs)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-9 * np.abs(ref).max())
    assert got[-1] != 0.0  # the last frame is covered (the toolbox loop leaves it at 0)


@pytest.mark.parametrize("n_frames", [360, 371])
def test_chrom_matches_toolbox_windows_and_keeps_length(n_frames):
    rgb = skin_trace(DRIFTY)[:n_frames]
    got = apply_method("chrom", rgb, DRIFTY.fs)
    assert got.shape == (n_frames,)
    ref = chrom_loop(rgb, DRIFTY.fs)
    hop = chrom_window(DRIFTY.fs) // 2
    # identical wherever the toolbox's own windows define the output; when T is a multiple of L/2
    # that is everything, otherwise all but the last half window (there one more window is added).
    same = ref.size if n_frames % hop == 0 else ref.size - hop
    np.testing.assert_allclose(got[:same], ref[:same], rtol=0, atol=1e-12 * np.abs(ref).max())


def test_ssr_matches_window_loop():
    pixels = skin_pixels(Scene(seconds=4.0, seed=8), n_pixels=32)
    ref = ssr_loop(pixels, 30.0)
    np.testing.assert_allclose(apply_method("ssr", pixels, 30.0), ref, rtol=0, atol=1e-9 * np.abs(ref).max())
