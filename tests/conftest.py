"""Shared test fixtures: paths to the real data beside the repository, temp dirs."""

from __future__ import annotations

import importlib.metadata
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


@pytest.fixture(scope="session")
def openrppg_weights_dir() -> Path:
    """``rppg/weights`` of the installed ``open-rppg`` wheel (found without importing it: it needs jax).

    open-rppg cannot be a dev dependency (it pulls opencv-python 5, a second cv2, and numpy 2); install it
    with ``pip install --no-deps open-rppg==0.1.1`` to run these tests. Skipped, saying so, when absent.
    """
    try:
        dist = importlib.metadata.distribution("open-rppg")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(
            "open-rppg is not installed (pip install --no-deps open-rppg==0.1.1): .h5 import tests skipped"
        )
    path = Path(str(dist.locate_file("rppg/weights")))
    if not path.is_dir():
        pytest.skip(f"open-rppg is installed but {path} is missing")
    return path


@pytest.fixture
def one_thread():
    """Run torch on one intra-op thread: tiny tensor ops are faster and steadier that way on 2 cores."""
    torch = pytest.importorskip("torch", reason="torch is part of the [deep] extra")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
