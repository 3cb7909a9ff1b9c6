"""RhythmFormer (Zou et al. 2024): hierarchical temporal periodic transformer, as coded (specs/rppg.md §1).

``(N, D, 3, H, W)`` Standardized video (128x128, D=160 in training) -> ``(N, 8*floor(D/8))`` rPPG.
Module names follow the official code (``Fusion_Stem``, ``patch_embedding``, ``stages.i.downsample_layers``,
``...blocks.j.attn.proj_q.0.conv``, ``ConvBlockLast``) so DataParallel checkpoints load once their
``module.`` prefix is stripped. 3,326,017 parameters (§1.7), of which the never-used ``qkv_linear``
(74,880) is kept because the checkpoints contain it.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from micropulse.errors import InputError
from micropulse.nn.layers import DropPath
from micropulse.nn.stem import FusionStem, Pool, rhythmformer_stem

#: The small configuration (CI, quick CPU runs): 16 channels, one block per stage, 2 heads, top-8 routing.
#: Same modules and forward as the published network, only narrower and shallower; not a published model.
SMALL = {"dim": 16, "head_dim": 8, "depth": (1, 1, 1), "topk": 8}


class CDCT(nn.Module):
    """Temporal central-difference 3x3x3 conv (PhysFormer's CDC_T), theta = 0.2 here (§1.5).

    ``out = conv(x, W) - theta * conv(x, W_d)``, with ``W_d`` the 1x1x1 kernel equal to the spatial sums
    of W's first and last temporal slices. Bias-free (as in every use in RhythmFormer).
    """

    def __init__(self, c_in: int, c_out: int, theta: float = 0.2) -> None:
        super().__init__()
        self.conv = nn.Conv3d(c_in, c_out, kernel_size=3, stride=1, padding=1, bias=False)
        self.theta = float(theta)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(x)
        if self.theta == 0.0:
            return out
        w = self.conv.weight
        w_diff = (w[:, :, 0].sum(dim=(2, 3)) + w[:, :, 2].sum(dim=(2, 3)))[:, :, None, None, None]
        return out - self.theta * F.conv3d(x, w_diff)


def _to_regions(x: torch.Tensor, region: tuple[int, int, int], heads: int) -> torch.Tensor:
    """``(N, C, T, H, W)`` -> ``(N, heads, n_regions, region_tokens, C/heads)``; regions in (t, h, w) order."""
    n, c, t, h, w = x.shape
    rt, rh, rw = region
    x = x.reshape(n, heads, c // heads, t // rt, rt, h // rh, rh, w // rw, rw)
    # (n, m, d, T, o, Hh, p, Ww, q) -> (n, m, T, Hh, Ww, o, p, q, d)
    x = x.permute(0, 1, 3, 5, 7, 4, 6, 8, 2)
    return x.reshape(n, heads, (t // rt) * (h // rh) * (w // rw), rt * rh * rw, c // heads)


def _from_regions(x: torch.Tensor, grid: tuple[int, int, int], region: tuple[int, int, int]) -> torch.Tensor:
    """Inverse of :func:`_to_regions`: ``(N, heads, n_regions, tokens, d)`` -> ``(N, C, T, H, W)``."""
    n, heads, _, _, d = x.shape
    gt, gh, gw = grid
    rt, rh, rw = region
    x = x.reshape(n, heads, gt, gh, gw, rt, rh, rw, d)
    x = x.permute(0, 1, 8, 2, 5, 3, 6, 4, 7)  # (n, m, d, T, o, Hh, p, Ww, q)
    return x.reshape(n, heads * d, gt * rt, gh * rh, gw * rw)


class VideoBRA(nn.Module):
    """Video bi-level routing attention (BiFormer-style), §1.5.

    Routing: region means of the *detached* q and k, affinity q_r k_r^T over all channels (no scale),
    top-k key regions per query region (shared by the heads). Token attention over the gathered regions
    with scale ``dim**-0.5`` (not head_dim**-0.5, as coded), plus LePE (depthwise 3x3x3 conv of v),
    then a 1x1x1 output conv.
    """

    def __init__(self, dim: int, num_heads: int, t_patch: int, topk: int, side_dwconv: int = 3) -> None:
        super().__init__()
        self.dim = dim
        self.num_heads = num_heads
        self.t_patch = t_patch
        self.topk = topk
        self.scale = dim**-0.5  # §1.5: the code scales by dim, not head_dim
        self.lepe = nn.Conv3d(
            dim, dim, kernel_size=side_dwconv, stride=1, padding=side_dwconv // 2, groups=dim
        )
        # Constructed but never used by the official forward (§1.5); kept so checkpoints load strictly.
        self.qkv_linear = nn.Conv3d(dim, 3 * dim, kernel_size=1)
        self.output_linear = nn.Conv3d(dim, dim, kernel_size=1)
        self.proj_q = nn.Sequential(CDCT(dim, dim, theta=0.2), nn.BatchNorm3d(dim))
        self.proj_k = nn.Sequential(CDCT(dim, dim, theta=0.2), nn.BatchNorm3d(dim))
        self.proj_v = nn.Sequential(nn.Conv3d(dim, dim, kernel_size=1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, t, h, w = x.shape
        region = (max(4 // self.t_patch, 1), h // 4, w // 4)
        q, k, v = self.proj_q(x), self.proj_k(x), self.proj_v(x)
        if t % region[0] or h % region[1] or w % region[2] or region[1] == 0 or region[2] == 0:
            raise ValueError(
                f"RhythmFormer attention: feature map {(t, h, w)} is not divisible into regions {region}"
            )
        grid = (t // region[0], h // region[1], w // region[2])
        n_regions = grid[0] * grid[1] * grid[2]
        if n_regions < self.topk:
            raise ValueError(
                f"RhythmFormer attention needs >= {self.topk} regions, got {n_regions}: use more frames (D >= 24)"
            )
        # Pre-attention on detached region descriptors (no gradient into the routing).
        q_r = F.avg_pool3d(q.detach(), kernel_size=region).flatten(2).transpose(1, 2)  # (n, R, c)
        k_r = F.avg_pool3d(k.detach(), kernel_size=region).flatten(2)  # (n, c, R)
        idx = torch.topk(q_r @ k_r, k=self.topk, dim=-1).indices  # (n, R, topk)

        qs = _to_regions(q, region, self.num_heads)  # (n, m, R, s, d)
        ks = _to_regions(k, region, self.num_heads)
        vs = _to_regions(v, region, self.num_heads)
        _, m, r, s, d = ks.shape
        gather_idx = idx[:, None, :, :, None, None].expand(n, m, r, self.topk, s, d)
        k_g = torch.gather(ks.unsqueeze(2).expand(n, m, r, r, s, d), 3, gather_idx).flatten(3, 4)
        v_g = torch.gather(vs.unsqueeze(2).expand(n, m, r, r, s, d), 3, gather_idx).flatten(3, 4)
        attn = torch.softmax((qs * self.scale) @ k_g.transpose(-1, -2), dim=-1)
        out = _from_regions(attn @ v_g, grid, region)
        return self.output_linear(out + self.lepe(v))


class TPTAttentionBlock(nn.Module):
    """Pre-norm (BatchNorm3d) block: ``x + Attn(BN(x))``, ``x + MLP(BN(x))`` with a dense 3x3x3 MLP conv."""

    def __init__(
        self,
        dim: int,
        num_heads: int,
        t_patch: int,
        topk: int,
        mlp_ratio: float,
        side_dwconv: int,
        drop_path: float,
    ) -> None:
        super().__init__()
        hidden = int(mlp_ratio * dim)
        self.norm1 = nn.BatchNorm3d(dim)
        self.attn = VideoBRA(dim, num_heads=num_heads, t_patch=t_patch, topk=topk, side_dwconv=side_dwconv)
        self.norm2 = nn.BatchNorm3d(dim)
        self.mlp = nn.Sequential(
            nn.Conv3d(dim, hidden, kernel_size=1),
            nn.BatchNorm3d(hidden),
            nn.GELU(),
            nn.Conv3d(hidden, hidden, kernel_size=3, stride=1, padding=1),
            nn.BatchNorm3d(hidden),
            nn.GELU(),
            nn.Conv3d(hidden, dim, kernel_size=1),
            nn.BatchNorm3d(dim),
        )
        self.drop_path = DropPath(drop_path)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.drop_path(self.attn(self.norm1(x)))
        return x + self.drop_path(self.mlp(self.norm2(x)))


class TPTStage(nn.Module):
    """One TPT stage (§1.4): log2(t_patch) temporal down-samplings, ``depth`` blocks, as many up-samplings."""

    def __init__(
        self,
        dim: int,
        depth: int,
        num_heads: int,
        t_patch: int,
        topk: int,
        mlp_ratio: float,
        side_dwconv: int,
        drop_path: list[float],
    ) -> None:
        super().__init__()
        n_levels = int(math.log2(t_patch))
        self.downsample_layers = nn.ModuleList(
            nn.Sequential(nn.BatchNorm3d(dim), nn.Conv3d(dim, dim, kernel_size=(2, 1, 1), stride=(2, 1, 1)))
            for _ in range(n_levels)
        )
        self.upsample_layers = nn.ModuleList(
            nn.Sequential(
                nn.Upsample(scale_factor=(2, 1, 1)),
                nn.Conv3d(dim, dim, kernel_size=(3, 1, 1), stride=1, padding=(1, 0, 0)),
                nn.BatchNorm3d(dim),
                nn.ELU(),
            )
            for _ in range(n_levels)
        )
        self.blocks = nn.ModuleList(
            TPTAttentionBlock(dim, num_heads, t_patch, topk, mlp_ratio, side_dwconv, drop_path[i])
            for i in range(depth)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.downsample_layers:
            x = layer(x)
        for block in self.blocks:
            x = block(x)
        for layer in self.upsample_layers:
            x = layer(x)
        return x


class RhythmFormer(nn.Module):
    """RhythmFormer with the official defaults (dim 64, 4 heads, 3 stages, t_patchs 2/4/8, top-k 40).

    ``dim`` (channels of the stem and every stage), ``head_dim``, ``depth`` (blocks per stage) and ``topk``
    make smaller variants of the same network (:data:`SMALL`); the defaults are the published configuration.
    Input ``(N, D, 3, H, W)``, H and W divisible by 16 (stem /4, patch /4, regions /4); D >= 24.
    Output ``(N, 8*floor(D/8))`` (§1.1: the stage-3 down/up-sampling by 8 truncates the tail).
    """

    def __init__(
        self,
        *,
        dim: int = 64,
        head_dim: int = 16,
        depth: tuple[int, ...] = (2, 2, 2),
        mlp_ratio: float = 1.5,
        t_patchs: tuple[int, ...] = (2, 4, 8),
        topk: int = 40,
        side_dwconv: int = 3,
        drop_path_rate: float = 0.0,
    ) -> None:
        super().__init__()
        if dim < 1 or dim % head_dim or len(depth) != len(t_patchs):
            raise InputError(
                f"RhythmFormer: dim ({dim}) must be a multiple of head_dim ({head_dim}) and depth {depth} must "
                f"give one entry per stage of t_patchs {t_patchs}"
            )
        self.dim = dim
        # The published stem has 64 channels (official Fusion_Stem); a narrower dim narrows the same stem.
        self.Fusion_Stem = (
            rhythmformer_stem()
            if dim == 64
            else FusionStem(dim, dim, kernel1=5, kernel2=3, pool1=Pool(3, 2, 1), pool2=None)
        )
        self.patch_embedding = nn.Conv3d(dim, dim, kernel_size=(1, 4, 4), stride=(1, 4, 4))
        self.ConvBlockLast = nn.Conv1d(dim, 1, kernel_size=1, stride=1, padding=0)
        rates = torch.linspace(0, drop_path_rate, sum(depth)).tolist()
        self.stages = nn.ModuleList()
        start = 0
        for i, t_patch in enumerate(t_patchs):
            self.stages.append(
                TPTStage(
                    dim,
                    depth[i],
                    dim // head_dim,
                    t_patch,
                    topk,
                    mlp_ratio,
                    side_dwconv,
                    rates[start : start + depth[i]],
                )
            )
            start += depth[i]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 5 or x.shape[2] != 3:
            raise ValueError(f"RhythmFormer expects (N, D, 3, H, W), got shape {tuple(x.shape)}")
        n, d, _, h, w = x.shape
        x = self.Fusion_Stem(x)  # (N*D, 64, H/4, W/4)
        x = x.reshape(n, d, self.dim, x.shape[-2], x.shape[-1]).permute(0, 2, 1, 3, 4)
        x = self.patch_embedding(x)  # (N, 64, D, H/16, W/16)
        for stage in self.stages:
            x = stage(x)
        return self.ConvBlockLast(x.mean(dim=(3, 4))).squeeze(1)


def build_rhythmformer(
    *,
    topk: int | None = None,
    drop_path_rate: float = 0.0,
    small: bool = False,
    dim: int | None = None,
    head_dim: int | None = None,
    depth: tuple[int, ...] | list[int] | None = None,
) -> RhythmFormer:
    """RhythmFormer: the official defaults (specs/rppg.md §1.1), or with ``small=True`` the :data:`SMALL`
    configuration; ``dim``, ``head_dim``, ``depth`` and ``topk`` override either (None = the preset's)."""
    preset = dict(SMALL) if small else {"dim": 64, "head_dim": 16, "depth": (2, 2, 2), "topk": 40}
    given = {"dim": dim, "head_dim": head_dim, "depth": depth, "topk": topk}
    preset.update({k: v for k, v in given.items() if v is not None})
    preset["depth"] = tuple(int(d) for d in preset["depth"])
    return RhythmFormer(drop_path_rate=drop_path_rate, **preset)
