"""Every classic method recovers the heart rate of a clean-ish synthetic skin trace within 2 bpm."""

from __future__ import annotations

import pytest
from classic_skin_model import Scene, hr_from_bvp, method_input

from micropulse.rppg.classic import apply_method, get_method, list_methods

# Realistic-ish: 0.6 % pulse modulation, sensor noise, 5 % intensity drift over 20 s.
SCENES = [
    Scene(hr_bpm=66.0, noise=0.2, pulse_amp=0.006, drift=0.05, seed=11),
    Scene(hr_bpm=97.0, noise=0.2, pulse_amp=0.006, drift=0.05, seed=12),
]


@pytest.mark.parametrize("scene", SCENES, ids=lambda s: f"{s.hr_bpm:g}bpm")
@pytest.mark.parametrize("name", list_methods())
def test_method_recovers_hr(name, scene):
    x = method_input(name, scene, get_method(name).info.needs_pixels)
    bvp = apply_method(name, x, scene.fs)
    assert abs(hr_from_bvp(bvp, scene.fs) - scene.hr_bpm) < 2.0
