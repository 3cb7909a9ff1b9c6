"""Deprecated location of :func:`micropulse.synth.rppg_trees.make_ubfc_tree` (kept for code written before the
synthetic tree writers moved to :mod:`micropulse.synth.rppg_trees`, which writes every rPPG layout).

New code imports from ``micropulse.synth.rppg_trees``; once no caller imports this module it can go, and with it
the import-linter exception for ``micropulse.datasets.rppg.synthetic -> micropulse.synth``.
"""

from __future__ import annotations

from micropulse.synth.rppg_trees import make_ubfc_tree

__all__ = ["make_ubfc_tree"]
