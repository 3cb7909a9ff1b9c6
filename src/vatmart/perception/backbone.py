"""Per-point feature backbones without CUDA ops (torch): a plain PointNet and a PointNet++-style
set-abstraction / feature-propagation network whose sampling and grouping are written in plain torch.

Both map points (B, N, 3) and their unit normals (B, N, 3), camera frame, to per-point features (B, N, F).
The default (``pointnet``) is chosen by measurement (see the README's vatmart section); both are registered
so either can be trained (``--backbone``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from micropulse.registry import Registry

BACKBONES: Registry[Callable[..., nn.Module]] = Registry("backbone")
FEAT_DIM = 64


def _mlp(dims: list[int], *, last_act: bool = True) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(len(dims) - 1):
        layers.append(nn.Linear(dims[i], dims[i + 1]))
        if i < len(dims) - 2 or last_act:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


@BACKBONES.register("pointnet")
class PointNet(nn.Module):
    """Shared MLP 6→64→64 on (point, normal), a 64→128 layer max-pooled into a global feature that is concatenated to each
    point, then MLP 192→128→``feat_dim`` (a narrow PointNet: CPU time per step is the budget here)."""

    def __init__(self, feat_dim: int = FEAT_DIM) -> None:
        super().__init__()
        self.local = _mlp([6, 64, 64])
        self.globl = _mlp([64, 128])
        self.head = _mlp([64 + 128, 128, feat_dim])
        self.feat_dim = feat_dim

    def forward(self, xyz: torch.Tensor, normals: torch.Tensor) -> torch.Tensor:
        loc = self.local(torch.cat([xyz, normals], dim=-1))
        g = self.globl(loc).max(dim=1).values
        return self.head(torch.cat([loc, g[:, None, :].expand(-1, xyz.shape[1], -1)], dim=-1))


def farthest_points(xyz: torch.Tensor, m: int) -> torch.Tensor:
    """Indices (B, m) of farthest-point samples of (B, N, 3), starting from point 0 (deterministic)."""
    b, n, _ = xyz.shape
    idx = torch.zeros(b, m, dtype=torch.long, device=xyz.device)
    dist = torch.full((b, n), float("inf"), device=xyz.device)
    last = torch.zeros(b, dtype=torch.long, device=xyz.device)
    ar = torch.arange(b, device=xyz.device)
    for i in range(1, m):
        d = ((xyz - xyz[ar, last][:, None, :]) ** 2).sum(-1)
        dist = torch.minimum(dist, d)
        last = dist.argmax(dim=1)
        idx[:, i] = last
    return idx


def _gather(x: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """x (B, N, C), idx (B, ...) -> (B, ..., C)."""
    b = x.shape[0]
    flat = idx.reshape(b, -1)
    out = torch.gather(x, 1, flat[..., None].expand(-1, -1, x.shape[-1]))
    return out.reshape(*idx.shape, x.shape[-1])


class SetAbstraction(nn.Module):
    """Sample ``m`` centres (FPS), group ``k`` nearest neighbours within ``radius``, shared MLP, max-pool."""

    def __init__(self, m: int, k: int, radius: float, dims: list[int]) -> None:
        super().__init__()
        self.m, self.k, self.radius = m, k, radius
        self.mlp = _mlp(dims)

    def forward(self, xyz: torch.Tensor, feat: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        centres = _gather(xyz, farthest_points(xyz, self.m))
        d = torch.cdist(centres, xyz)
        dk, nb = d.topk(self.k, dim=-1, largest=False)
        nb = torch.where(dk <= self.radius, nb, nb[..., :1])  # outside the ball: repeat the nearest
        grouped = _gather(xyz, nb) - centres[:, :, None, :]
        if feat is not None:
            grouped = torch.cat([grouped, _gather(feat, nb)], dim=-1)
        return centres, self.mlp(grouped).max(dim=2).values


class FeaturePropagation(nn.Module):
    """Inverse-distance interpolation of coarse features to finer points (3 nearest), skip concat, MLP."""

    def __init__(self, dims: list[int]) -> None:
        super().__init__()
        self.mlp = _mlp(dims)

    def forward(self, xyz_f, xyz_c, feat_f, feat_c) -> torch.Tensor:
        d, nb = torch.cdist(xyz_f, xyz_c).topk(3, dim=-1, largest=False)
        w = 1.0 / (d + 1e-8)
        w = w / w.sum(-1, keepdim=True)
        interp = (_gather(feat_c, nb) * w[..., None]).sum(2)
        x = interp if feat_f is None else torch.cat([interp, feat_f], dim=-1)
        return self.mlp(x)


@BACKBONES.register("pointnet2")
class PointNet2(nn.Module):
    """A small PointNet++ SSG segmentation net (2 SA + 2 FP levels; radii in metres) in plain torch; the
    normals enter as the first level's point features."""

    def __init__(self, feat_dim: int = FEAT_DIM) -> None:
        super().__init__()
        self.sa1 = SetAbstraction(128, 16, 0.12, [3 + 3, 32, 64])
        self.sa2 = SetAbstraction(32, 16, 0.35, [3 + 64, 64, 128])
        self.fp2 = FeaturePropagation([128 + 64, 128, 64])
        self.fp1 = FeaturePropagation([64 + 6, 64, feat_dim])
        self.feat_dim = feat_dim

    def forward(self, xyz: torch.Tensor, normals: torch.Tensor) -> torch.Tensor:
        c1, f1 = self.sa1(xyz, normals)
        c2, f2 = self.sa2(c1, f1)
        f1 = self.fp2(c1, c2, f1, f2)
        return self.fp1(xyz, c1, torch.cat([xyz, normals], dim=-1), f1)


def create_backbone(name: str, *, feat_dim: int = FEAT_DIM) -> nn.Module:
    """A registered backbone (``pointnet`` or ``pointnet2``)."""
    return BACKBONES.get(name)(feat_dim=feat_dim)
