"""open-rppg's numerical variant of RhythmMamba and PhysNet, built on the official micropulse models.

open-rppg (0.1.1, ``rppg/models.py``) re-implements RhythmMamba and PhysNet in Keras/jax. Its weights were
trained with that code, which differs numerically from the official PyTorch models. The differences its
weights need, each reproduced here on top of the official micropulse model (same parameter names):

RhythmMamba
  1. frequency FFN: the FULL 192x192 complex matrix (``'bnc,cd->bnd'``) -> model option ``ffn_full_matrix``;
  2. the FFN uses ``rfft``/``irfft`` (ortho) over time, not ``fft`` + real part of ``ifft``;
  3. Keras default epsilons: LayerNorm 1e-3 (all three per block); BatchNorm 1e-3 in stem12/21/22 and stem3
     (stem11 and the FFN BatchNorms set 1e-5 explicitly);
  4. ``padding='same'`` convolutions pad like TensorFlow (for a stride-2 7x7 conv on an even size: 2 before,
     3 after), not PyTorch's symmetric 3;
  5. stochastic depth at inference scales each residual branch by ``1 - p`` (Keras Dropout on a ones tensor);
  6. ``Attention_mask`` is shadowed by TS-CAN's later definition: ``0.5 * s / mean_{T,H}(s)``;
  7. the fusion stem's difference tensor is concatenated on the height axis and reshaped (scrambled);
  8. its selective scan is a cumsum/exp formula, ``h_t = cumsum_k(e_k dB_k u_k) / (e_t + 1e-12)`` with
     ``e_t = exp(sum_{j>t} delta_j A)``, which underflows to 0 for fast-decaying states (the exact recurrence
     does not). Streaming (``Mamba.step``) always uses the exact recurrence, so it differs from this.
PhysNet: Keras default BatchNorm eps 1e-3; 32x32 input.
Both: input ``x/255`` standardised per colour channel over each chunk (``ChannelStandardized``), output
z-scored (our inference z-scores every chunk anyway).

The weights themselves are read by :mod:`micropulse.rppg.deep.openrppg_h5`.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from micropulse.errors import WeightsError
from micropulse.nn.scan import one_thread
from micropulse.nn.stem import FusionStem
from micropulse.rppg.deep.info import OPENRPPG_VARIANT as VARIANT
from micropulse.rppg.deep.info import WeightsInfo
from micropulse.rppg.deep.rhythmmamba import FrequencyFFN

__all__ = ["VARIANT", "adapt_model", "openrppg_scan_reference", "openrppg_selective_scan"]


#: ``exp`` results at or below this are taken as 0 by the fast scan (exponents below about -79.6).
EXP_FLUSH = 1.5 * math.exp(-80.0)


def openrppg_selective_scan(u, delta, A, B, C, D):
    """open-rppg's cumsum/exp selective scan (mamba_ssm layout: u, delta (b,d,L); A (d,n); B, C (b,n,L)).

    ``S_t = sum_{j>t} delta_j A``, ``e_t = exp(S_t)``, ``h_t = (sum_{k<=t} e_k delta_k u_k B_k) / (e_t + 1e-12)``,
    ``y_t = h_t . C_t + D u_t``. Equals the recurrence where nothing underflows; where ``e`` underflows the
    state collapses to 0 (reproduced on purpose: the weights were trained with it).

    float32 CPU tensors without gradients run :func:`_fast_scan` (same sums in the same order, ~3x
    faster); anything else (autograd, float64, GPUs) runs :func:`openrppg_scan_reference`.
    """
    args = (u, delta, A, B, C, D)
    needs_grad = torch.is_grad_enabled() and any(t.requires_grad for t in args)
    if needs_grad or any(t.device.type != "cpu" or t.dtype != torch.float32 for t in args):
        return openrppg_scan_reference(*args)
    return _fast_scan(*args)


def openrppg_scan_reference(u, delta, A, B, C, D):
    """The scan written as open-rppg writes it (flip/cumsum/flip over all of ``(b, d, L, n)`` at once)."""
    d_a = delta.unsqueeze(-1) * A[None, :, None, :]  # (b, d, L, n)
    d_bu = (delta * u).unsqueeze(-1) * B.transpose(1, 2).unsqueeze(1)  # (b, d, L, n)
    later = torch.cat([d_a[:, :, 1:], torch.zeros_like(d_a[:, :, :1])], dim=2)  # delta_{t+1} A ... 0
    e = torch.exp(later.flip(2).cumsum(2).flip(2))
    h = torch.cumsum(d_bu * e, dim=2) / (e + 1e-12)
    y = torch.einsum("bdln,bnl->bdl", h, C)
    return y + u * D[None, :, None]


def _fast_scan(u, delta, A, B, C, D):
    """:func:`openrppg_scan_reference` without gradients, time-major and in place.

    Same float32 products and the same float64-accumulated running sums as ``torch.cumsum`` on CPU (so the
    states are bit-identical), but (1) the sums run over contiguous time slices instead of strided ones, and
    (2) ``exp`` results at or below :data:`EXP_FLUSH` (~3e-35) are set to 0: float32 ``exp`` with a
    subnormal or zero result is ~20x slower than an ordinary one, and subnormal products slow the ops after
    it (together 40-50% of the network's time before). In ``h_t`` the values dropped move the result by at
    most ``L * 3e-35 / 1e-12`` times the input: nothing at float32 precision.
    """
    length = u.shape[-1]
    dt = delta.permute(2, 0, 1)  # (L, b, d)
    d_a = dt.unsqueeze(-1) * A  # (L, b, d, n): delta_t A
    e = torch.empty_like(d_a)
    acc = torch.zeros(d_a.shape[1:], dtype=torch.float64)
    e[length - 1].zero_()
    with one_thread():  # loops of small ops: threads cost more than they save
        for t in range(length - 2, -1, -1):  # S_t = sum_{j>t} delta_j A, summed from the end
            acc.add_(d_a[t + 1])
            e[t].copy_(acc)
    del d_a
    F.threshold_(e.clamp_(min=-80.0).exp_(), EXP_FLUSH, 0.0)  # e_t = exp(S_t), flushed
    h = (dt * u.permute(2, 0, 1)).unsqueeze(-1) * B.permute(2, 0, 1).unsqueeze(2)  # (L, b, d, n)
    h.mul_(e)
    acc.zero_()
    with one_thread():
        for t in range(length):  # running sum over k <= t, in place
            acc.add_(h[t])
            h[t].copy_(acc)
    h.div_(e.add_(1e-12))
    y = torch.matmul(h, C.permute(2, 0, 1).unsqueeze(-1)).squeeze(-1)  # (L, b, d)
    return y.permute(1, 2, 0) + u * D[None, :, None]


def _tf_same_padding(module: nn.Module) -> None:
    """Make a stride-s conv pad like TensorFlow's ``'same'`` (extra pixel after), via a forward pre-hook."""
    kernel, stride = module.kernel_size, module.stride
    module.padding = (0,) * len(kernel)

    def hook(mod: nn.Module, args: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor]:
        x = args[0]
        pads: list[int] = []
        for size, k, s in zip(reversed(x.shape[2:]), reversed(kernel), reversed(stride), strict=True):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        return (F.pad(x, pads),)

    module.register_forward_pre_hook(hook)


class OpenRppgFrequencyFFN(FrequencyFFN):
    """open-rppg's FFN: rfft over time (ortho), complex mix + ReLU on L//2+1 bins, irfft back."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.fc1(x.transpose(1, 2)).transpose(1, 2)
        length = x.shape[1]
        spec = torch.fft.rfft(x.float(), dim=1, norm="ortho")
        re_ = F.relu(self._mix(spec.real, self.r) - self._mix(spec.imag, self.i) + self.rb)
        im_ = F.relu(self._mix(spec.imag, self.r) + self._mix(spec.real, self.i) + self.ib)
        x = torch.fft.irfft(torch.complex(re_, im_), n=length, dim=1, norm="ortho")
        return self.fc2(x.transpose(1, 2)).transpose(1, 2)


def keras_scrambled_differences(x: torch.Tensor) -> torch.Tensor:
    """open-rppg's difference input of the fusion stem, ``(N, D, 3, H, W)`` -> ``(N*D, 12, H, W)``.

    open-rppg concatenates the four neighbour differences of its channel-last ``(N, D, H, W, 3)`` clip on
    axis 2 — the HEIGHT axis, giving ``(N, D, 4H, W, 3)`` — and then *reshapes* (not transposes) that to
    ``(N*D, H, W, 12)``. Each of its 12-channel "pixels" therefore packs 4 horizontally adjacent pixels of
    one difference image, and its rows come from 4 consecutive rows of the stacked differences. The weights
    were trained on this layout, so it is reproduced exactly.

    The four differences of frame t are ``x[c(t+i-1)] - x[c(t+i-2)]`` (i = 0..3, ``c`` clamps to the clip),
    i.e. the one-step difference ``x[j+1] - x[j]`` at ``j = t+i-2`` and 0 where the clamp makes both frames
    equal. So each difference is computed once, into a zero-padded channel-last buffer, and frame t's
    ``(4, H, W, 3)`` stack is the window of 4 consecutive entries of that buffer (one copy, no gathers).
    """
    n, d, c, h, w = x.shape
    steps = x.new_zeros(n, d + 3, h, w, c)  # steps[:, j + 2] = x[:, j + 1] - x[:, j]; zero at both ends
    steps[:, 2 : d + 1] = (x[:, 1:] - x[:, :-1]).permute(0, 1, 3, 4, 2)
    stacked = steps.unfold(1, 4, 1).permute(0, 1, 5, 2, 3, 4)  # (N, D, 4, H, W, 3): stacked on height
    return stacked.reshape(n * d, h, w, 4 * c).contiguous().permute(0, 3, 1, 2)


class OpenRppgFusionStem(FusionStem):
    """The shared fusion stem fed open-rppg's scrambled difference tensor (same parameters)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, d, c, h, w = x.shape
        return self.fuse(x.reshape(n * d, c, h, w), keras_scrambled_differences(x))


def openrppg_attention_mask(x: torch.Tensor) -> torch.Tensor:
    """The mask open-rppg's RhythmMamba really uses, on ``(N, C, T, H', W')`` stem3 features.

    models.py defines ``Attention_mask`` twice; the second (TS-CAN's) definition shadows the first, so
    RhythmMamba gets ``0.5 * s / mean(s)`` with the mean over Keras axes (1, 2) of ``(N, T, H', W', C)`` —
    time and HEIGHT — instead of the official L1 normalisation over (H', W'). ``s = sigmoid(x)``.
    """
    s = torch.sigmoid(x)
    return 0.5 * s / s.mean(dim=(2, 3), keepdim=True)


def _openrppg_model_class(base: type) -> type:
    class OpenRppgRhythmMamba(base):
        """RhythmMamba with open-rppg's attention mask (same parameters)."""

        def frames_to_tokens(self, f: torch.Tensor) -> torch.Tensor:
            f = self.stem3(f)
            f = f * openrppg_attention_mask(f)
            return f.mean(dim=(3, 4)).transpose(1, 2)

    return OpenRppgRhythmMamba


class KerasDropPath(nn.Module):
    """open-rppg's ``DropPath``: ``x * Dropout(p)(ones * (1 - p))``.

    In inference Keras' Dropout is the identity, so the residual branch is scaled by ``1 - p`` (not left
    unchanged as in timm); in training surviving samples are kept unscaled.
    """

    def __init__(self, rate: float) -> None:
        super().__init__()
        self.rate = float(rate)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return x * (1.0 - self.rate)
        keep = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(1.0 - self.rate)
        return x * keep

    def extra_repr(self) -> str:
        return f"rate={self.rate}"


def _adapt_rhythmmamba(model: nn.Module) -> nn.Module:
    ffn_cls = OpenRppgFrequencyFFN
    # Only forward()/frames_to_tokens() differ; the instances keep their parameters and names.
    model.__class__ = _openrppg_model_class(type(model))
    model.Fusion_Stem.__class__ = OpenRppgFusionStem
    for m in model.modules():
        if isinstance(m, nn.LayerNorm):
            m.eps = 1e-3
    stem = model.Fusion_Stem
    for name in ("stem12", "stem21", "stem22"):
        getattr(stem, name)[1].eps = 1e-3
    model.stem3[1].eps = 1e-3
    for name in ("stem11", "stem12", "stem21", "stem22"):
        _tf_same_padding(getattr(stem, name)[0])
    _tf_same_padding(model.stem3[0])
    for block in model.blocks:
        block.mlp.__class__ = ffn_cls  # only forward() differs: parameters and names are kept
        block.attn.mamba.scan_method = openrppg_selective_scan
        block.drop_path = KerasDropPath(getattr(block.drop_path, "rate", 0.0))
    return model


def _adapt_physnet(model: nn.Module) -> nn.Module:
    for m in model.modules():
        if isinstance(m, nn.BatchNorm3d):
            m.eps = 1e-3
    return model


_ADAPTERS = {"rhythmmamba": _adapt_rhythmmamba, "physnet": _adapt_physnet}


def adapt_model(model: nn.Module, info: WeightsInfo) -> nn.Module:
    """Turn an official micropulse model into open-rppg's numerical variant (parameter names unchanged)."""
    if info.variant != VARIANT:
        raise WeightsError(f"unknown model variant {info.variant!r}; known: {VARIANT}")
    if info.arch not in _ADAPTERS:
        raise WeightsError(f"no open-rppg variant of {info.arch!r}")
    return _ADAPTERS[info.arch](model)
