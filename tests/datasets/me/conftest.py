"""Fixture helpers for the ME loader tests: tiny JPEG frames written with cv2."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import cv2
import numpy as np
import pytest


def _write_jpgs(folder: Path, names: Iterable[str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, name in enumerate(names):
        img = np.full((8, 8), (i * 7) % 256, dtype=np.uint8)
        path = folder / name
        assert cv2.imwrite(str(path), img)
        out.append(path)
    return out


@pytest.fixture()
def write_jpgs() -> Callable[[Path, Iterable[str]], list[Path]]:
    """``write_jpgs(folder, names)``: 8x8 grey JPEGs whose grey level encodes their order."""
    return _write_jpgs
