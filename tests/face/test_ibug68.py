"""The 478 -> 68 table gives points with the iBUG-68 topology on a real face."""

from __future__ import annotations

import numpy as np
import pytest
from face_videos import astronaut

from micropulse.errors import InputError
from micropulse.face import IBUG68_FROM_MESH, create_backend, landmarks_68
from micropulse.face.backends import FaceBox


@pytest.fixture(scope="module")
def lm478() -> np.ndarray:
    img = astronaut(1.0)
    backend = create_backend("mediapipe")
    try:
        box = backend.detect(img)[0]
        lm = backend.landmarks(img, box)
    finally:
        backend.close()
    assert lm is not None and lm.shape == (478, 2)
    return lm


def test_table_shape():
    assert IBUG68_FROM_MESH.shape == (68,)
    assert len(set(IBUG68_FROM_MESH.tolist())) == 68
    assert IBUG68_FROM_MESH.min() >= 0 and IBUG68_FROM_MESH.max() < 468


def test_topology(lm478):
    p = landmarks_68(lm478)
    x, y = p[:, 0], p[:, 1]
    assert p.shape == (68, 2)
    # jaw runs image-left -> right, chin (8) lowest
    assert x[0] < x[4] < x[8] < x[12] < x[16]
    assert y[8] == y[:17].max()
    # brows above the eyes on each side; brows run left -> right
    assert y[17:22].max() < y[36:42].min() and y[22:27].max() < y[42:48].min()
    assert np.all(np.diff(x[17:27]) > 0)
    # eye corners: 36 < 39 < 42 < 45; the inner corners 39/42 between the outer ones
    assert x[36] < x[39] < x[42] < x[45]
    # nose bridge goes down to the tip (30); the tip lies between the eyes and below them
    assert np.all(np.diff(y[27:31]) > 0) and x[39] < x[30] < x[42] and y[30] > y[36:48].max()
    # nose base left -> right, below the tip's row of the bridge start
    assert np.all(np.diff(x[31:36]) > 0) and y[31:36].min() > y[28]
    # mouth corners 48 (left) / 54 (right) below the nose; upper lip 51 above lower lip 57
    assert x[48] < x[51] < x[54] and y[48] > y[33] and y[51] < y[62] < y[66] < y[57]
    # inner corners 60 / 64 inside the outer ones
    assert x[48] <= x[60] < x[64] <= x[54]


def test_batched_and_bad_shape(lm478):
    stack = np.stack([lm478, lm478 + 1])
    out = landmarks_68(stack)
    assert out.shape == (2, 68, 2)
    np.testing.assert_allclose(out[1] - out[0], 1.0)
    with pytest.raises(InputError):
        landmarks_68(np.zeros((68, 2)))


def test_unknown_backend_lists_known():
    from micropulse.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match="haar.*mediapipe"):
        create_backend("dlibby")
    assert FaceBox(0, 0, 2, 3).area == 6
