"""rPPG dataset loaders, one file per raw tree (spec rppg.md §6). Importing this registers them."""

from micropulse.datasets.rppg import (  # noqa: F401  (import registers the loader)
    cohface,
    ibvp,
    mmpd,
    pure,
    scamps,
    ubfc_phys,
    ubfc_rppg,
    vipl_hr,
)
