"""rPPG training losses of the seed papers (specs/rppg.md §1.8 RhythmFormer, §2.8 RhythmMamba).

Every loss takes ``pred`` and ``label`` ``(B, T)`` tensors sampled at ``fs`` Hz and averages over the batch.
The documented defects of the original code are fixed by default; ``as_coded=True`` reproduces them:

* frequency cross-entropy: the code feeds the power spectrum, already normalised to sum 1, to
  ``cross_entropy`` as logits, i.e. softmax on top of a distribution (nearly flat, weak gradients). Fixed:
  the normalised spectrum is used as the probability itself (``nll(log p)``).
* HR loss (RhythmFormer only): the code builds it from detached numpy values, so it is a constant with zero
  gradient. Fixed: KL divergence from the Gaussian label distribution N(HR_gt, std) to the normalised
  predicted spectrum (the term the code computes and then discards).
* The CE target is the label's Welch HR by the forks' recipe (``rhythm``: 45 < HR < 150 bpm), so it always
  falls inside the 45..149 bpm classes (trap 6's out-of-range index cannot happen); ``.cuda()`` is not used.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from micropulse.errors import InputError, SignalError
from micropulse.registry import Registry
from micropulse.signals.recipes import get_recipe

BPM_CLASSES = (45, 150)  # classes 45..149 bpm, one per integer bpm (PhysFormer / forks)


def _check(pred: torch.Tensor, label: torch.Tensor) -> None:
    if pred.ndim != 2 or pred.shape != label.shape:
        raise InputError(
            f"loss: pred and label must both be (B, T); got {tuple(pred.shape)}, {tuple(label.shape)}"
        )


def zscore(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Per-sample z-score over time (the trainers normalise predictions before the losses)."""
    return (x - x.mean(dim=1, keepdim=True)) / (x.std(dim=1, keepdim=True) + eps)


def neg_pearson(pred: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of ``1 - Pearson r(pred_i, label_i)`` (NaN r, e.g. a flat signal, counts 0)."""
    _check(pred, label)
    p = pred - pred.mean(dim=1, keepdim=True)
    q = label - label.mean(dim=1, keepdim=True)
    r = (p * q).sum(1) / torch.sqrt((p * p).sum(1) * (q * q).sum(1))
    return (1.0 - torch.nan_to_num(r, nan=1.0)).mean()


def label_hr_bpm(label: torch.Tensor, fs: float) -> np.ndarray:
    """Each label's HR (bpm) by the forks' recipe (§4.3 ``rhythm``: detrend, band-pass, Welch, 45-150 bpm)."""
    recipe = get_recipe("rhythm")
    out = []
    for y in label.detach().cpu().double().numpy():
        try:
            out.append(recipe.hr_bpm(recipe.postprocess(y, fs), fs))
        except SignalError as exc:
            raise SignalError(f"cannot find the label's HR for the frequency loss: {exc}") from None
    return np.asarray(out)


def band_power(pred: torch.Tensor, fs: float, bpm: torch.Tensor) -> torch.Tensor:
    """Power of the Hann-windowed ``pred`` ``(B, T)`` at the (non-integer) DFT bins of ``bpm``: ``(B, K)``."""
    n = pred.shape[1]
    hann = torch.hann_window(n, periodic=False, dtype=pred.dtype, device=pred.device)
    k = (bpm.to(pred.dtype) / 60.0) / (fs / n)  # bin index of each bpm
    phase = 2 * math.pi * k[:, None] * torch.arange(n, dtype=pred.dtype, device=pred.device)[None] / n
    x = pred * hann
    return (x @ torch.sin(phase).T) ** 2 + (x @ torch.cos(phase).T) ** 2


def _spectrum_and_target(pred, label, fs):
    bpm = torch.arange(*BPM_CLASSES, device=pred.device)
    power = band_power(pred, fs, bpm)
    prob = power / power.sum(dim=1, keepdim=True)
    hr = label_hr_bpm(label, fs)
    target = torch.as_tensor(hr - BPM_CLASSES[0], device=pred.device).long().clamp(0, bpm.numel() - 1)
    return bpm, prob, hr, target


def freq_cross_entropy(
    pred: torch.Tensor, label: torch.Tensor, fs: float, as_coded: bool = False
) -> torch.Tensor:
    """Frequency cross-entropy (§1.8 L_CE) over the 105 classes 45..149 bpm, batch mean.

    ``as_coded=True``: softmax over the already normalised spectrum, as the original code does.
    """
    _check(pred, label)
    _, prob, _, target = _spectrum_and_target(pred, label, fs)
    if as_coded:
        return F.cross_entropy(prob, target)
    return F.nll_loss(torch.log(prob.clamp_min(1e-12)), target)


def hr_distribution_loss(
    pred: torch.Tensor, label: torch.Tensor, fs: float, std: float = 3.0, as_coded: bool = False
) -> torch.Tensor:
    """HR loss (§1.8 L_HR). Fixed: KL(N(HR_gt, std) || normalised predicted spectrum), batch mean.

    ``as_coded=True``: the original's constant (zero-gradient) KL between two Gaussians (std bins) centred at
    the Welch-peak HRs of prediction and label.
    """
    _check(pred, label)
    bpm, prob, hr, _ = _spectrum_and_target(pred, label, fs)
    centres = torch.as_tensor(hr, dtype=pred.dtype, device=pred.device)
    if as_coded:
        centres_pred = torch.as_tensor(label_hr_bpm(pred.detach(), fs), dtype=pred.dtype, device=pred.device)
        q = _gaussians(bpm.to(pred.dtype), centres_pred, std)
        p = _gaussians(bpm.to(pred.dtype), centres, std)
        return (p * (torch.log(p) - torch.log(q))).sum(1).mean().detach()
    target = _gaussians(bpm.to(pred.dtype), centres, std)
    return F.kl_div(torch.log(prob.clamp_min(1e-12)), target, reduction="batchmean")


def _gaussians(bpm: torch.Tensor, centres: torch.Tensor, std: float) -> torch.Tensor:
    g = torch.exp(-0.5 * ((bpm[None] - centres[:, None]) / std) ** 2)
    g = g.clamp_min(1e-15)
    return g / g.sum(dim=1, keepdim=True)


def rhythmmamba_loss(
    pred: torch.Tensor, label: torch.Tensor, fs: float, as_coded: bool = False
) -> tuple[torch.Tensor, dict[str, float]]:
    """RhythmMamba's ``Hybrid_Loss`` (§2.8): 0.2 * (1 - Pearson) + 1.0 * L_CE, on the z-scored prediction."""
    p = zscore(pred)
    l_time = neg_pearson(p, label)
    l_ce = freq_cross_entropy(p, label, fs, as_coded=as_coded)
    total = 0.2 * l_time + 1.0 * l_ce
    return total, {"neg_pearson": float(l_time.detach()), "freq_ce": float(l_ce.detach())}


def rhythmformer_loss(
    pred: torch.Tensor, label: torch.Tensor, fs: float, as_coded: bool = False
) -> tuple[torch.Tensor, dict[str, float]]:
    """RhythmFormer's loss (§1.8): 0.2 * (1 - Pearson) + 1.0 * L_CE + 1.0 * L_HR, on the z-scored prediction."""
    p = zscore(pred)
    l_time = neg_pearson(p, label)
    l_ce = freq_cross_entropy(p, label, fs, as_coded=as_coded)
    l_hr = hr_distribution_loss(p, label, fs, as_coded=as_coded)
    total = 0.2 * l_time + l_ce + l_hr
    return total, {
        "neg_pearson": float(l_time.detach()),
        "freq_ce": float(l_ce.detach()),
        "hr": float(l_hr.detach()),
    }


def neg_pearson_loss(
    pred: torch.Tensor, label: torch.Tensor, fs: float, as_coded: bool = False
) -> tuple[torch.Tensor, dict[str, float]]:
    """PhysNet's loss: negative Pearson only (``fs`` and ``as_coded`` unused)."""
    l_time = neg_pearson(pred, label)
    return l_time, {"neg_pearson": float(l_time.detach())}


LossFn = Callable[..., tuple[torch.Tensor, dict[str, float]]]
LOSSES: Registry[LossFn] = Registry("rPPG loss")
LOSSES.register("rhythmmamba")(rhythmmamba_loss)
LOSSES.register("rhythmformer")(rhythmformer_loss)
LOSSES.register("neg_pearson")(neg_pearson_loss)
