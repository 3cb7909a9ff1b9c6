"""open-rppg's per-beat normalisation (signals.beatnorm) and the ``open-rppg`` recipe that uses it."""

from __future__ import annotations

import numpy as np
import pytest

from micropulse.errors import SignalError
from micropulse.signals.beatnorm import CLIP_LOW, beat_normalise
from micropulse.signals.recipes import get_recipe


def _pulse(fs: float = 30.0, seconds: float = 20.0, bpm: float = 72.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(fs * seconds)) / fs
    amp = 1.0 + 0.3 * np.sin(2 * np.pi * 0.05 * t)  # beats of changing height (0.7 .. 1.3)
    return amp * np.sin(2 * np.pi * bpm / 60 * t) + 0.02 * rng.standard_normal(t.size)


def test_every_half_beat_gets_the_same_height():
    y = beat_normalise(_pulse(), 30.0)
    assert y.min() >= CLIP_LOW and np.isfinite(y).all()
    def tops(z):
        z = z[60:-60]
        m = np.array([z[i] for i in range(1, z.size - 1) if z[i] >= z[i - 1] and z[i] > z[i + 1]])
        m = m[m > 0.3 * m.max()]  # the beats, not wiggles of the noise
        return np.percentile(m, 90) / np.percentile(m, 10)

    assert tops(_pulse()) > 1.5  # before: beat heights vary by a factor ~1.9
    assert tops(y) < 1.1  # after: (nearly) the same height


def test_nothing_to_normalise_is_a_signal_error_and_the_recipe_keeps_the_band_passed_signal():
    with pytest.raises(SignalError):
        beat_normalise(np.zeros(300), 30.0)
    rec = get_recipe("open-rppg")
    quiet = np.sin(np.arange(300) / 3.0) * 1e-9 + np.linspace(0, 1e-9, 300)
    assert np.isfinite(rec.postprocess(quiet, 30.0)).all()


def test_it_changes_which_peak_wins():
    """Two comparable rhythms (55 and 80 bpm): the band-passed signal's tallest Welch peak is the loud
    slow one; beat normalisation equalises the beats and the answer moves (why open-rppg's HR needs it)."""
    fs = 30.0
    t = np.arange(int(20 * fs)) / fs
    x = 1.0 * np.sin(2 * np.pi * 55 / 60 * t) + 0.9 * np.sin(2 * np.pi * 80 / 60 * t)
    rec = get_recipe("open-rppg")
    with_norm = rec.hr_bpm(rec.postprocess(x, fs), fs)
    without = rec.hr_bpm(type(rec)(**{**rec.__dict__, "beat_normalise": False}).postprocess(x, fs), fs)
    assert abs(without - 55) < 2
    assert abs(with_norm - without) > 5
