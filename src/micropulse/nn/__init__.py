"""Shared torch blocks: selective scan, Mamba layer, diff-fusion stem, DropPath and initialisers.

Importing this package imports torch; nothing outside nn, rppg.deep, me.models and train does.
"""

from micropulse.nn.layers import DropPath, drop_path, kaiming_uniform_scaled_, lecun_normal_, trunc_normal_
from micropulse.nn.mamba import Mamba, MambaState
from micropulse.nn.scan import selective_scan, selective_scan_step
from micropulse.nn.stem import FusionStem, Pool, rhythmformer_stem, rhythmmamba_stem

__all__ = [
    "DropPath",
    "FusionStem",
    "Mamba",
    "MambaState",
    "Pool",
    "drop_path",
    "kaiming_uniform_scaled_",
    "lecun_normal_",
    "rhythmformer_stem",
    "rhythmmamba_stem",
    "selective_scan",
    "selective_scan_step",
    "trunc_normal_",
]
