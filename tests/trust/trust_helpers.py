"""Helpers shared by the trust tests (imported by the test modules; not a test file)."""

from __future__ import annotations

import numpy as np


def linear_model(weights: np.ndarray):
    """A numpy callable: flattened inputs @ weights -> logits."""
    return lambda x: np.asarray(x, dtype=np.float64).reshape(len(x), -1) @ weights
