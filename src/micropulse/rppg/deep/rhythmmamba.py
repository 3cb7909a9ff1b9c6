"""RhythmMamba (Zou et al., AAAI 2025) exactly as the official code builds it (specs/rppg.md §2).

``(N, D, 3, H, W)`` Standardized video -> ``(N, 2*floor(D/2))`` rPPG, one value per frame.
Attribute names equal the official module so its state dicts load: ``Fusion_Stem.*``, ``stem3.*``,
``blocks.{i}.{norm1,norm2,attn.norm,attn.mamba.*,mlp.{r,i,rb,ib,fc1,fc2}}``, ``ConvBlockLast.*``.

Quirks reproduced (each cited where it is coded): the multi-temporal constraint as coded (§2.3, trap 4),
the frequency FFN using the diagonal of its complex weights (§2.3, trap 3; ``ffn_full_matrix=True`` gives
open-rppg's full-matrix variant), and the initialisation overrides (§2.5, trap 5).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from micropulse.errors import InputError
from micropulse.nn.layers import DropPath, vim_init_
from micropulse.nn.mamba import Mamba
from micropulse.nn.scan import ScanMethod, one_thread
from micropulse.nn.stem import FusionStem, rhythmmamba_stem

MTC_COPIES = 4  # path = 3 in the official code => 2**(3-1) restart copies (§2.3)


def attention_mask(x: torch.Tensor) -> torch.Tensor:
    """L1-normalised sigmoid mask over (H', W') of ``x`` ``(N, C, T, H', W')`` (§2.2), mean 0.5."""
    m = torch.sigmoid(x)
    h, w = m.shape[-2:]
    return m / m.sum(dim=(3, 4), keepdim=True) * (h * w * 0.5)


def mtc_combine(outputs: torch.Tensor, batch: int, tt: int) -> torch.Tensor:
    """Average the restart copies as the official block does (§2.3).

    ``outputs`` ``(4*batch, L, C)``: copy j is the Mamba output of the sequence left-shifted by j*tt.
    Token t in quarter s (s <= 3) gets the mean of copy j's output at t - j*tt for j = 0..s; tokens past
    4*tt keep copy 0 only. The sum order equals the official loop's.
    """
    out = outputs[:batch].clone()
    for s in range(1, MTC_COPIES):
        seg = slice(s * tt, (s + 1) * tt)
        acc = out[:, seg]
        for j in range(1, s + 1):
            acc = acc + outputs[j * batch : (j + 1) * batch, (s - j) * tt : (s - j + 1) * tt]
        out[:, seg] = acc / (s + 1)
    return out


class MambaLayer(nn.Module):
    """LayerNorm then Mamba (official ``MambaLayer``)."""

    def __init__(self, dim: int, d_state: int = 48, scan_method: ScanMethod = "auto") -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.mamba = Mamba(dim, d_state=d_state, d_conv=4, expand=2, scan_method=scan_method)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mamba(self.norm(x))


class FrequencyFFN(nn.Module):
    """Frequency-domain FFN (§2.3): fc1 -> FFT over time -> complex scaling + ReLU -> iFFT (real) -> fc2.

    Trap 3: the official einsum ``'bnc,cc->bnc'`` uses only the DIAGONAL of ``r`` and ``i`` (per-channel
    complex scaling). ``full_matrix=True`` multiplies by the whole matrix (``'bnc,cd->bnd'``, open-rppg).
    """

    def __init__(self, dim: int, mlp_ratio: int, full_matrix: bool = False) -> None:
        super().__init__()
        hidden = dim * mlp_ratio
        self.full_matrix = full_matrix
        self.r = nn.Parameter(0.02 * torch.randn(hidden, hidden))
        self.i = nn.Parameter(0.02 * torch.randn(hidden, hidden))
        self.rb = nn.Parameter(0.02 * torch.randn(hidden))
        self.ib = nn.Parameter(0.02 * torch.randn(hidden))
        self.fc1 = nn.Sequential(nn.Conv1d(dim, hidden, 1, bias=False), nn.BatchNorm1d(hidden), nn.ReLU())
        self.fc2 = nn.Sequential(nn.Conv1d(hidden, dim, 1, bias=False), nn.BatchNorm1d(dim))

    def _mix(self, v: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        if self.full_matrix:
            return v @ w  # 'bnc,cd->bnd'
        return v * torch.diagonal(w)  # 'bnc,cc->bnc' takes the diagonal (trap 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` ``(B, L, dim)`` -> ``(B, L, dim)``; mixes the whole length L (not causal)."""
        x = self.fc1(x.transpose(1, 2)).transpose(1, 2)
        spec = torch.fft.fft(x, dim=1, norm="ortho")
        re = F.relu(self._mix(spec.real, self.r) - self._mix(spec.imag, self.i) + self.rb)
        im = F.relu(self._mix(spec.imag, self.r) + self._mix(spec.real, self.i) + self.ib)
        x = torch.fft.ifft(torch.complex(re.float(), im.float()), dim=1, norm="ortho").real.to(torch.float32)
        return self.fc2(x.transpose(1, 2)).transpose(1, 2)


class RhythmMambaBlock(nn.Module):
    """``x + DropPath(LN1(MTC(x)))`` then ``x + DropPath(FFN(LN2(x)))`` (official ``Block_mamba``)."""

    def __init__(
        self,
        dim: int,
        mlp_ratio: int,
        drop_path: float = 0.0,
        d_state: int = 48,
        ffn_full_matrix: bool = False,
        scan_method: ScanMethod = "auto",
    ) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.attn = MambaLayer(dim, d_state=d_state, scan_method=scan_method)
        self.mlp = FrequencyFFN(dim, mlp_ratio, full_matrix=ffn_full_matrix)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()

    def mtc(self, x: torch.Tensor) -> torch.Tensor:
        """Multi-temporal constraint as coded (§2.3): one shared Mamba over 4 left-shifted copies."""
        b, length, _ = x.shape
        tt = length // MTC_COPIES
        if tt == 0:  # the official code runs 4 identical copies and reads copy 0 only
            return self.attn(x)
        copies = x.repeat(MTC_COPIES, 1, 1)
        for j in range(1, MTC_COPIES):  # copy j: left shift by j*tt; its tail keeps the unshifted values
            copies[j * b : (j + 1) * b, : length - j * tt] = x[:, j * tt :]
        return mtc_combine(self.attn(copies), b, tt)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.drop_path(self.norm1(self.mtc(x)))
        return x + self.drop_path(self.mlp(self.norm2(x)))


class RhythmMamba(nn.Module):
    """RhythmMamba; defaults are the trainer's (§2.1): depth 24, embed_dim 96, mlp_ratio 2, drop_path 0.1.

    Args:
        depth: number of blocks.
        embed_dim: token width (the stem has embed_dim/4 channels).
        mlp_ratio: FFN expansion.
        drop_path_rate: stochastic depth; block i gets linspace(0, rate, depth)[i-1], block 0 gets 0.
        d_state: Mamba state size (48).
        ffn_full_matrix: open-rppg's full-matrix frequency FFN instead of the official diagonal.
        scan_method: selective-scan path (``auto`` picks sequential on CPU).
    """

    def __init__(
        self,
        depth: int = 24,
        embed_dim: int = 96,
        mlp_ratio: int = 2,
        drop_path_rate: float = 0.1,
        d_state: int = 48,
        ffn_full_matrix: bool = False,
        scan_method: ScanMethod = "auto",
    ) -> None:
        super().__init__()
        self.embed_dim = embed_dim
        self.Fusion_Stem = rhythmmamba_stem(embed_dim // 4)
        self.stem3 = nn.Sequential(
            nn.Conv3d(embed_dim // 4, embed_dim, kernel_size=(2, 5, 5), stride=(2, 1, 1), padding=(0, 2, 2)),
            nn.BatchNorm3d(embed_dim),
        )
        # Official quirk (§2.1): rates are [0] + linspace(0, rate, depth), so block i gets dpr[i-1].
        dpr = [0.0] + [v.item() for v in torch.linspace(0, drop_path_rate, depth)]
        self.blocks = nn.ModuleList(
            RhythmMambaBlock(embed_dim, mlp_ratio, dpr[i], d_state, ffn_full_matrix, scan_method)
            for i in range(depth)
        )
        self.upsample = nn.Upsample(scale_factor=2)
        self.ConvBlockLast = nn.Conv1d(embed_dim, 1, kernel_size=1)
        self._init_official(depth)

    def _init_official(self, depth: int) -> None:
        """The init the official code ends up with (§2.5, trap 5); fc2 is never matched by the rescale."""
        vim_init_(self, n_layer=depth)

    def frame_local(self) -> bool:
        """True when stem, stem3, mask and mean only look at +-2 frames / one frame pair (the official model).

        A subclass that overrides :meth:`frames_to_tokens` (e.g. open-rppg's mask, which averages over time)
        or the stem's ``forward`` is treated as not frame-local: no chunking, no streaming.
        """
        return (
            type(self).frames_to_tokens is RhythmMamba.frames_to_tokens
            and type(self.Fusion_Stem).forward is FusionStem.forward
        )

    def tokens(self, x: torch.Tensor, frame_chunk: int | None = 160) -> torch.Tensor:
        """Stem, stem3, attention mask and spatial mean: ``(N, D, 3, H, W)`` -> ``(N, floor(D/2), C)``.

        In the official model everything here is local to a frame (stem, with a +-2 frame neighbourhood) or
        to a frame pair (stem3, mask, mean), so ``frame_chunk`` frames (even) are processed at a time with
        their true neighbours: the same numbers with bounded activation memory. In training mode (BatchNorm
        uses the statistics of the whole batch), with None, or for a model that is not :meth:`frame_local`,
        all frames are processed at once.
        """
        if x.ndim != 5 or x.shape[2] != 3:
            raise InputError(f"RhythmMamba: expected a (N, D, 3, H, W) clip; got shape {tuple(x.shape)}")
        if x.shape[1] < 2:
            raise InputError(f"RhythmMamba: needs at least 2 frames; got {x.shape[1]}")
        n, d = x.shape[:2]
        if frame_chunk is None or self.training or not self.frame_local():
            f = self.Fusion_Stem(x)  # (N*D, C/4, H/8, W/8)
            return self.frames_to_tokens(f.view(n, d, *f.shape[1:]).permute(0, 2, 1, 3, 4))
        step = max(2, int(frame_chunk) // 2 * 2)
        out = []
        for a in range(0, d - d % 2, step):
            b = min(a + step, d - d % 2)
            lo, hi = max(0, a - 2), min(d, b + 2)  # 2 neighbours each side (edges replicate, as whole-clip)
            f = self.Fusion_Stem(x[:, lo:hi])  # (N*(hi-lo), C/4, H/8, W/8)
            f = f.view(n, hi - lo, *f.shape[1:])[:, a - lo : b - lo]
            out.append(self.frames_to_tokens(f.permute(0, 2, 1, 3, 4)))
        return torch.cat(out, dim=1)

    def frames_to_tokens(self, f: torch.Tensor) -> torch.Tensor:
        """stem3 + mask + mean: stem features ``(N, C/4, D, H', W')`` -> tokens ``(N, floor(D/2), C)``."""
        f = self.stem3(f)
        f = f * attention_mask(f)
        return f.mean(dim=(3, 4)).transpose(1, 2)

    def head(self, tokens: torch.Tensor) -> torch.Tensor:
        """Tokens ``(N, L, C)`` -> rPPG ``(N, 2L)`` (nearest x2 upsample, Conv1d to 1 channel)."""
        return self.ConvBlockLast(self.upsample(tokens.transpose(1, 2))).squeeze(1)

    def forward_tokens(self, tokens: torch.Tensor, block_tokens: int | None = None) -> torch.Tensor:
        """Run the blocks; with ``block_tokens`` the token sequence is cut into independent blocks of that
        many tokens (the streaming definition, see ``streaming.py``); None = the whole sequence (official)."""
        pieces = [tokens] if block_tokens is None else list(tokens.split(int(block_tokens), dim=1))
        outs = []
        for piece in pieces:
            for blk in self.blocks:
                piece = blk(piece)
            outs.append(piece)
        return torch.cat(outs, dim=1)

    def forward(self, x: torch.Tensor, block_tokens: int | None = None) -> torch.Tensor:
        """``(N, D, 3, H, W)`` -> ``(N, 2*floor(D/2))``. ``block_tokens``: see :meth:`forward_tokens`."""
        return self.head(self.forward_tokens(self.tokens(x), block_tokens))


def build_rhythmmamba(
    *,
    depth: int = 24,
    embed_dim: int = 96,
    mlp_ratio: int = 2,
    drop_path_rate: float = 0.1,
    d_state: int = 48,
    ffn_full_matrix: bool = False,
    scan_method: ScanMethod = "auto",
) -> RhythmMamba:
    """Factory for the model registry (name ``rhythmmamba``)."""
    # hundreds of small init ops: measured 5x faster on one thread than on two on a busy 2-core machine
    with one_thread():
        return RhythmMamba(
            depth=depth,
            embed_dim=embed_dim,
            mlp_ratio=mlp_ratio,
            drop_path_rate=drop_path_rate,
            d_state=d_state,
            ffn_full_matrix=ffn_full_matrix,
            scan_method=scan_method,
        )
