"""Preprocessing cache: uint8 crops per video, keyed by config, atomic files, no model code."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from micropulse.datasets.cache import CropCache, CropConfig
from micropulse.errors import FileFormatError, InputError


def crops(t: int = 20, s: int = 72, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(10, 250, (t, s, s, 3), dtype=np.uint8)


def test_roundtrip_is_uint8_and_atomic(tmp_path):
    cache = CropCache(tmp_path, "ubfc-rppg", CropConfig(size=72))
    x = crops()
    assert not cache.has("subject1")
    cache.save("subject1", x, fps=30.0, extra={"face_coverage": 1.0})
    assert cache.has("subject1")
    y = cache.load("subject1")
    assert y.dtype == np.uint8 and np.array_equal(y, x)
    assert (
        cache.info("subject1")["n_frames"] == 20
        and cache.info("subject1")["key"] == CropConfig(size=72).key()
    )
    assert not list(tmp_path.rglob("*.tmp"))
    npy, meta = cache.paths("subject1")
    assert npy.stat().st_size < x.nbytes + 1024  # stored compact, not float64


def test_key_changes_with_every_setting(tmp_path):
    keys = {
        CropConfig(size=72).key(),
        CropConfig(size=128).key(),
        CropConfig(size=72, scale=1.6).key(),
        CropConfig(size=72, backend="haar").key(),
    }
    assert len(keys) == 4
    a = CropCache(tmp_path, "pure", CropConfig(size=72))
    a.save("01-01", crops(), 30.0)
    assert not CropCache(tmp_path, "pure", CropConfig(size=128)).has("01-01")
    with pytest.raises(InputError, match="72, 128"):
        CropConfig(size=64)
    with pytest.raises(InputError, match="uint8"):
        a.save("01-02", crops().astype(np.float64), 30.0)


def test_half_written_entry_is_not_finished(tmp_path):
    cache = CropCache(tmp_path, "pure", CropConfig(size=72))
    cache.save("01-01", crops(), 30.0)
    npy, meta = cache.paths("01-01")
    meta.unlink()  # a crash between the two renames leaves no JSON
    assert not cache.has("01-01")
    with pytest.raises(FileFormatError, match="no cached crops"):
        cache.load("01-01")
    npy.write_bytes(b"garbage")
    meta.write_text(json.dumps({"n_frames": 20}))
    with pytest.raises(FileFormatError, match="unreadable cached crops"):
        cache.load("01-01")


def test_cache_returns_the_stored_uint8_crops_and_needs_no_torch(tmp_path):
    cache = CropCache(tmp_path, "mmpd", CropConfig(size=72))
    x = crops(t=12)
    cache.save("v", x, 30.0)
    got = cache.load("v")
    assert got.dtype == np.uint8 and np.array_equal(got, x)  # normalisation belongs to the weights
    code = "import sys, micropulse.datasets.cache; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
