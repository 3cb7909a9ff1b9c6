"""Bad input -> named errors that say which method and what is wrong."""

from __future__ import annotations

import numpy as np
import pytest
from classic_skin_model import Scene, method_input

from micropulse.errors import InputError, SignalError
from micropulse.rppg.classic import apply_method, get_method, list_methods

SCENE = Scene(seconds=6.0, seed=2)


def _good(name: str) -> np.ndarray:
    return method_input(name, SCENE, get_method(name).info.needs_pixels)


@pytest.mark.parametrize("name", list_methods())
@pytest.mark.parametrize("fs", [0.0, -30.0, float("nan"), "fast"])
def test_bad_sampling_rate(name, fs):
    with pytest.raises(InputError, match=f"{name.upper()}: sampling rate"):
        apply_method(name, _good(name), fs)


@pytest.mark.parametrize("name", list_methods())
def test_too_short(name):
    need = get_method(name).min_frames(SCENE.fs)
    with pytest.raises(SignalError, match=rf"{name.upper()}: input too short: {need - 1} frames"):
        apply_method(name, _good(name)[: need - 1], SCENE.fs)


@pytest.mark.parametrize("name", list_methods())
def test_nan_is_refused_not_propagated(name):
    x = _good(name).copy()
    x[17, ..., 1] = np.nan
    with pytest.raises(SignalError, match="NaN or inf \\(first at frame 17\\)"):
        apply_method(name, x, SCENE.fs)


@pytest.mark.parametrize("name", list_methods())
@pytest.mark.parametrize("shape", [(180,), (180, 4), (3, 180), (180, 3, 2, 2, 3)])
def test_wrong_shape(name, shape):
    with pytest.raises(InputError, match=name.upper()):
        apply_method(name, np.ones(shape), SCENE.fs)


def test_transposed_trace_gets_a_hint():
    with pytest.raises(InputError, match="transposed"):
        apply_method("pos", np.ones((3, 180)), 30.0)


@pytest.mark.parametrize("name", [m for m in list_methods() if m != "ssr"])
def test_non_positive_trace(name):
    x = _good(name).copy()
    x[5, 2] = 0.0
    with pytest.raises(InputError, match="frame 5 channel B"):
        apply_method(name, x, SCENE.fs)


def test_non_numeric_input():
    with pytest.raises(InputError, match="numeric"):
        apply_method("green", [["a", "b", "c"]] * 10, 30.0)


@pytest.mark.parametrize(("name", "fs"), [("pos", 6.0), ("chrom", 5.0), ("ica", 4.0)])
def test_sampling_rate_too_low_for_the_band(name, fs):
    with pytest.raises(InputError, match="band-pass needs a sampling rate above"):
        apply_method(name, np.full((200, 3), 100.0), fs)


def test_ssr_needs_pixels_not_a_trace():
    with pytest.raises(InputError, match="needs the skin pixels"):
        apply_method("ssr", np.full((200, 3), 100.0), 30.0)


def test_ssr_frame_without_skin_pixels():
    pixels = _good("ssr").copy()
    pixels[40] = 0.0
    with pytest.raises(SignalError, match="frame 40 has no usable"):
        apply_method("ssr", pixels, SCENE.fs)


def test_negative_pixels():
    pixels = _good("ssr").copy()
    pixels[3, 0, 0] = -1.0
    with pytest.raises(InputError, match=">= 0"):
        apply_method("ssr", pixels, SCENE.fs)
