import numpy as np
import pytest

from micropulse.errors import InputError
from micropulse.pipeline.plots import plot_pulse
from micropulse.signals import summarize


def test_plot_pulse_with_thumbnail(tmp_path):
    fs = 30.0
    t = np.arange(0, 40, 1 / fs)
    x = np.sin(2 * np.pi * 1.25 * t) + 0.3 * np.sin(2 * np.pi * 2.5 * t)
    s = summarize(x, fs)
    thumb = (np.random.default_rng(0).uniform(size=(64, 48, 3)) * 255).astype(np.uint8)
    out = plot_pulse(tmp_path / "a" / "p.png", x, fs, s, thumbnail=thumb, title="test")
    assert out.exists() and out.read_bytes()[:4] == b"\x89PNG" and out.stat().st_size > 20_000
    plain = plot_pulse(tmp_path / "q.png", x, fs, s)
    assert plain.stat().st_size > 10_000
    with pytest.raises(InputError, match="RGB"):
        plot_pulse(tmp_path / "r.png", x, fs, s, thumbnail=np.zeros((4, 4)))
