"""Mamba-1 layer with ``mamba_ssm.modules.mamba_simple.Mamba``'s parameter names and shapes.

Parameters: ``in_proj`` (Linear d_model -> 2*d_inner, no bias), ``conv1d`` (depthwise, kernel d_conv,
bias), ``x_proj`` (d_inner -> dt_rank + 2*d_state, no bias), ``dt_proj`` (dt_rank -> d_inner, bias),
``A_log`` (d_inner, d_state), ``D`` (d_inner), ``out_proj`` (d_inner -> d_model, no bias); official
state dicts load unchanged. Maths in specs/rppg.md §2.6; the scan is :mod:`micropulse.nn.scan`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from micropulse.errors import InputError
from micropulse.nn.scan import ScanMethod, selective_scan, selective_scan_step


@dataclass(frozen=True)
class MambaState:
    """Recurrent state of one Mamba layer (tensors are updated in place by :meth:`Mamba.step`).

    Attributes:
        conv: ``(batch, d_inner, d_conv)`` last d_conv conv inputs (oldest first).
        ssm: ``(batch, d_inner, d_state)`` float32 scan state.
    """

    conv: torch.Tensor
    ssm: torch.Tensor


class Mamba(nn.Module):
    """Selective state-space layer ``(B, L, d_model) -> (B, L, d_model)``.

    Args:
        d_model: model width.
        d_state: SSM state size per channel (16 upstream default; RhythmMamba 48, ME-TST 64).
        d_conv: causal depthwise conv kernel (frames/tokens).
        expand: d_inner = expand * d_model.
        dt_rank: rank of the step-size projection; ``"auto"`` = ceil(d_model / 16).
        dt_min, dt_max, dt_init, dt_scale, dt_init_floor: mamba_ssm's step-size initialisation.
        conv_bias, bias: biases of conv1d and of in/out projections.
        scan_method: ``auto`` | ``sequential`` | ``chunked`` | ``cuda`` (see :func:`selective_scan`), or a
            callable ``f(u, delta, A, B, C, D) -> y`` in mamba_ssm layout (e.g. a re-implementation's own
            scan). :meth:`step` always uses the exact recurrence.
        chunk_size: chunk length of the chunked scan (time steps).
    """

    def __init__(
        self,
        d_model: int,
        d_state: int = 16,
        d_conv: int = 4,
        expand: int = 2,
        dt_rank: int | str = "auto",
        dt_min: float = 0.001,
        dt_max: float = 0.1,
        dt_init: str = "random",
        dt_scale: float = 1.0,
        dt_init_floor: float = 1e-4,
        conv_bias: bool = True,
        bias: bool = False,
        scan_method: ScanMethod | Callable[..., torch.Tensor] = "auto",
        chunk_size: int = 16,
    ) -> None:
        super().__init__()
        self.d_model = d_model
        self.d_state = d_state
        self.d_conv = d_conv
        self.expand = expand
        self.d_inner = int(expand * d_model)
        self.dt_rank = math.ceil(d_model / 16) if dt_rank == "auto" else int(dt_rank)
        self.scan_method = scan_method
        self.chunk_size = chunk_size

        self.in_proj = nn.Linear(d_model, 2 * self.d_inner, bias=bias)
        self.conv1d = nn.Conv1d(
            self.d_inner,
            self.d_inner,
            kernel_size=d_conv,
            groups=self.d_inner,
            padding=d_conv - 1,
            bias=conv_bias,
        )
        self.x_proj = nn.Linear(self.d_inner, self.dt_rank + 2 * d_state, bias=False)
        self.dt_proj = nn.Linear(self.dt_rank, self.d_inner, bias=True)
        self.out_proj = nn.Linear(self.d_inner, d_model, bias=bias)

        # mamba_ssm's default step-size init: weight U(+-dt_rank^-0.5 * scale), bias = softplus^-1(dt),
        # dt log-uniform in [dt_min, dt_max].
        std = self.dt_rank**-0.5 * dt_scale
        if dt_init == "constant":
            nn.init.constant_(self.dt_proj.weight, std)
        elif dt_init == "random":
            nn.init.uniform_(self.dt_proj.weight, -std, std)
        else:
            raise InputError(f"Mamba: unknown dt_init {dt_init!r}; known: constant, random")
        dt = torch.exp(torch.rand(self.d_inner) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min))
        dt = dt.clamp(min=dt_init_floor)
        with torch.no_grad():
            self.dt_proj.bias.copy_(dt + torch.log(-torch.expm1(-dt)))
        self.dt_proj.bias._no_reinit = True  # type: ignore[attr-defined]

        a = torch.arange(1, d_state + 1, dtype=torch.float32).repeat(self.d_inner, 1)
        self.A_log = nn.Parameter(torch.log(a))
        self.A_log._no_weight_decay = True  # type: ignore[attr-defined]
        self.D = nn.Parameter(torch.ones(self.d_inner))
        self.D._no_weight_decay = True  # type: ignore[attr-defined]

    def _ssm_inputs(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x (..., d_inner) -> delta (..., d_inner) after softplus, B and C (..., d_state)."""
        dbc = self.x_proj(x)
        dt, b, c = torch.split(dbc, [self.dt_rank, self.d_state, self.d_state], dim=-1)
        delta = F.softplus(F.linear(dt, self.dt_proj.weight) + self.dt_proj.bias.float())
        return delta, b, c

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """``hidden`` ``(B, L, d_model)`` -> ``(B, L, d_model)``; causal in L."""
        if hidden.ndim != 3 or hidden.shape[-1] != self.d_model:
            raise InputError(f"Mamba: expected (B, L, {self.d_model}); got {tuple(hidden.shape)}")
        length = hidden.shape[1]
        x, z = self.in_proj(hidden).chunk(2, dim=-1)  # (B, L, d_inner) each
        x = F.silu(self.conv1d(x.transpose(1, 2))[..., :length])  # (B, d_inner, L)
        delta, b, c = self._ssm_inputs(x.transpose(1, 2))
        a = -torch.exp(self.A_log.float())
        if callable(self.scan_method):  # a custom scan f(u, delta, A, B, C, D) in mamba_ssm layout
            y = self.scan_method(
                x, delta.transpose(1, 2), a, b.transpose(1, 2), c.transpose(1, 2), self.D.float()
            )
            return self.out_proj(y.transpose(1, 2) * F.silu(z))
        y = selective_scan(
            x,
            delta.transpose(1, 2),
            a,
            b.transpose(1, 2),
            c.transpose(1, 2),
            self.D.float(),
            method=self.scan_method,
            chunk_size=self.chunk_size,
        )
        y = y.transpose(1, 2) * F.silu(z)
        return self.out_proj(y)

    def allocate_state(
        self, batch: int, device: torch.device | str | None = None, dtype: torch.dtype | None = None
    ) -> MambaState:
        """Zero state for ``batch`` sequences (the scan's zero initial state)."""
        device = device if device is not None else self.A_log.device
        dtype = dtype if dtype is not None else self.in_proj.weight.dtype
        conv = torch.zeros(batch, self.d_inner, self.d_conv, device=device, dtype=dtype)
        ssm = torch.zeros(batch, self.d_inner, self.d_state, device=device, dtype=torch.float32)
        return MambaState(conv=conv, ssm=ssm)

    def step(self, x_t: torch.Tensor, state: MambaState) -> torch.Tensor:
        """One token: ``x_t`` ``(B, d_model)`` -> ``(B, d_model)``; ``state`` is updated in place.

        Feeding a sequence token by token from :meth:`allocate_state` gives :meth:`forward`'s output.
        """
        if x_t.ndim != 2 or x_t.shape[-1] != self.d_model:
            raise InputError(f"Mamba.step: expected (B, {self.d_model}); got {tuple(x_t.shape)}")
        x, z = self.in_proj(x_t).chunk(2, dim=-1)  # (B, d_inner)
        conv = state.conv
        conv.copy_(torch.roll(conv, shifts=-1, dims=-1))
        conv[:, :, -1] = x
        x = torch.sum(conv * self.conv1d.weight.squeeze(1), dim=-1)
        if self.conv1d.bias is not None:
            x = x + self.conv1d.bias
        x = F.silu(x)
        delta, b, c = self._ssm_inputs(x)
        a = -torch.exp(self.A_log.float())
        y = selective_scan_step(x, delta, a, b, c, self.D.float(), state.ssm)
        return self.out_proj(y * F.silu(z))
