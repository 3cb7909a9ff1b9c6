"""Synthetic face videos with known truth (pulse; micro-expressions live in ``synth.me``)."""

from __future__ import annotations

from micropulse.synth.ppg import PPGWave, ppg_waveform
from micropulse.synth.pulse_video import SynthSettings, SynthVideo, make_pulse_video

__all__ = ["PPGWave", "SynthSettings", "SynthVideo", "make_pulse_video", "ppg_waveform"]
