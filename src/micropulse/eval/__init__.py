"""Evaluation: metrics with standard errors, named recipes, Bland-Altman, reports, the runner.

Recipes (``toolbox-2023``, ``toolbox-2025``, ``rhythm``) live in :mod:`micropulse.signals.recipes`;
every output here names the one it used.
"""

from micropulse.eval.blandaltman import BlandAltman, bland_altman, plot_report
from micropulse.eval.metrics import Metric, MetricSet, compute_metrics
from micropulse.eval.windows import WindowResult, evaluate_waveforms

__all__ = [
    "BlandAltman",
    "Metric",
    "MetricSet",
    "WindowResult",
    "bland_altman",
    "compute_metrics",
    "evaluate_waveforms",
    "plot_report",
]
