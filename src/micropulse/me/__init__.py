"""Micro-expressions: ROI flow features, labels, ME-TST models, decoding, and the MEGC scorer.

Submodules are imported on demand (``micropulse.me.score`` needs only numpy/pandas; ``me.models``
needs torch), so ``import micropulse.me`` stays light.
"""

from __future__ import annotations
