"""Synthetic FFV1 face videos with known pulse, made once per test session (small, 20 s)."""

from __future__ import annotations

import pytest

from micropulse.synth import make_pulse_video

SIZE = (192, 144)  # small frames keep generation + analysis fast; the face is ~77 px wide


@pytest.fixture(scope="session")
def synth_video(tmp_path_factory):
    """video(hr_bpm, moving) -> SynthVideo of 20 s, made on first use and kept for the session.

    'moving' videos have head motion + illumination drift; the others are still. Seeds differ per HR.
    """
    root = tmp_path_factory.mktemp("synth_pulse")
    cache = {}

    def get(hr: float, moving: bool):
        key = (float(hr), bool(moving))
        if key not in cache:
            cache[key] = make_pulse_video(
                root / f"hr{hr:g}_{'moving' if moving else 'still'}",
                seconds=20,
                hr_bpm=hr,
                seed=100 + int(hr),
                motion=moving,
                illumination=moving,
                size=SIZE,
            )
        return cache[key]

    return get


@pytest.fixture(scope="session")
def synth_traces(synth_video):
    """traces(hr_bpm, moving) -> the front end's FaceSignal (skin-region colours) of that synthetic video,
    read once per session."""
    from micropulse.frontend import FrontEndSettings, read_regions

    cache = {}

    def get(hr: float, moving: bool):
        key = (float(hr), bool(moving))
        if key not in cache:
            cache[key] = read_regions(synth_video(hr, moving).video_path, FrontEndSettings())
        return cache[key]

    return get
