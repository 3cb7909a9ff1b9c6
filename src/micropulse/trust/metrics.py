"""Metrics of a defended classifier: accuracy, label agreement, calibration (ECE), distortion, and the
robustness summary of an attack (robust accuracy and success rate at query budgets, queries of successes).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np

ECE_BINS = 15  # equal-width bins on the top-1 probability (AAA repo's ECE)
REPORT_BUDGETS = (100, 500, 1000, 2500)  # query budgets reported in summary.json


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax (probabilities), stable for large logits."""
    z = np.asarray(logits, dtype=np.float64)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def ece(probs: np.ndarray, labels: np.ndarray, n_bins: int = ECE_BINS) -> float:
    """Expected calibration error (fraction, 0..1): sum over equal-width confidence bins of
    ``|accuracy - mean confidence| * share of samples``; confidence = the top-1 probability."""
    p = np.asarray(probs, dtype=np.float64)
    conf = p.max(axis=1)
    correct = (p.argmax(axis=1) == np.asarray(labels)).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        inside = (conf > lo) & (conf <= hi)
        if inside.any():
            total += abs(correct[inside].mean() - conf[inside].mean()) * inside.mean()
    return float(total)


@dataclass(frozen=True)
class CleanMetrics:
    """How a defense changes a model's clean outputs (on the victim's whole test split).

    Attributes:
        clean_acc / defended_clean_acc: accuracy (fraction) of the undefended / defended model.
        label_agreement: fraction of inputs whose predicted label the defense kept.
        ece / ece_undefended: ECE with 15 bins of the defended / undefended softmax (fraction).
        mean_abs_delta_top1_prob: mean |p_defended - p_undefended| of the undefended top-1 class.
        max_abs_delta_logit: largest |z_defended - z_undefended| over all logits (logit units).
        median_clean_margin: median undefended top-1 margin (logit units), to compare with tau.
    """

    clean_acc: float
    defended_clean_acc: float
    label_agreement: float
    ece: float
    ece_undefended: float
    mean_abs_delta_top1_prob: float
    max_abs_delta_logit: float
    median_clean_margin: float

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def clean_metrics(raw: np.ndarray, defended: np.ndarray, labels: np.ndarray) -> CleanMetrics:
    """Compare undefended logits ``raw`` and defended logits ``defended`` (both (N, C)) on ``labels``."""
    labels = np.asarray(labels)
    p_raw, p_def = softmax(raw), softmax(defended)
    top = raw.argmax(axis=1)
    rows = np.arange(len(top))
    srt = np.sort(raw, axis=1)
    return CleanMetrics(
        clean_acc=float(np.mean(top == labels)),
        defended_clean_acc=float(np.mean(defended.argmax(axis=1) == labels)),
        label_agreement=float(np.mean(defended.argmax(axis=1) == top)),
        ece=ece(p_def, labels),
        ece_undefended=ece(p_raw, labels),
        mean_abs_delta_top1_prob=float(np.mean(np.abs(p_def[rows, top] - p_raw[rows, top]))),
        max_abs_delta_logit=float(np.max(np.abs(defended - raw))),
        median_clean_margin=float(np.median(srt[:, -1] - srt[:, -2])),
    )


def robust_curve(success_query: np.ndarray, budget: int) -> np.ndarray:
    """Share of inputs not fooled after q queries, q = 0..budget, from the query at which each input was
    fooled (-1 = never; 0 = before the attack)."""
    sq = np.asarray(success_query)
    fooled = np.zeros(int(budget) + 1, dtype=np.int64)
    np.add.at(fooled, np.clip(sq[sq >= 0], 0, budget), 1)
    return 1.0 - np.cumsum(fooled) / max(len(sq), 1)


def budgets_for(budget: int, extra: Iterable[int] = REPORT_BUDGETS) -> list[int]:
    """The report budgets not above ``budget``, plus ``budget`` itself."""
    return sorted({b for b in extra if b <= budget} | {int(budget)})


def robustness(curve: np.ndarray, success_query: np.ndarray, budget: int) -> dict:
    """Robust accuracy / attack success rate at the report budgets and the queries of successes.

    Args:
        curve: robust accuracy after q queries, q = 0..budget.
        success_query: query at which each attacked image was fooled (0 = misclassified by the defended
            model before the attack, -1 = never).
    """
    keys = budgets_for(budget)
    won = success_query[success_query >= 0]
    return {
        "robust_acc": {str(q): float(curve[q]) for q in keys},
        "attack_success_rate": {str(q): float(1.0 - curve[q]) for q in keys},
        "mean_queries": float(np.mean(won)) if len(won) else None,
        "median_queries": float(np.median(won)) if len(won) else None,
        "n_success": int(len(won)),
    }
