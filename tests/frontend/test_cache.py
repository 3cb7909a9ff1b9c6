"""The front end's crop cache: uint8 crops per video keyed by settings + geometry + size, atomic, no torch."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from micropulse.errors import FileFormatError
from micropulse.face.geometry import OPENRPPG, TOOLBOX
from micropulse.frontend import FaceSignal, FrontEndSettings
from micropulse.frontend.cache import CropStore, cached_crops, crop_key


def _face(t: int = 20, s: int = 72, seed: int = 0) -> FaceSignal:
    rng = np.random.default_rng(seed)
    found = np.ones(t, bool)
    found[3] = False
    boxes = rng.uniform(0, 100, (t, 4))
    boxes[3] = np.nan
    return FaceSignal(source="v.mp4", times_s=np.arange(t) / 30.0, found=found,
                      values=rng.integers(10, 250, (t, s, s, 3), dtype=np.uint8), boxes=boxes, fps=30.0,
                      n_frames=t, lossy=True, codec="h264", geometry=TOOLBOX)  # fmt: skip


def test_roundtrip_is_uint8_memory_mapped_and_complete(tmp_path):
    store = CropStore(tmp_path, "ubfc-rppg", FrontEndSettings(), TOOLBOX, 72)
    face = _face()
    assert not store.has("subject1")
    store.save("subject1", face)
    got = store.load("subject1")
    assert isinstance(got.values, np.memmap) and got.values.dtype == np.uint8
    assert np.array_equal(got.values, face.values) and np.array_equal(got.found, face.found)
    np.testing.assert_allclose(got.boxes, face.boxes)  # NaN rows survive
    assert got.geometry == TOOLBOX and got.lossy is True and got.fps == 30.0
    assert not list(tmp_path.rglob("*.partial"))


def test_key_changes_with_what_decides_the_crops():
    s = FrontEndSettings()
    keys = {crop_key(s, TOOLBOX, 72), crop_key(s, TOOLBOX, 128), crop_key(s, OPENRPPG, 72),
            crop_key(s.with_(fps=25.0), TOOLBOX, 72), crop_key(s.with_(face="haar"), TOOLBOX, 72)}  # fmt: skip
    assert len(keys) == 5
    assert crop_key(s.with_(segment="whole"), TOOLBOX, 72) == crop_key(s, TOOLBOX, 72)  # not a crop setting


def test_half_written_entry_is_not_finished(tmp_path):
    store = CropStore(tmp_path, "pure", FrontEndSettings(), TOOLBOX, 72)
    store.save("01-01", _face())
    npy, meta = store._paths("01-01")
    meta.unlink()  # a crash between the two writes leaves no metadata
    assert not store.has("01-01")
    meta.write_text("{")
    with pytest.raises(FileFormatError, match="unreadable cached crops"):
        store.load("01-01")


def test_cached_crops_reads_once(tmp_path, monkeypatch):
    import micropulse.frontend.cache as C

    calls = []

    def fake_read(video, settings, geometry, size, progress=False):
        calls.append(video)
        return _face(s=size)

    monkeypatch.setattr(C, "read_crops", fake_read)
    store = CropStore(tmp_path, "mmpd", FrontEndSettings(), TOOLBOX, 72)
    a = cached_crops(store, "v1", "video-a")
    b = cached_crops(store, "v1", "video-a")
    assert calls == ["video-a"] and np.array_equal(a.values, b.values)


def test_cache_needs_no_torch():
    code = "import sys, micropulse.frontend.cache; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
