"""The registry of micro-expression dataset loaders (separate from the rPPG dataset registry).

Every entry is a function ``load(root, *, include_macro=False, keep_empty=False) -> list[MEVideo]``,
registered by its own module (``casme3.py``...); the ``micropulse.datasets.me`` package imports them all.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from micropulse.datasets.me.base import MEVideo
from micropulse.registry import Registry

ME_DATASETS: Registry[Callable[..., list[MEVideo]]] = Registry("ME dataset")


def list_datasets() -> list[str]:
    """Names of the registered ME dataset loaders."""
    return ME_DATASETS.names()


def create_dataset(
    name: str, root: str | Path, *, include_macro: bool = False, keep_empty: bool = False
) -> list[MEVideo]:
    """Scan the raw tree of dataset ``name`` at ``root`` into one :class:`MEVideo` per video; an unknown
    name lists the known ones."""
    return ME_DATASETS.get(name)(root, include_macro=include_macro, keep_empty=keep_empty)


def list_me_datasets() -> list[str]:
    """Deprecated alias of :func:`list_datasets`."""
    return list_datasets()


def load_me_dataset(
    name: str, root: str | Path, *, include_macro: bool = False, keep_empty: bool = False
) -> list[MEVideo]:
    """Deprecated alias of :func:`create_dataset`."""
    return create_dataset(name, root, include_macro=include_macro, keep_empty=keep_empty)
