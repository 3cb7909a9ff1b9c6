"""Issue 11 item 13: the pulse plot shows the spectrum the HR came from (filtered, within the band, not the
raw spectrum whose baseline peak dwarfs the HR), a clean stretch of the wave, and beats on their peaks."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from scipy import signal as sps

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "signals"))
from _ppg_synth import regular_ppg  # noqa: E402

from micropulse.pipeline.plots import clean_stretch, display_wave, peak_times, plot_pulse  # noqa: E402
from micropulse.signals import hr_spectrum, summarize  # noqa: E402
from micropulse.signals.spectrum import band_mask  # noqa: E402

FS = 100.0


def _drifting(seconds: float = 60.0) -> np.ndarray:
    """72 bpm PPG on a baseline 30x its amplitude (finger pressure), with a noise burst at 2-7 s."""
    x = regular_ppg(72, FS, seconds, noise=0.05)
    t = np.arange(x.size) / FS
    x = x + 30 * np.sin(2 * np.pi * 0.03 * t)
    x[200:700] += 5 * np.random.default_rng(0).standard_normal(500)
    return x


def test_spectrum_shown_is_the_filtered_one_and_peaks_at_the_hr():
    x = _drifting()
    f_raw, p_raw = sps.welch(x - x.mean(), fs=FS, nperseg=1200, nfft=8192)
    assert f_raw[np.argmax(p_raw)] < 0.1  # the raw spectrum is dominated by the baseline
    f, p = hr_spectrum(x, FS, (0.6, 3.5))
    m = band_mask(f, (0.6, 3.5))
    assert abs(f[m][np.argmax(p[m])] * 60 - 72) < 1.0
    in_band = p[m].sum() / p.sum()
    assert in_band > 0.5  # the baseline is filtered out, not just cropped from view


def test_zoom_is_on_a_clean_stretch_and_beats_sit_on_peaks():
    x = _drifting()
    s = summarize(x, FS, method="peaks")
    a, b = clean_stretch(s.beats, x.size / FS, 10.0)
    assert b - a == 10.0 and a >= 7.0 - 0.5  # after the noise burst
    wave = display_wave(x, FS, s.band_hz)
    peaks = np.round(peak_times(wave, FS, s.beats) * FS).astype(int)
    clean = peaks[(peaks > 800) & (peaks < wave.size - 50)]
    assert clean.size > 50
    for k in clean:  # a local maximum of the drawn wave, not a point on an edge
        assert wave[k] >= wave[k - 5 : k + 6].max() - 1e-9
    assert clean_stretch(s.beats, 8.0, 10.0) == (0.0, 8.0)


def test_plot_writes_a_png_with_a_zoom_panel(tmp_path):
    x = _drifting()
    s = summarize(x, FS, method="peaks")
    out = plot_pulse(tmp_path / "p.png", x, FS, s, title="drift")
    assert out.read_bytes()[:4] == b"\x89PNG" and out.stat().st_size > 30_000
    short = regular_ppg(80, FS, 6.0)
    out2 = plot_pulse(tmp_path / "short.png", short, FS, summarize(short, FS))
    assert out2.stat().st_size > 10_000
