"""Micro-expression dataset loaders (their own registry, separate from the rPPG datasets).

``load_me_dataset("samm-lv", root)`` scans a raw tree as distributed and returns one
:class:`MEVideo` descriptor per video (frame paths + labelled intervals on the frame grid); frames are
decoded only on demand. Registered: casme3, samm-lv, casme-sq (CAS(ME)^2), casme2, smic-e-hs/vis/nir,
and the MEGC-2025 unseen-set layouts casme3-test and samm-test.
"""

from __future__ import annotations

from micropulse.datasets.me.base import MEVideo
from micropulse.datasets.me.registry import ME_DATASETS, list_me_datasets, load_me_dataset

__all__ = ["ME_DATASETS", "MEVideo", "list_me_datasets", "load_me_dataset"]
