"""The rPPG dataset registry: ``get_dataset("ubfc-rppg", root)`` and ``list_datasets()``.

Loaders register themselves by name in ``datasets/rppg/*.py``; importing
:mod:`micropulse.datasets.rppg` registers all of them.
"""

from __future__ import annotations

from pathlib import Path

from micropulse.registry import Registry

DATASETS: Registry[type] = Registry("rPPG dataset")


def _load_all() -> None:
    import micropulse.datasets.rppg  # noqa: F401  (registers every loader)


def list_datasets() -> list[str]:
    """Names of the registered rPPG dataset loaders."""
    _load_all()
    return DATASETS.names()


def get_dataset(name: str, root: str | Path, alignment: str = "timestamps", entries: list | None = None):
    """Open a raw dataset tree with its loader.

    Args:
        name: registered name (see :func:`list_datasets`); unknown names list the known ones.
        root: the dataset folder as distributed.
        alignment: ``"timestamps"`` (default) or ``"index"`` (the papers' index-space resampling).
        entries: entries from an earlier scan (skips scanning; used by worker processes).
    """
    _load_all()
    return DATASETS.get(name)(root, alignment=alignment, entries=entries)
