"""Session fixture: short synthetic clips (``micropulse.synth``) shared by the loader tests."""

from __future__ import annotations

import pytest
from rppg_trees import Clip, make_clip


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> dict[float, Clip]:
    """Three short synthetic clips at 30 fps (HR 58, 74, 96 bpm), plus 35 and 20 fps variants."""
    tmp = tmp_path_factory.mktemp("synth")
    out = {hr: make_clip(tmp / f"hr{hr}", hr, seed=i) for i, hr in enumerate((58.0, 74.0, 96.0))}
    out[35.0] = make_clip(tmp / "fps35", 81.0, seed=7, seconds=6, fps=35)
    out[20.0] = make_clip(tmp / "fps20", 66.0, seed=8, seconds=8, fps=20)
    return out
