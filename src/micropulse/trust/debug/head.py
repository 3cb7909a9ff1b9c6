"""Data debugging for a trained linear head (e.g. the ME recognition head fed its penultimate features).

A C-class head ``logits = W h + b`` decides between two classes p and q by the sign of
``(W_p - W_q) . h + (b_p - b_q)``. Appending a constant 1 to every feature vector folds the bias into a
bias-free linear classifier, so the head's pairwise decision becomes the starting model ``w0`` of a
DEBUGGABLE instance: "SGD fine-tuning of this head on these labelled samples — which ones should be
dropped so that the test sample comes out right?" numpy only: the caller extracts weights and features
from its torch model (``head.weight.detach().numpy()``).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from micropulse.errors import InputError
from micropulse.trust.debug.instance import Instance
from micropulse.trust.debug.losses import create_loss


@dataclass(frozen=True, eq=False)
class HeadProblem:
    """The instance and, for each of its training samples, the index of the sample it came from."""

    instance: Instance
    sample_index: np.ndarray
    positive_class: int
    negative_class: int | None


def _exact(a: np.ndarray, decimals: int | None) -> list:
    a = np.asarray(a, dtype=np.float64)
    if not np.isfinite(a).all():
        raise InputError("weights and features must be finite")
    if decimals is None:
        return np.vectorize(Fraction, otypes=[object])(a).tolist()
    return np.vectorize(lambda v: Fraction(f"{v:.{decimals}f}"), otypes=[object])(a).tolist()


def linear_head_instance(
    weight: np.ndarray, bias: np.ndarray | None, features: np.ndarray, labels: np.ndarray,
    x_test: np.ndarray, y_test: int, *, positive_class: int = 0, negative_class: int | None = None,
    loss: str = "hinge", alpha: object = 1, beta: object = 0, lr: object = Fraction(1, 10), epochs: int = 1,
    eps: object = 0, decimals: int | None = None,
) -> HeadProblem:  # fmt: skip
    """Build the DEBUGGABLE instance "fine-tune this head by SGD on (features, labels)".

    Args:
        weight: (C, D) head weights (C = 1: one logit, +1 iff logit >= 0; C >= 2: classes p vs q).
        bias: (C,) head bias or None.
        features: (N, D) penultimate features of the fine-tuning samples, in training order.
        labels: (N,) class indices (C >= 2; samples of other classes are left out) or labels in
            {-1, +1} / {0, 1} (C = 1).
        x_test: (D,) features of the test sample; y_test its class index (C >= 2) or +-1 (C = 1).
        positive_class, negative_class: the two classes compared (C >= 2; negative_class is required
            when C > 2, and is the other class when C = 2).
        loss, alpha, beta, lr, epochs, eps: the SGD fine-tuning (lr is one learning rate for every coordinate).
        decimals: round weights and features to this many decimals first (smaller exact numbers), or None
            to use their exact float values.
    """
    W = np.atleast_2d(np.asarray(weight, dtype=np.float64))
    C, D = W.shape
    b = np.zeros(C) if bias is None else np.asarray(bias, dtype=np.float64).reshape(-1)
    F = np.atleast_2d(np.asarray(features, dtype=np.float64))
    lab = np.asarray(labels).reshape(-1)
    if b.shape != (C,) or F.shape[1] != D or lab.shape[0] != F.shape[0] or np.shape(x_test) != (D,):
        raise InputError(
            f"shapes do not match: weight {W.shape}, bias {b.shape}, features {F.shape}, labels {lab.shape}, "
            f"x_test {np.shape(x_test)}"
        )
    if C == 1:
        w_vec, b_val, neg = W[0], b[0], None
        y = np.where(lab == 1, 1, -1)
        if not np.isin(lab, (-1, 0, 1)).all():
            raise InputError("a one-logit head needs labels in {-1, +1} or {0, 1}")
        idx = np.arange(F.shape[0])
        yt = 1 if y_test == 1 else -1
    else:
        neg = negative_class if negative_class is not None else (1 - positive_class if C == 2 else None)
        if neg is None or not (0 <= positive_class < C and 0 <= neg < C) or neg == positive_class:
            raise InputError(
                f"choose two different classes in [0, {C}) (negative_class is required when C > 2)"
            )
        w_vec, b_val = W[positive_class] - W[neg], b[positive_class] - b[neg]
        idx = np.flatnonzero((lab == positive_class) | (lab == neg))
        if idx.size == 0:
            raise InputError(f"no fine-tuning sample has class {positive_class} or {neg}")
        y = np.where(lab[idx] == positive_class, 1, -1)
        if y_test not in (positive_class, neg):
            raise InputError(f"y_test must be class {positive_class} or {neg}, got {y_test}")
        yt = 1 if y_test == positive_class else -1
    ones = np.ones((idx.size, 1))
    lossobj = (
        create_loss(loss, alpha=alpha) if loss == "logistic" else create_loss(loss, alpha=alpha, beta=beta)
    )
    inst = Instance(
        X=_exact(np.hstack([F[idx], ones]), decimals), y=y.tolist(), loss=lossobj,
        w0=_exact(np.append(w_vec, b_val), decimals), eta=[lr], eps=eps, max_epochs=epochs,
        x_test=_exact(np.append(np.asarray(x_test, dtype=np.float64), 1.0), decimals), y_test=yt,
    )  # fmt: skip
    return HeadProblem(inst, idx, positive_class, neg)
