"""Crop geometry is a property of the weights: every code path crops a deep model by its weights' metadata."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from micropulse.face import boxes as B
from micropulse.face.backends import FaceBackend, FaceBox
from micropulse.face.geometry import MICROPULSE, OPENRPPG, TOOLBOX, CropGeometry, get_convention
from micropulse.frontend import FrontEndSettings, raw_pulse, read_crops, weights_geometry

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CLIP = SHARED / "data" / "video" / "single_face.mp4"
TOOLBOX_PTH = SHARED / "weights" / "UBFC-rPPG_PhysNet_DiffNormalized.pth"


def _openrppg_file(name: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec("rppg")
    if spec is None or spec.origin is None:
        pytest.fail("open-rppg's weight files are not installed: the README's test command installs them "
                    "(pip install --no-deps open-rppg==0.1.1)", pytrace=False)
    return Path(spec.origin).parent / "weights" / name


def test_shape_box_per_convention():
    box = (100.0, 50.0, 80.0, 100.0)  # x, y, w, h; centre (140, 100)
    np.testing.assert_allclose(B.shape_box(box, OPENRPPG), [140 - 36, 100 - 60, 140 + 36, 100 + 50])
    np.testing.assert_allclose(B.shape_box(box, TOOLBOX), [80, 25, 200, 175])  # 1.5x about the centre
    sq = B.shape_box(box, MICROPULSE)  # square side 100, then 1.5x
    np.testing.assert_allclose(sq, [65, 25, 215, 175])
    assert B.integer_box(np.array([-10.5, -3.0, 50.9, 40.2]), 40, 30) == (0, 0, 40, 30)


def test_geometry_round_trip_and_errors():
    for g in (TOOLBOX, OPENRPPG, MICROPULSE):
        assert CropGeometry.from_dict(g.to_dict()) == g
    assert get_convention("OpenRPPG") is OPENRPPG
    with pytest.raises(Exception, match="known: micropulse, openrppg, toolbox"):
        get_convention("tight")
    with pytest.raises(Exception, match="scale"):
        TOOLBOX.with_(scale=0)


class _FixedDetector(FaceBackend):
    """A fake backend: one face whose box jitters by given offsets per call."""

    name = "fixed"
    n_landmarks = 0

    def __init__(self, offsets):
        self.offsets, self.calls = list(offsets), 0

    def detect(self, rgb):
        dx = self.offsets[min(self.calls, len(self.offsets) - 1)]
        self.calls += 1
        return [FaceBox(100.0 + dx, 100.0, 100.0, 100.0)]



def test_openrppg_box_moves_only_past_its_threshold():
    frame = np.zeros((480, 640, 3), np.uint8)
    det = _FixedDetector([0, 1, -1, 1, 0, 30, 30, 30, 30, 30])
    tr = B.CropBoxTracker(OPENRPPG, backend=det)
    boxes = [tr.update(frame, i / 30.0).box for i in range(50)]
    assert det.calls == 11  # frames 0, 4, 9, ..., 49: every 5th, one early (open-rppg's thread schedule)
    assert len({boxes[i] for i in range(24)}) == 1  # 1-px jitter never moves the crop (the jump comes at frame 24)
    assert boxes[0][0] == 150 - 45  # x1 = cx - 0.45 w of the detector box (x 100, w 100)
    assert boxes[0][0] + 5 < boxes[-1][0] < 150 - 45 + 30  # a 30-px move does, smoothed by the Kalman filter


def test_toolbox_holds_the_first_box_and_checks_the_face_is_there():
    frame = np.zeros((480, 640, 3), np.uint8)
    det = _FixedDetector([0, 40, 80])
    tr = B.CropBoxTracker(TOOLBOX, backend=det)
    states = [tr.update(frame, i / 30.0) for i in range(40)]
    assert len({s.box for s in states}) == 1 and all(s.found for s in states)  # DYNAMIC_DETECTION off: one box
    assert det.calls == 2  # frame 0, then a presence check at frame 30 (the box does not move)

    class Gone(_FixedDetector):
        def detect(self, rgb):
            self.calls += 1
            return [] if self.calls > 1 else super().detect(rgb)

    tr = B.CropBoxTracker(TOOLBOX, backend=Gone([0]))
    found = [tr.update(frame, i / 30.0).found for i in range(61)]
    assert all(found[:30]) and not any(found[30:])  # the face left: the held box is no face any more


@pytest.mark.skipif(not CLIP.exists(), reason="needs ../shared/data (CI always has it)")
def test_conventions_cut_different_boxes_on_a_real_clip():
    s = FrontEndSettings()
    tb = read_crops(CLIP, s, TOOLBOX, 72)
    op = read_crops(CLIP, s, OPENRPPG, 32)
    assert tb.values.shape[1:] == (72, 72, 3) and op.values.shape[1:] == (32, 32, 3)
    assert tb.found.mean() > 0.9 and op.found.mean() > 0.9
    wt = np.nanmedian(tb.boxes[:, 2] - tb.boxes[:, 0])
    wo = np.nanmedian(op.boxes[:, 2] - op.boxes[:, 0])
    ho = np.nanmedian(op.boxes[:, 3] - op.boxes[:, 1])
    assert wt > 1.3 * wo  # the toolbox's 1.5x box is much looser than open-rppg's tight one
    assert 1.1 < ho / wo < 1.5  # open-rppg's box is taller than wide (1.1 h by 0.9 w of the detector box)


@pytest.mark.skipif(not (CLIP.exists() and TOOLBOX_PTH.exists()), reason="needs ../shared (CI always has it)")
def test_every_deep_path_crops_by_the_weights_geometry(monkeypatch, tmp_path):
    """Spy on the crop tracker: pulse (API and batch) and evaluate must use the weights' own geometry and size."""
    import micropulse.frontend.read as R
    from micropulse.rppg.deep import create_model

    seen: list[tuple[CropGeometry, int]] = []
    real = R.read_crops

    def spy(video, settings, geometry, size, progress=False):
        seen.append((geometry, size))
        return real(video, settings, geometry, size, progress)

    monkeypatch.setattr(R, "read_crops", spy)
    import micropulse.frontend.predict as P

    monkeypatch.setattr(P, "read_crops", spy)
    settings = FrontEndSettings(min_seconds=2.0)
    for path in (TOOLBOX_PTH, _openrppg_file("physnet.pure.weights.h5")):
        net = create_model("physnet", weights=path)
        expect = weights_geometry(net.weights_info)
        seen.clear()
        raw = raw_pulse(CLIP, model=net, settings=settings)
        assert seen == [(expect, net.weights_info.input_size)]
        assert raw.model_info["crop"] == expect.to_dict()
    assert weights_geometry(create_model("physnet", weights=TOOLBOX_PTH).weights_info) == TOOLBOX
    # an explicit override is used, and recorded
    seen.clear()
    raw = raw_pulse(CLIP, model=create_model("physnet", weights=TOOLBOX_PTH), settings=settings.with_(crop="openrppg"))
    assert seen[0][0] == OPENRPPG and raw.model_info["crop"]["convention"] == "openrppg"
