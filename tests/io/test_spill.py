"""FrameSpool: frames on disk read back exactly like the array they came from."""

from __future__ import annotations

import numpy as np
import pytest

from micropulse.errors import InputError
from micropulse.io.spill import FrameSpool


def _filled(n: int = 40) -> tuple[FrameSpool, np.ndarray]:
    frames = np.random.default_rng(1).integers(0, 256, (n, 6, 5, 3), dtype=np.uint8)
    spool = FrameSpool((6, 5, 3))
    for f in frames:
        spool.append(f)
    return spool, frames


def test_spool_indexes_like_the_array() -> None:
    spool, frames = _filled()
    assert spool.shape == frames.shape and len(spool) == 40 and spool.dtype == np.uint8
    assert np.array_equal(spool[7], frames[7]) and np.array_equal(spool[-1], frames[-1])
    assert np.array_equal(spool[3:19], frames[3:19]) and np.array_equal(spool[::3], frames[::3])
    idx = np.array([5, 5, 6, 30, 2, 39, 31])  # repeats, unsorted, several runs
    assert np.array_equal(spool[idx], frames[idx])
    assert np.array_equal(np.asarray(spool), frames)
    assert spool[10:10].shape == (0, 6, 5, 3)


def test_spool_refuses_wrong_frames_and_indices() -> None:
    spool, _ = _filled(3)
    with pytest.raises(InputError):
        spool.append(np.zeros((6, 5, 3), np.float32))
    with pytest.raises(IndexError):
        spool[3]
    with pytest.raises(IndexError):
        spool[np.array([0, 3])]
