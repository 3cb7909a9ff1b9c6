"""Classic (unsupervised) rPPG methods: RGB trace (T, 3) -> BVP (T,), numpy/scipy only.

GREEN, ICA, CHROM, LGI, PBV, POS, OMIT, PCA and SSR (SSR takes skin pixels (T, N, 3)), with the
constants of specs/rppg.md section 5. One module per method; each registers itself here::

    >>> from micropulse.rppg.classic import apply_method, list_methods
    >>> bvp = apply_method("pos", rgb, fs=30.0)  # doctest: +SKIP

Methods without their own filter return a raw BVP: detrend and band-pass it (the evaluation
recipe, spec section 4.2) before estimating a heart rate; see ``get_method(name).info``.
"""

from __future__ import annotations

# Importing the method modules registers them (order irrelevant; names are sorted).
from micropulse.rppg.classic import chrom, green, ica, lgi, omit, pbv, pca, pos, ssr  # noqa: F401
from micropulse.rppg.classic.registry import (
    METHODS,
    ClassicMethod,
    MethodInfo,
    apply_method,
    get_method,
    list_methods,
    list_trace_methods,
)

__all__ = ["METHODS", "ClassicMethod", "MethodInfo", "apply_method", "get_method", "list_methods", "list_trace_methods"]
