"""Property tests: any finite, positive input gives a finite BVP of the input's length."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from micropulse.rppg.classic import apply_method, get_method, list_methods

TRACE_METHODS = [m for m in list_methods() if not get_method(m).info.needs_pixels]
PIXEL_METHODS = [m for m in list_methods() if get_method(m).info.needs_pixels]
FS = st.sampled_from([12.5, 30.0])
VALUES = st.floats(min_value=1e-3, max_value=1e4, allow_nan=False, allow_infinity=False)


@st.composite
def traces(draw, fs: float, min_frames: int, channels_last: tuple[int, ...] = (3,)):
    n = draw(st.integers(min_value=min_frames, max_value=min_frames + 90))
    kind = draw(st.sampled_from(["arbitrary", "constant", "near-constant"]))
    if kind == "arbitrary":
        return draw(arrays(np.float64, (n, *channels_last), elements=VALUES))
    level = draw(arrays(np.float64, channels_last, elements=VALUES))
    x = np.broadcast_to(level, (n, *channels_last)).copy()
    if kind == "near-constant":
        rng = np.random.default_rng(draw(st.integers(0, 2**16)))
        x *= 1.0 + 1e-9 * rng.standard_normal(x.shape)
    return x


@pytest.mark.parametrize("name", TRACE_METHODS)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_finite_input_gives_finite_output_of_same_length(name, data):
    fs = data.draw(FS)
    rgb = data.draw(traces(fs, get_method(name).min_frames(fs)))
    bvp = apply_method(name, rgb, fs)
    assert bvp.shape == (rgb.shape[0],)
    assert np.all(np.isfinite(bvp))


@pytest.mark.parametrize("name", PIXEL_METHODS)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_finite_pixels_give_finite_output_of_same_length(name, data):
    fs = data.draw(FS)
    n_pixels = data.draw(st.integers(min_value=1, max_value=5))
    pixels = data.draw(traces(fs, get_method(name).min_frames(fs), channels_last=(n_pixels, 3)))
    bvp = apply_method(name, pixels, fs)
    assert bvp.shape == (pixels.shape[0],)
    assert np.all(np.isfinite(bvp))
