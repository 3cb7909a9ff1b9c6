"""Illumination change and specular variation: POS and CHROM hold the pulse, GREEN does not."""

from __future__ import annotations

from classic_skin_model import Scene, hr_from_bvp, skin_trace

from micropulse.rppg.classic import apply_method

# Intensity: 20 % drift plus 1 % flicker at 1.75 Hz (105 bpm); specular (white) reflection varying
# at 0.85 Hz (51 bpm). Both distractors sit inside the HR band and are stronger than the pulse.
HARD = Scene(
    hr_bpm=72.0, drift=0.2, flicker_amp=0.01, flicker_hz=1.75, specular_amp=5.0, specular_hz=0.85, seed=5
)


def test_pos_and_chrom_survive_illumination_where_green_fails():
    rgb = skin_trace(HARD)
    err = {
        name: abs(hr_from_bvp(apply_method(name, rgb, HARD.fs), HARD.fs) - HARD.hr_bpm)
        for name in ("pos", "chrom", "green")
    }
    assert err["green"] > 3.0, err  # the scene really defeats the naive method ...
    assert err["pos"] < 3.0, err  # ... and the chrominance / projection methods are not GREEN in disguise
    assert err["chrom"] < 3.0, err
