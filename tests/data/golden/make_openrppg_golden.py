"""Make the open-rppg golden input/output pairs (run ONCE, by hand, outside the project venv).

The committed ``openrppg_golden.npz`` holds a small synthetic clip and the outputs that open-rppg's own
Keras/jax models give for it with the weights shipped in the ``open-rppg`` wheel. The micropulse import
(``micropulse.rppg.deep.openrppg``) is tested against these arrays without jax or keras.

How it was made (throwaway venv, never the project's)::

    python3.11 -m venv /tmp/orv
    /tmp/orv/bin/pip install jax keras einops h5py "numpy<2.3" "setuptools<81"
    pip download --no-deps open-rppg==0.1.1 -d /tmp/openrppg && unzip the wheel into /tmp/openrppg/x
    /tmp/orv/bin/python tests/data/golden/make_openrppg_golden.py /tmp/openrppg/x/rppg

Deliberate choice: open-rppg sets Keras' global policy to ``mixed_float16`` at import. We reset it to
``float32`` before building the models so the reference is computed in fp32 (the weights are stored as
float16 in the .h5 files and are cast to fp32 on load on both sides); the comparison can then be tight
(<= 1e-4). Everything else is open-rppg's code path: ``model(x / 255)`` including its in-model input and
output standardisation.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np

FRAMES, SIZE = 64, 32
HERE = Path(__file__).resolve().parent


def synthetic_clip(frames: int = FRAMES, size: int = SIZE, fs: float = 30.0) -> np.ndarray:
    """A smooth uint8 clip (T, S, S, 3): a skin-coloured ellipse whose colour pulses at 72 bpm, on a
    gradient background, with slow drift and a little seeded noise (compresses well, not constant)."""
    rng = np.random.default_rng(20261125)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) / (size - 1)
    face = (((xx - 0.5) / 0.33) ** 2 + ((yy - 0.5) / 0.42) ** 2) <= 1.0
    t = np.arange(frames) / fs
    pulse = np.sin(2 * np.pi * 1.2 * t)
    clip = np.empty((frames, size, size, 3))
    skin = np.array([190.0, 140.0, 120.0])
    gain = np.array([0.6, 1.6, 0.8])
    for k in range(frames):
        bg = 60 + 80 * xx[..., None] * np.array([0.5, 0.7, 1.0]) + 10 * np.sin(0.2 * k)
        fg = skin + 3.0 * gain * pulse[k] + 8.0 * (yy[..., None] - 0.5)
        clip[k] = np.where(face[..., None], fg, bg)
    clip += rng.normal(0.0, 1.5, clip.shape)
    return np.clip(np.round(clip), 0, 255).astype(np.uint8)


def load_openrppg_models(pkg_dir: Path) -> types.ModuleType:
    """Import ``rppg.models`` from an unpacked wheel without running ``rppg/__init__`` (which needs
    onnxruntime, av, opencv)."""
    pkg = types.ModuleType("rppg")
    pkg.__path__ = [str(pkg_dir)]
    sys.modules["rppg"] = pkg
    import importlib

    models = importlib.import_module("rppg.models")
    import keras

    keras.mixed_precision.set_global_policy("float32")
    return models


def main(pkg_dir: str) -> None:
    pkg = Path(pkg_dir)
    models = load_openrppg_models(pkg)
    clip = synthetic_clip()
    x = clip[None].astype(np.float32) / 255.0
    out: dict[str, np.ndarray] = {"clip": clip}
    for name in ("RhythmMamba.pure", "RhythmMamba.rlap"):
        model = models.RhythmMamba()
        model(np.zeros((1, 160, 128, 128, 3), dtype=np.float32))
        model.load_weights(str(pkg / "weights" / f"{name}.weights.h5"))
        out[name] = np.asarray(model(x, training=False), dtype=np.float32)[0]
    for name in ("physnet.pure", "physnet.rlap"):
        model = models.PhysNet()
        model(np.zeros((1, 128, 32, 32, 3), dtype=np.float32))
        model.load_weights(str(pkg / "weights" / f"{name}.weights.h5"))
        out[name] = np.asarray(model(x, training=False), dtype=np.float32)[0]
    np.savez_compressed(HERE / "openrppg_golden.npz", **out)
    for key, value in out.items():
        print(key, value.shape, value.dtype)


if __name__ == "__main__":
    main(sys.argv[1])
