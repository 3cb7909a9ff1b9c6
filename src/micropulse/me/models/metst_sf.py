"""ME-TST+ (``METST_SF``, specs/micro-expressions.md §3.3): 36 ROI channels, slow-fast Mamba with lateral
fast->slow fusion after stages 1 and 2; heads on the concatenated (upsampled slow, fast) features.

The window length must be even (stride-2 slow path, x2 upsampling; trap 23).
"""

from __future__ import annotations

import torch
from torch import nn

from micropulse.errors import InputError
from micropulse.me.models.blocks import conv_bn_relu, init_like_official, stack
from micropulse.me.models.metst import N_CLASSES


class LateralConnection(nn.Module):
    """slow <- slow + ReLU(BN(Conv1d(fast, k3, stride 2))) (one-way fusion)."""

    def __init__(self, fast_channels: int, slow_channels: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(fast_channels, slow_channels, 3, 2, 1), nn.BatchNorm1d(slow_channels), nn.ReLU()
        )

    def forward(self, slow: torch.Tensor, fast: torch.Tensor) -> torch.Tensor:
        return slow + self.conv(fast.transpose(1, 2)).transpose(1, 2)


class METSTSlowFast(nn.Module):
    """Input (B, 36, k) or (B, 1, 36, k), k even; returns (spot (B, k), recog logits (B, k, 5))."""

    def __init__(self, in_channels: int = 36, dim: int = 128, n_classes: int = N_CLASSES) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.Stem = nn.Sequential(*conv_bn_relu(in_channels, dim), *conv_bn_relu(dim, dim))
        self.Stem_slow = nn.Sequential(*conv_bn_relu(dim, 2 * dim, stride=2))
        for i in (1, 2, 3):
            setattr(self, f"block{i}", stack(2 * dim, 4))
            setattr(self, f"block{i}_fast", stack(dim, 4))
        self.fuse_1 = LateralConnection(dim, 2 * dim)
        self.fuse_2 = LateralConnection(dim, 2 * dim)
        self.fc_spot = nn.Sequential(nn.Linear(3 * dim, 1))
        self.fc_recog = nn.Sequential(nn.Linear(3 * dim, n_classes))
        init_like_official(self)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if x.ndim == 4:
            x = x.squeeze(1)
        if x.shape[-1] % 2:
            raise InputError(f"ME-TST+ needs an even window length, got {x.shape[-1]} frames")
        h = self.Stem(x)
        fast = h.transpose(1, 2)
        slow = self.Stem_slow(h).transpose(1, 2)
        for i in (1, 2, 3):
            for blk in getattr(self, f"block{i}"):
                slow = blk(slow)
            for blk in getattr(self, f"block{i}_fast"):
                fast = blk(fast)
            if i < 3:
                slow = getattr(self, f"fuse_{i}")(slow, fast)
        slow = slow.repeat_interleave(2, dim=1)  # nearest x2 upsampling in time
        both = torch.cat((slow, fast), dim=2)
        return torch.sigmoid(self.fc_spot(both)).squeeze(-1), self.fc_recog(both)
