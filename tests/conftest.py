"""Shared test fixtures: paths to the real data beside the repository, temp dirs."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def _shared(sub: str) -> Path:
    path = SHARED / sub
    if not path.exists():
        pytest.skip(f"real data folder {path} is absent (CI always has ../shared)")
    return path


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the repository root (real data, weights, specs)."""
    return _shared("")


@pytest.fixture(scope="session")
def ppg_dir() -> Path:
    """``../shared/data/ppg``: real contact PPG recordings with ECG / chest-strap truth."""
    return _shared("data/ppg")


@pytest.fixture(scope="session")
def video_dir() -> Path:
    """``../shared/data/video``: real face clips (lossy, no pulse truth)."""
    return _shared("data/video")


@pytest.fixture(scope="session")
def weights_dir() -> Path:
    """``../shared/weights``: published rPPG-Toolbox PhysNet checkpoints."""
    return _shared("weights")
