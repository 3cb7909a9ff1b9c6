"""ME-TST (``Net_Mamba``, specs/micro-expressions.md §3.2): 10 ROI channels -> per-frame spot score + 5 logits.

Quirk kept on purpose (trap 2): a second 12-block stack ``blocks_recog`` is built but the forward pass
runs ``blocks_spot`` for both heads, so the trained model is one shared backbone with two linear heads:
1,249,926 registered parameters, 630,918 used. ``use_recog_blocks=True`` wires the second stack as the
paper describes (a different model: official weights then give different recognition outputs).
"""

from __future__ import annotations

import torch
from torch import nn

from micropulse.me.models.blocks import ME_D_STATE, conv_bn_relu, init_like_official, stack

N_CLASSES = 5  # negative, positive, surprise, others, neutral (§2.3)


class METST(nn.Module):
    """Input (B, 10, k) or (B, 1, 10, k); returns (spot (B, k) in [0, 1], recog logits (B, k, 5)).

    The defaults are the official configuration; smaller ``dim``/``depth``/``d_state`` give a cheaper model
    for quick CPU training (it cannot load official weights).
    """

    def __init__(
        self, in_channels: int = 10, dim: int = 64, depth: int = 12, n_classes: int = N_CLASSES,
        d_state: int = ME_D_STATE, use_recog_blocks: bool = False,
    ) -> None:  # fmt: skip
        super().__init__()
        self.in_channels = in_channels
        self.use_recog_blocks = use_recog_blocks
        self.Stem = nn.Sequential(*conv_bn_relu(in_channels, dim), *conv_bn_relu(dim, dim))
        self.blocks_spot = stack(dim, depth, d_state)
        self.blocks_recog = stack(dim, depth, d_state)
        self.fc_spot = nn.Sequential(nn.Linear(dim, 1))
        self.fc_recog = nn.Sequential(nn.Linear(dim, n_classes))
        init_like_official(self)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if x.ndim == 4:
            x = x.squeeze(1)
        h = self.Stem(x).transpose(1, 2)  # (B, k, dim)
        spot = h
        for blk in self.blocks_spot:
            spot = blk(spot)
        if self.use_recog_blocks:
            rec = h
            for blk in self.blocks_recog:
                rec = blk(rec)
        else:
            rec = spot  # trap 2: the official forward re-runs blocks_spot on the same input
        return torch.sigmoid(self.fc_spot(spot)).squeeze(-1), self.fc_recog(rec)
