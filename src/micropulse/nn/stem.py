"""The diff-fusion frame stem shared by RhythmFormer and RhythmMamba (specs/rppg.md §1.2, §2.2).

Each frame is seen twice: raw (3 channels) and as the four neighbour differences
``x(t-1)-x(t-2), x(t)-x(t-1), x(t+1)-x(t), x(t+2)-x(t+1)`` (12 channels), with the first/last
frame repeated at the edges. Two conv branches are mixed with alpha = beta = 0.5. The stem looks
2 frames ahead (non-causal): a streaming user pays a fixed latency of 2 frames.

Module names (``stem11``, ``stem12``, ``stem21``, ``stem22``, each ``Sequential(conv, bn, relu[, pool])``)
equal the official ``Fusion_Stem`` so published state dicts load.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class Pool:
    """A max-pool setting: kernel, stride and padding (pixels)."""

    kernel: int
    stride: int
    padding: int = 0


def shifted_differences(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Split a clip into raw frames and neighbour differences.

    Args:
        x: ``(N, D, C, H, W)`` clip, D frames.

    Returns:
        ``raw`` ``(N*D, C, H, W)`` and ``diff`` ``(N*D, 4*C, H, W)``, edge frames replicated.
    """
    n, d, c, h, w = x.shape
    # Pad 2 replicated frames at each end, take the D+3 successive differences once; frame t's four
    # differences are then the 4*C consecutive planes starting at difference t (a strided view, one copy).
    padded = torch.cat([x[:, :1], x[:, :1], x, x[:, -1:], x[:, -1:]], dim=1)
    steps = (padded[:, 1:] - padded[:, :-1]).contiguous()  # (N, D+3, C, H, W)
    plane = h * w
    diff = steps.as_strided((n, d, 4 * c, h, w), (steps.stride(0), c * plane, plane, w, 1))
    return x.reshape(n * d, c, h, w), diff.reshape(n * d, 4 * c, h, w)


def window_differences(window: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Raw centre frame and differences of a 5-frame window ``(N, 5, C, H, W)`` (t-2 .. t+2).

    The streaming counterpart of :func:`shifted_differences` for one output frame.
    Returns ``raw`` ``(N, C, H, W)`` and ``diff`` ``(N, 4*C, H, W)``.
    """
    diff = torch.cat([window[:, i + 1] - window[:, i] for i in range(4)], dim=1)
    return window[:, 2], diff


def _branch(c_in: int, c_out: int, kernel: int, stride: int, pool: Pool | None) -> nn.Sequential:
    layers: list[nn.Module] = [
        nn.Conv2d(c_in, c_out, kernel_size=kernel, stride=stride, padding=kernel // 2),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    ]
    if pool is not None:
        layers.append(nn.MaxPool2d(kernel_size=pool.kernel, stride=pool.stride, padding=pool.padding))
    return nn.Sequential(*layers)


class FusionStem(nn.Module):
    """Diff-fusion stem: ``(N, D, 3, H, W)`` -> ``(N*D, out_dim, H', W')``.

    Args:
        mid_dim: channels after the first convs (stem11/stem12).
        out_dim: channels after the second convs (stem21/stem22).
        kernel1: kernel of stem11/stem12 (stride 2, padding kernel//2).
        kernel2: kernel of stem21/stem22 (stride 1, padding kernel//2).
        pool1: max-pool after stem11/stem12.
        pool2: max-pool after stem21/stem22, or None.
        alpha, beta: mixing weights of the raw and difference paths (0.5 in both papers).
        in_channels: colour channels per frame (3).
    """

    def __init__(
        self,
        mid_dim: int,
        out_dim: int,
        kernel1: int,
        kernel2: int,
        pool1: Pool,
        pool2: Pool | None,
        alpha: float = 0.5,
        beta: float = 0.5,
        in_channels: int = 3,
    ) -> None:
        super().__init__()
        self.stem11 = _branch(in_channels, mid_dim, kernel1, 2, pool1)
        self.stem12 = _branch(4 * in_channels, mid_dim, kernel1, 2, pool1)
        self.stem21 = _branch(mid_dim, out_dim, kernel2, 1, pool2)
        self.stem22 = _branch(mid_dim, out_dim, kernel2, 1, pool2)
        self.alpha = alpha
        self.beta = beta

    def fuse(self, raw: torch.Tensor, diff: torch.Tensor) -> torch.Tensor:
        """Apply the two branches to per-frame ``raw`` (M, 3, H, W) and ``diff`` (M, 12, H, W)."""
        x = self.stem11(raw)
        d = self.stem12(diff)
        path1 = self.stem21(self.alpha * x + self.beta * d)
        path2 = self.stem22(d)
        return self.alpha * path1 + self.beta * path2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raw, diff = shifted_differences(x)
        return self.fuse(raw, diff)


def rhythmformer_stem() -> FusionStem:
    """RhythmFormer's stem (§1.2): 3->64 k5 s2 + maxpool k3 s2 p1, 64->64 k3, no second pool (H/4)."""
    return FusionStem(64, 64, kernel1=5, kernel2=3, pool1=Pool(3, 2, 1), pool2=None)


def rhythmmamba_stem(dim: int = 24) -> FusionStem:
    """RhythmMamba's stem (§2.2): 3->dim/2 k7 s2 + maxpool 2, dim/2->dim k7 + maxpool 2 (H/8)."""
    return FusionStem(dim // 2, dim, kernel1=7, kernel2=7, pool1=Pool(2, 2), pool2=Pool(2, 2))
