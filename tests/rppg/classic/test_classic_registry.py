"""Registry-driven checks: every registered classic method, on a small input (timm-style)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from classic_skin_model import Scene, method_input, skin_pixels

import micropulse
from micropulse.errors import UnknownNameError
from micropulse.rppg.classic import apply_method, get_method, list_methods

EXPECTED = {"chrom", "green", "ica", "lgi", "omit", "pbv", "pca", "pos", "ssr"}
SMALL = Scene(seconds=8.0, seed=3)


def test_all_nine_methods_are_registered():
    assert set(list_methods()) == EXPECTED
    assert micropulse.list_methods() == list_methods()


@pytest.mark.parametrize("name", list_methods())
def test_method_shape_finite_deterministic(name):
    method = get_method(name)
    x = method_input(name, SMALL, method.info.needs_pixels)
    first = apply_method(name, x, SMALL.fs)
    second = apply_method(name, x.copy(), SMALL.fs)
    assert first.shape == (x.shape[0],)
    assert first.dtype == np.float64
    assert np.all(np.isfinite(first))
    assert np.std(first) > 0
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("name", list_methods())
def test_method_ignores_the_colour_scale(name):
    """Any positive scale: 0-255 and 0-1 give the same pulse shape (up to a gain)."""
    method = get_method(name)
    x = method_input(name, SMALL, method.info.needs_pixels)
    a = apply_method(name, x, SMALL.fs)
    b = apply_method(name, x / 255.0, SMALL.fs)
    assert abs(np.corrcoef(a, b)[0, 1]) > 0.9999


@pytest.mark.parametrize("name", list_methods())
def test_method_metadata(name):
    info = get_method(name).info
    assert info.name == name
    assert info.paper and info.title
    assert info.needs_pixels == (name == "ssr")
    assert info.output_length.startswith("T ")
    as_json = json.loads(json.dumps(info.to_dict()))
    assert as_json["name"] == name


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(UnknownNameError) as err:
        apply_method("nope", np.ones((100, 3)), 30.0)
    for name in EXPECTED:
        assert name in str(err.value)


def test_lookup_is_case_insensitive():
    assert get_method("POS") is get_method("pos")


def test_trace_methods_average_pixels_and_skip_masked_ones():
    pixels = skin_pixels(SMALL, n_pixels=16)
    expected = apply_method("pos", pixels.mean(axis=1), SMALL.fs)
    np.testing.assert_allclose(apply_method("pos", pixels, SMALL.fs), expected, rtol=1e-9, atol=1e-12)
    masked = np.concatenate([pixels, np.zeros_like(pixels[:, :5])], axis=1)  # black = not skin
    np.testing.assert_allclose(apply_method("pos", masked, SMALL.fs), expected, rtol=1e-9, atol=1e-12)


def test_importing_classic_methods_does_not_import_torch():
    code = "import sys, micropulse.rppg.classic; sys.exit(int('torch' in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
