"""The registry of micro-expression dataset loaders (separate from the rPPG dataset registry).

Every entry is a function ``load(root, *, include_macro=False, keep_empty=False) -> list[MEVideo]``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from micropulse.datasets.me.base import MEVideo
from micropulse.registry import Registry

ME_DATASETS: Registry[Callable[..., list[MEVideo]]] = Registry("ME dataset")

_MODULES = ("casme3", "samm_lv", "casme_sq", "casme2", "smic")


def _load_all() -> None:
    for mod in _MODULES:
        importlib.import_module(f"micropulse.datasets.me.{mod}")


def list_me_datasets() -> list[str]:
    """Names of the registered ME dataset loaders."""
    _load_all()
    return ME_DATASETS.names()


def load_me_dataset(
    name: str, root: str | Path, *, include_macro: bool = False, keep_empty: bool = False
) -> list[MEVideo]:
    """Scan the raw tree of dataset ``name`` at ``root``; an unknown name lists the known ones."""
    _load_all()
    return ME_DATASETS.get(name)(root, include_macro=include_macro, keep_empty=keep_empty)
