"""Bland-Altman agreement between predicted and true heart rates.

Standard form (Bland & Altman 1986): x = mean of the two methods, y = prediction − truth, limits of
agreement = bias ± 1.96·SD (SD of the differences, ddof=1). ``sqrt2=True`` gives the rPPG-Toolbox's
``averaged=True`` variant, bias ± 1.96·√2·SD (spec §4.4, trap §9.21); its other quirks (GT − pred
sign, in-place jitter, swapped axis labels) are not reproduced.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from micropulse.errors import InputError


@dataclass(frozen=True)
class BlandAltman:
    """Bias and limits of agreement, bpm; ``sqrt2`` tells which limits were used."""

    bias: float
    sd: float
    lower: float
    upper: float
    n: int
    sqrt2: bool

    def to_dict(self) -> dict:
        return {
            "bias_bpm": round(self.bias, 6),
            "sd_bpm": round(self.sd, 6),
            "loa_bpm": [round(self.lower, 6), round(self.upper, 6)],
            "n": self.n,
            "limits": "bias +- 1.96*sqrt(2)*SD (toolbox)" if self.sqrt2 else "bias +- 1.96*SD",
            "difference": "prediction - ground truth",
        }


def bland_altman(hr_pred: np.ndarray, hr_gt: np.ndarray, sqrt2: bool = False) -> BlandAltman:
    """Bias (mean of pred − gt) and 95 % limits of agreement, bpm."""
    pred = np.asarray(hr_pred, dtype=np.float64).ravel()
    gt = np.asarray(hr_gt, dtype=np.float64).ravel()
    if pred.size != gt.size or pred.size < 2:
        raise InputError(f"Bland-Altman needs >= 2 paired HRs, got {pred.size} and {gt.size}")
    diff = pred - gt
    bias, sd = float(diff.mean()), float(diff.std(ddof=1))
    half = 1.96 * sd * (math.sqrt(2) if sqrt2 else 1.0)
    return BlandAltman(bias, sd, bias - half, bias + half, int(diff.size), sqrt2)


def plot_report(
    hr_pred: np.ndarray,
    hr_gt: np.ndarray,
    path: str | Path,
    title: str,
    sqrt2: bool = False,
) -> BlandAltman:
    """Write a PNG with a scatter (truth vs prediction, identity line) and the Bland-Altman plot."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ba = bland_altman(hr_pred, hr_gt, sqrt2=sqrt2)
    pred, gt = np.asarray(hr_pred, float), np.asarray(hr_gt, float)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4.2))
    lo, hi = float(min(pred.min(), gt.min())) - 5, float(max(pred.max(), gt.max())) + 5
    ax1.scatter(gt, pred, s=14, alpha=0.8)
    ax1.plot([lo, hi], [lo, hi], "k--", lw=1)
    ax1.set(xlim=(lo, hi), ylim=(lo, hi), xlabel="ground-truth HR (bpm)", ylabel="predicted HR (bpm)")
    ax1.set_title("prediction vs truth")
    mean = (pred + gt) / 2
    ax2.scatter(mean, pred - gt, s=14, alpha=0.8)
    for y, style in ((ba.bias, "-"), (ba.lower, "--"), (ba.upper, "--")):
        ax2.axhline(y, color="k", ls=style, lw=1)
        ax2.annotate(
            f"{y:+.2f}", (1.0, y), xycoords=("axes fraction", "data"), ha="right", va="bottom", fontsize=8
        )
    ax2.set(xlabel="mean of prediction and truth (bpm)", ylabel="prediction − truth (bpm)")
    limits = "1.96·√2·SD" if sqrt2 else "1.96·SD"
    ax2.set_title(f"Bland-Altman (bias ± {limits})")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)
    return ba
