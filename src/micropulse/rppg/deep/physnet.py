"""PhysNet as released by rPPG-Toolbox (``PhysNet_padding_Encoder_Decoder_MAX``, frames=128).

specs/rppg.md §8.2: 79 state-dict keys, no ``module.`` prefix, 768,577 parameters (+ BN statistics).
Attribute names (``ConvBlock1`` ... ``ConvBlock10``, ``upsample``, ``upsample2``) are the toolbox's, so the
published ``final_model_release/*PhysNet*.pth`` files load with ``strict=True``.

Layout: the toolbox feeds NCDHW ``(N, 3, D, H, W)``; micropulse's contract is ``(N, D, 3, H, W) -> (N, D)``.
:meth:`PhysNet.forward` takes the micropulse layout and transposes; :meth:`PhysNet.forward_ncdhw` is the
toolbox layout. Neither changes a parameter name.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def _conv_bn_relu(
    c_in: int, c_out: int, kernel: tuple[int, int, int], padding: tuple[int, int, int]
) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv3d(c_in, c_out, kernel, stride=1, padding=padding),
        nn.BatchNorm3d(c_out),
        nn.ReLU(inplace=True),
    )


def _temporal_upsample(dim: int) -> nn.Sequential:
    # ConvTranspose3d k=(4,1,1), s=(2,1,1), p=(1,0,0): doubles the time axis exactly.
    return nn.Sequential(
        nn.ConvTranspose3d(dim, dim, kernel_size=(4, 1, 1), stride=(2, 1, 1), padding=(1, 0, 0)),
        nn.BatchNorm3d(dim),
        nn.ELU(),
    )


class PhysNet(nn.Module):
    """3-D CNN encoder/decoder: video ``(N, D, 3, H, W)`` -> rPPG ``(N, 4*floor(D/4))``.

    Args:
        frames: the chunk length the network was trained with (128 for the toolbox releases). Kept as
            metadata: the final pooling averages space only, so any D works; for ``D == frames`` this is
            exactly the toolbox's ``AdaptiveAvgPool3d((frames, 1, 1))``.
        in_channels: colour channels (3).

    Input size: H, W divisible by 8 (72 for the toolbox weights). Output length ``4*floor(D/4)`` (two
    temporal max-pools of stride 2, then two stride-2 transposed convs); the toolbox itself only accepts
    ``D == frames``.
    """

    def __init__(self, frames: int = 128, in_channels: int = 3) -> None:
        super().__init__()
        self.frames = int(frames)
        k3, p1 = (3, 3, 3), (1, 1, 1)
        self.ConvBlock1 = _conv_bn_relu(in_channels, 16, (1, 5, 5), (0, 2, 2))
        self.ConvBlock2 = _conv_bn_relu(16, 32, k3, p1)
        self.ConvBlock3 = _conv_bn_relu(32, 64, k3, p1)
        self.ConvBlock4 = _conv_bn_relu(64, 64, k3, p1)
        self.ConvBlock5 = _conv_bn_relu(64, 64, k3, p1)
        self.ConvBlock6 = _conv_bn_relu(64, 64, k3, p1)
        self.ConvBlock7 = _conv_bn_relu(64, 64, k3, p1)
        self.ConvBlock8 = _conv_bn_relu(64, 64, k3, p1)
        self.ConvBlock9 = _conv_bn_relu(64, 64, k3, p1)
        self.upsample = _temporal_upsample(64)
        self.upsample2 = _temporal_upsample(64)
        self.ConvBlock10 = nn.Conv3d(64, 1, kernel_size=(1, 1, 1), stride=1, padding=0)
        self.MaxpoolSpa = nn.MaxPool3d((1, 2, 2), stride=(1, 2, 2))
        self.MaxpoolSpaTem = nn.MaxPool3d((2, 2, 2), stride=2)

    def forward_ncdhw(self, x: torch.Tensor) -> torch.Tensor:
        """Toolbox layout: ``(N, 3, D, H, W)`` -> ``(N, 4*floor(D/4))``."""
        if x.ndim != 5:
            raise ValueError(f"PhysNet expects a 5-D tensor (N, 3, D, H, W), got shape {tuple(x.shape)}")
        x = self.MaxpoolSpa(self.ConvBlock1(x))
        x = self.MaxpoolSpaTem(self.ConvBlock3(self.ConvBlock2(x)))
        x = self.MaxpoolSpaTem(self.ConvBlock5(self.ConvBlock4(x)))
        x = self.MaxpoolSpa(self.ConvBlock7(self.ConvBlock6(x)))
        x = self.ConvBlock9(self.ConvBlock8(x))
        x = self.upsample2(self.upsample(x))
        x = F.adaptive_avg_pool3d(x, (x.shape[2], 1, 1))  # spatial mean, time kept
        return self.ConvBlock10(x).reshape(x.shape[0], x.shape[2])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """micropulse layout: ``(N, D, 3, H, W)`` -> ``(N, 4*floor(D/4))``."""
        if x.ndim != 5:
            raise ValueError(f"PhysNet expects a 5-D tensor (N, D, 3, H, W), got shape {tuple(x.shape)}")
        return self.forward_ncdhw(x.permute(0, 2, 1, 3, 4))


def build_physnet(*, frames: int = 128, in_channels: int = 3) -> PhysNet:
    """The toolbox PhysNet (specs/rppg.md §8.2) with its default sizes."""
    return PhysNet(frames=frames, in_channels=in_channels)
