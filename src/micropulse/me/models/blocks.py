"""The Mamba block shared by ME-TST and ME-TST+ (specs/micro-expressions.md §3.1), and their init.

Parameter names follow the official code so its state dicts load after stripping ``module.``:
``norm1``, ``norm2`` (built but never used, as coded), ``attn.norm``, ``attn.mamba.*``.
"""

from __future__ import annotations

import torch
from torch import nn

from micropulse.nn.layers import DropPath, vim_init_
from micropulse.nn.mamba import Mamba

ME_D_STATE = 64  # §3.1: d_state 64 (the library default is 16)


class MambaLayer(nn.Module):
    """LayerNorm then Mamba (d_state 64, d_conv 4, expand 2)."""

    def __init__(self, dim: int, d_state: int = ME_D_STATE) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.mamba = Mamba(d_model=dim, d_state=d_state, d_conv=4, expand=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mamba(self.norm(x))


class MambaBlock(nn.Module):
    """``x + DropPath(norm1(MambaLayer(x)))`` on (B, T, dim): pre-norm inside the layer and a norm on the
    branch output. ``norm2`` exists only so official checkpoints load (it is never used, §3.1)."""

    def __init__(self, dim: int, drop_path: float = 0.0, d_state: int = ME_D_STATE) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.attn = MambaLayer(dim, d_state)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.drop_path(self.norm1(self.attn(x)))


def drop_path_rates(n_blocks: int) -> list[float]:
    """``[0] + linspace(0, 0.2, n)`` truncated to n, as coded (the first two blocks get 0)."""
    return ([0.0] + torch.linspace(0, 0.2, n_blocks).tolist())[:n_blocks]


def stack(dim: int, n_blocks: int, d_state: int = ME_D_STATE) -> nn.ModuleList:
    return nn.ModuleList(MambaBlock(dim, r, d_state) for r in drop_path_rates(n_blocks))


def conv_bn_relu(c_in: int, c_out: int, stride: int = 1) -> list[nn.Module]:
    return [nn.Conv1d(c_in, c_out, 3, stride, 1), nn.BatchNorm1d(c_out), nn.ReLU(inplace=True)]


def init_like_official(model: nn.Module) -> None:
    """The official init (§3.1, trap 20): :func:`micropulse.nn.layers.vim_init_` with n_layer fixed at 4,
    whatever the real depth."""
    vim_init_(model, n_layer=4)
