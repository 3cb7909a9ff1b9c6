"""The rPPG dataset registry: ``list_datasets()``, ``create_dataset("ubfc-rppg", root)``.

Loaders register themselves by name in ``datasets/rppg/*.py``; the ``micropulse.datasets`` package imports
:mod:`micropulse.datasets.rppg`, which registers all of them (this module never imports its entries).
"""

from __future__ import annotations

from pathlib import Path

from micropulse.registry import Registry

DATASETS: Registry[type] = Registry("rPPG dataset")


def list_datasets() -> list[str]:
    """Names of the registered rPPG dataset loaders."""
    return DATASETS.names()


def create_dataset(name: str, root: str | Path, alignment: str = "timestamps", entries: list | None = None):
    """Open a raw dataset tree with its loader.

    Args:
        name: registered name (see :func:`list_datasets`); unknown names list the known ones.
        root: the dataset folder as distributed.
        alignment: ``"timestamps"`` (default) or ``"index"`` (the papers' index-space resampling).
        entries: entries from an earlier scan (skips scanning; used by worker processes).
    """
    return DATASETS.get(name)(root, alignment=alignment, entries=entries)


def get_dataset(name: str, root: str | Path, alignment: str = "timestamps", entries: list | None = None):
    """Deprecated alias of :func:`create_dataset` (kept for code written before the registry vocabulary)."""
    return create_dataset(name, root, alignment=alignment, entries=entries)
