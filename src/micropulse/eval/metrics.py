"""Benchmark metrics over a set of per-video (or per-window) heart rates, each with its standard
error, as the rPPG papers report them (spec rppg.md §4.4).

With Δ = HR_pred − HR_gt (bpm) over n videos or windows, and ``std`` the population standard
deviation (numpy's default, ddof=0, as in the toolbox):

=======  =====================================  ================================================
metric   value                                  standard error
=======  =====================================  ================================================
MAE      mean|Δ| (bpm)                          std(|Δ|)/√n
RMSE     √mean(Δ²) (bpm)                        ``rmse_se="sqrt"``: √(std(Δ²)/√n) (toolbox HEAD,
                                                recipe toolbox-2025); ``"plain"``: std(Δ²)/√n
                                                (RhythmFormer/Mamba forks, recipes rhythm and
                                                toolbox-2023 — the forks branched from the 2023
                                                toolbox; both are dimensionally odd, kept to
                                                reproduce the papers' "±")
MAPE     100·mean|Δ/HR_gt| (%)                  100·std(|Δ/HR_gt|)/√n
Pearson  r(HR_pred, HR_gt)                      √((1−r²)/(n−2))
SNR      mean SNR (dB)                          std/√n
MACC     mean MACC                              std/√n
=======  =====================================  ================================================

Every result names the recipe that produced the HRs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from micropulse.errors import InputError

RMSE_SE_VARIANTS = ("sqrt", "plain")
#: Which RMSE standard error each recipe's code reports (see the module docstring).
RMSE_SE_BY_RECIPE = {"toolbox-2025": "sqrt", "toolbox-2023": "plain", "rhythm": "plain"}


def _round(x: float | None, nd: int = 6) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), nd)


@dataclass(frozen=True)
class Metric:
    """One metric: value, standard error, unit, number of HRs it was computed over."""

    name: str
    value: float
    se: float
    unit: str
    n: int

    def to_dict(self) -> dict:
        return {"value": _round(self.value), "se": _round(self.se), "unit": self.unit, "n": self.n}


@dataclass(frozen=True)
class MetricSet:
    """All metrics of one evaluation, with the recipe and the SE variant that produced them."""

    recipe: str
    metrics: dict[str, Metric]
    rmse_se: str
    level: str  # "video" (whole-video HRs) or "window"

    def __getitem__(self, name: str) -> Metric:
        return self.metrics[name]

    def to_dict(self) -> dict:
        return {
            "recipe": self.recipe,
            "level": self.level,
            "rmse_se": self.rmse_se,
            "metrics": {k: m.to_dict() for k, m in self.metrics.items()},
        }


def _vec(x, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64).ravel()
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} contains NaN/inf; drop the videos whose HR failed first")
    return arr


def mae(pred: np.ndarray, gt: np.ndarray) -> Metric:
    err = np.abs(pred - gt)
    return Metric("MAE", float(err.mean()), float(err.std() / math.sqrt(err.size)), "bpm", err.size)


def rmse(pred: np.ndarray, gt: np.ndarray, se: str = "sqrt") -> Metric:
    if se not in RMSE_SE_VARIANTS:
        raise InputError(f"rmse_se must be one of {RMSE_SE_VARIANTS}, got {se!r}")
    sq = (pred - gt) ** 2
    plain = float(sq.std() / math.sqrt(sq.size))
    return Metric(
        "RMSE", float(math.sqrt(sq.mean())), math.sqrt(plain) if se == "sqrt" else plain, "bpm", sq.size
    )


def mape(pred: np.ndarray, gt: np.ndarray) -> Metric:
    if np.any(gt <= 0):
        raise InputError("ground-truth HR must be > 0 bpm for MAPE")
    rel = np.abs((pred - gt) / gt)
    return Metric(
        "MAPE", float(100 * rel.mean()), float(100 * rel.std() / math.sqrt(rel.size)), "%", rel.size
    )


def pearson(pred: np.ndarray, gt: np.ndarray) -> Metric:
    n = pred.size
    if n < 3 or pred.std() == 0 or gt.std() == 0:
        return Metric("Pearson", float("nan"), float("nan"), "", n)
    r = float(np.corrcoef(pred, gt)[0, 1])
    return Metric("Pearson", r, math.sqrt(max(0.0, 1 - r * r) / (n - 2)), "", n)


def mean_se(values: np.ndarray, name: str, unit: str) -> Metric:
    return Metric(name, float(values.mean()), float(values.std() / math.sqrt(values.size)), unit, values.size)


def compute_metrics(
    hr_pred: np.ndarray,
    hr_gt: np.ndarray,
    recipe: str,
    snr_db: np.ndarray | None = None,
    macc: np.ndarray | None = None,
    rmse_se: str | None = None,
    level: str = "video",
) -> MetricSet:
    """MAE, RMSE, MAPE, Pearson (+ SNR, MACC when given) with standard errors.

    Args:
        hr_pred, hr_gt: per-video (or per-window) heart rates, bpm, same length n >= 1.
        recipe: the evaluation recipe that produced the HRs (written into the result).
        snr_db, macc: per-video values (optional).
        rmse_se: ``"sqrt"`` or ``"plain"`` (see module docstring); default: the recipe's own.
        level: ``"video"`` or ``"window"`` (what n counts).
    """
    pred, gt = _vec(hr_pred, "hr_pred"), _vec(hr_gt, "hr_gt")
    if pred.size != gt.size or pred.size == 0:
        raise InputError(f"need equally many predicted and true HRs (>= 1), got {pred.size} and {gt.size}")
    se = rmse_se or RMSE_SE_BY_RECIPE.get(recipe, "sqrt")
    out = {
        "MAE": mae(pred, gt),
        "RMSE": rmse(pred, gt, se),
        "MAPE": mape(pred, gt),
        "Pearson": pearson(pred, gt),
    }
    if snr_db is not None and np.size(snr_db):
        out["SNR"] = mean_se(_vec(snr_db, "snr_db"), "SNR", "dB")
    if macc is not None and np.size(macc):
        out["MACC"] = mean_se(_vec(macc, "macc"), "MACC", "")
    return MetricSet(recipe, out, se, level)
