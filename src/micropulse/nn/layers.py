"""Small shared torch blocks: stochastic depth and the initialisers the seed models use."""

from __future__ import annotations

import math

import torch
from torch import nn


def drop_path(x: torch.Tensor, rate: float, training: bool) -> torch.Tensor:
    """Stochastic depth: zero whole samples with probability ``rate``, rescale the rest by 1/(1-rate)."""
    if rate == 0.0 or not training:
        return x
    keep = 1.0 - rate
    shape = (x.shape[0],) + (1,) * (x.ndim - 1)
    mask = x.new_empty(shape).bernoulli_(keep)
    return x * mask.div_(keep)


class DropPath(nn.Module):
    """Stochastic depth per sample (timm's ``DropPath``; no parameters)."""

    def __init__(self, rate: float = 0.0) -> None:
        super().__init__()
        self.rate = float(rate)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return drop_path(x, self.rate, self.training)

    def extra_repr(self) -> str:
        return f"rate={self.rate}"


def trunc_normal_(tensor: torch.Tensor, std: float = 0.02) -> torch.Tensor:
    """Truncated normal with mean 0 and absolute bounds [-2, 2] (timm's default bounds)."""
    return nn.init.trunc_normal_(tensor, mean=0.0, std=std, a=-2.0, b=2.0)


def lecun_normal_(tensor: torch.Tensor) -> torch.Tensor:
    """timm's ``lecun_normal_``: normal truncated at +-2 sigma (TF style), variance 1/fan_in after truncation."""
    fan_in, _ = nn.init._calculate_fan_in_and_fan_out(tensor)
    std = math.sqrt(1.0 / fan_in) / 0.87962566103423978  # undo the std shrink of the +-2 sigma truncation
    return nn.init.trunc_normal_(tensor, std=std, a=-2.0 * std, b=2.0 * std)


def kaiming_uniform_scaled_(tensor: torch.Tensor, n_layer: int) -> torch.Tensor:
    """GPT-2 residual rescale: PyTorch's default Linear init (kaiming-uniform a=sqrt 5) / sqrt(n_layer)."""
    nn.init.kaiming_uniform_(tensor, a=math.sqrt(5))
    with torch.no_grad():
        tensor /= math.sqrt(n_layer)
    return tensor


def vim_init_(model: nn.Module, n_layer: int) -> None:
    """The Vision-Mamba-style init that RhythmMamba and ME-TST end up with (rppg.md §2.5, trap 5;
    micro-expressions.md §3.1, trap 20): every Linear trunc-normal(0.02) with a zero bias — which also
    wipes Mamba's dt_proj bias init —, Conv2d lecun-normal with zero bias, LayerNorm/BatchNorm2d (1, 0),
    then every Mamba ``out_proj.weight`` re-drawn kaiming-uniform(a=√5) / √n_layer."""
    from micropulse.nn.mamba import Mamba

    for m in model.modules():
        if isinstance(m, nn.Linear):
            trunc_normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Conv2d):
            lecun_normal_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.LayerNorm, nn.BatchNorm2d)):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    for m in model.modules():
        if isinstance(m, Mamba):
            kaiming_uniform_scaled_(m.out_proj.weight, n_layer)
