"""Dataset loaders (raw trees -> samples + ground truth) and split protocols.

Face crops of dataset videos are cached by the front end (:mod:`micropulse.frontend.cache`).

rPPG loaders live in :mod:`micropulse.datasets.rppg` (registered by name); micro-expression
loaders in :mod:`micropulse.datasets.me` (their own registry).
"""

from micropulse.datasets import rppg  # noqa: F401  (importing the loaders registers them)
from micropulse.datasets.base import Entry, LoadReport, Missing, RppgDataset, VideoSample
from micropulse.datasets.frames import FrameSource, natural_key, natural_sorted
from micropulse.datasets.registry import DATASETS, create_dataset, get_dataset, list_datasets
from micropulse.datasets.splits import get_protocol, load_protocols, split_fraction, vipl_fold

__all__ = [
    "DATASETS",
    "Entry",
    "FrameSource",
    "LoadReport",
    "Missing",
    "RppgDataset",
    "VideoSample",
    "create_dataset",
    "get_dataset",
    "get_protocol",
    "list_datasets",
    "load_protocols",
    "natural_key",
    "natural_sorted",
    "split_fraction",
    "vipl_fold",
]
