"""Micro-expression dataset loaders (their own registry, separate from the rPPG datasets).

``create_dataset("samm-lv", root)`` scans a raw tree as distributed and returns one
:class:`MEVideo` descriptor per video (frame paths + labelled intervals on the frame grid); frames are
decoded only on demand. Registered: casme3, samm-lv, casme-sq (CAS(ME)^2), casme2, smic-e-hs/vis/nir,
and the MEGC-2025 unseen-set layouts casme3-test and samm-test.
"""

from __future__ import annotations

# Importing the loader modules registers them (order irrelevant; names are sorted).
from micropulse.datasets.me import casme2, casme3, casme_sq, samm_lv, smic  # noqa: F401
from micropulse.datasets.me.base import MEVideo
from micropulse.datasets.me.registry import (
    ME_DATASETS,
    create_dataset,
    list_datasets,
    list_me_datasets,
    load_me_dataset,
)

__all__ = ["ME_DATASETS", "MEVideo", "create_dataset", "list_datasets", "list_me_datasets", "load_me_dataset"]
