"""Category splits: training shapes, novel instances of the training categories, novel categories.

Each split draws objects from its categories with seeds in its own range, so the three never share a
shape. ``object_for(split, index, kind)`` is deterministic: the same arguments give the same object.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from micropulse.registry import Registry
from vatmart.objects.categories import create_object
from vatmart.objects.model import ArticulatedModel
from vatmart.objects.partnet import ObjectInfo, load_object_folder
from vatmart.objects.urdf import write_object_folder


@dataclass(frozen=True)
class Split:
    """A named set of shapes: ``categories`` and the first seed of the split's seed range."""

    name: str
    categories: tuple[str, ...]
    seed_offset: int


SPLITS: Registry[Split] = Registry("split")
for _s in (
    Split("train", ("cabinet", "drawer-chest"), 0),
    Split("novel-instance", ("cabinet", "drawer-chest"), 1_000_000),
    Split("novel-category", ("fridge", "microwave"), 2_000_000),
):
    SPLITS.register(_s.name)(_s)

#: How many candidate seeds are tried before an index is declared to have no part of a kind.
_MAX_TRIES = 64


def list_splits() -> list[str]:
    """Names of the registered splits."""
    return SPLITS.names()


def has_kind(model: ArticulatedModel, kind: str) -> bool:
    """Whether ``model`` has a moving part labelled ``kind`` (``door`` or ``drawer``)."""
    return any(lk.label == kind for lk in model.links)


def object_for(split: str, index: int, kind: str | None = None) -> ArticulatedModel:
    """The ``index``-th object of ``split`` that has a part of ``kind`` (any object when ``kind`` is None)."""
    sp = SPLITS.get(split)
    for k in range(_MAX_TRIES):
        cat = sp.categories[(index + k) % len(sp.categories)]
        model = create_object(cat, sp.seed_offset + index * _MAX_TRIES + k)
        if kind is None or has_kind(model, kind):
            return model
    raise ValueError(f"split {split!r} has no object with a {kind!r} near index {index}")


def materialise(model: ArticulatedModel, cache_dir: str | Path, *, meshes: bool = False) -> ObjectInfo:
    """Write ``model`` once as a shape folder under ``cache_dir`` (atomically) and load it back."""
    cache = Path(cache_dir)
    folder = cache / f"{model.name}{'-mesh' if meshes else ''}"
    if not (folder / "mobility.urdf").is_file():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=cache, prefix=f".{model.name}."))
        write_object_folder(model, tmp, meshes=meshes)
        try:
            os.replace(tmp, folder)
        except OSError:  # another worker won the race; its folder is identical
            shutil.rmtree(tmp, ignore_errors=True)
    return load_object_folder(folder)
