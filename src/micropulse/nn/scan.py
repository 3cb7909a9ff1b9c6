"""Selective scan (Mamba-1), fp32, without CUDA extensions (specs/rppg.md §2.6, DESIGN decision 2).

Semantics, per sequence, zero initial state, causal::

    s_t = exp(delta_t * A) * s_{t-1} + (delta_t * u_t) (outer) B_t     # Euler-discretised B
    y_t = s_t . C_t + D * u_t

Layouts follow ``mamba_ssm.selective_scan_fn``: ``u`` and ``delta`` ``(b, d, L)``, ``A`` ``(d, n)``,
``B`` and ``C`` ``(b, n, L)``, ``D`` ``(d,)``. ``delta`` is already positive (softplus and bias are the
caller's business, as are the SiLU gate and ``A = -exp(A_log)``).

Three paths that agree:

* ``sequential`` - a lean loop over time with in-place updates, in blocks of time that bound memory;
  differentiable through a hand-written backward that recomputes each block from a checkpointed
  state (memory O(b*d*n*block), not O(L)). The default on CPU.
* ``chunked`` - log-space cumulative sums inside chunks of ``chunk_size`` steps (parallel within a chunk,
  a short loop across chunks); plain autograd. Meant for GPUs without ``mamba_ssm``.
* ``selective_scan_step`` - one step with an explicit state, for streaming.

``method="auto"`` uses ``mamba_ssm``'s fused kernel when it is importable and the tensors are on CUDA,
``chunked`` on other accelerators and ``sequential`` on CPU.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import torch

from micropulse.errors import InputError

logger = logging.getLogger(__name__)

ScanMethod = Literal["auto", "sequential", "chunked", "cuda"]
_BLOCK_ELEMENTS = 1 << 20  # floats per time block of the sequential path (4 MiB per buffer)


def _cuda_scan_fn():
    """mamba_ssm's ``selective_scan_fn`` or None when it is not importable."""
    try:
        from mamba_ssm.ops.selective_scan_interface import selective_scan_fn
    except Exception:  # ImportError, or a broken CUDA extension raising at import
        return None
    return selective_scan_fn


def _check(u, delta, A, B, C, D) -> None:
    if u.ndim != 3 or delta.shape != u.shape:
        raise InputError(
            f"selective_scan: u and delta must be (b, d, L); got {tuple(u.shape)}, {tuple(delta.shape)}"
        )
    b, d, length = u.shape
    if A.ndim != 2 or A.shape[0] != d:
        raise InputError(f"selective_scan: A must be (d={d}, n); got {tuple(A.shape)}")
    n = A.shape[1]
    for name, t in (("B", B), ("C", C)):
        if tuple(t.shape) != (b, n, length):
            raise InputError(
                f"selective_scan: {name} must be (b, n, L) = {(b, n, length)}; got {tuple(t.shape)}"
            )
    if D is not None and tuple(D.shape) != (d,):
        raise InputError(f"selective_scan: D must be (d={d},); got {tuple(D.shape)}")


def _block_len(b: int, d: int, n: int, length: int) -> int:
    return max(1, min(length, _BLOCK_ELEMENTS // max(1, b * d * n)))


def _block_terms(delta_b, u_b, A, B_b):
    """exp(delta*A) and delta*u*B for a time block; inputs time-major (T, b, d) / (T, b, n)."""
    d_a = (delta_b.unsqueeze(-1) * A).exp_()  # (T, b, d, n)
    h = (delta_b * u_b).unsqueeze(-1) * B_b.unsqueeze(2)  # (T, b, d, n), becomes the states in place
    return d_a, h


@contextmanager
def one_thread() -> Iterator[None]:
    """Run a loop of small in-place ops on one intra-op thread.

    Each step touches only b*d*n floats; spreading that over threads costs more in synchronisation than it
    saves (measured 2-10x slower with 2 threads on a busy 2-core machine). Process-wide setting, restored.
    """
    before = torch.get_num_threads()
    if before > 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if before > 1:
            torch.set_num_threads(before)


_one_thread = one_thread


def _run_block(d_a: torch.Tensor, h: torch.Tensor, s0: torch.Tensor) -> None:
    """Turn ``h`` (inputs delta*u*B) into the states s_t in place, starting from ``s0``."""
    with _one_thread():
        h[0].addcmul_(d_a[0], s0)
        for k in range(1, h.shape[0]):
            h[k].addcmul_(d_a[k], h[k - 1])


class _SequentialScan(torch.autograd.Function):
    @staticmethod
    def forward(ctx, u, delta, A, B, C):  # time-major: u, delta (L, b, d); B, C (L, b, n); A (d, n)
        length, b, d = u.shape
        n = A.shape[1]
        block = _block_len(b, d, n, length)
        y = u.new_empty(length, b, d)
        s = u.new_zeros(b, d, n)
        starts = []
        for t0 in range(0, length, block):
            t1 = min(length, t0 + block)
            starts.append(s)
            d_a, h = _block_terms(delta[t0:t1], u[t0:t1], A, B[t0:t1])
            _run_block(d_a, h, s)
            torch.matmul(h, C[t0:t1].unsqueeze(-1), out=y[t0:t1].unsqueeze(-1))
            s = h[-1].clone()
        ctx.block = block
        ctx.save_for_backward(u, delta, A, B, C, *starts)
        return y

    @staticmethod
    def backward(ctx, gy):
        u, delta, A, B, C, *starts = ctx.saved_tensors
        length, b, d = u.shape
        block = ctx.block
        gy = gy.contiguous()
        g_u = torch.empty_like(u)
        g_delta = torch.empty_like(delta)
        g_b = torch.empty_like(B)
        g_c = torch.empty_like(C)
        g_a = torch.zeros_like(A)
        carry = None  # dLoss/ds_{t1-1} arriving from the next block: exp(delta_{t1} A) * G_{t1}
        blocks = list(range(0, length, block))
        for i in reversed(range(len(blocks))):
            t0 = blocks[i]
            t1 = min(length, t0 + block)
            s0 = starts[i]
            d_a, h = _block_terms(delta[t0:t1], u[t0:t1], A, B[t0:t1])
            _run_block(d_a, h, s0)  # h = states s_t of this block
            gy_b = gy[t0:t1]
            torch.matmul(gy_b.unsqueeze(-2), h, out=g_c[t0:t1].unsqueeze(-2))  # sum_d gy * s
            g = gy_b.unsqueeze(-1) * C[t0:t1].unsqueeze(2)  # direct dLoss/ds_t, (T, b, d, n)
            if carry is not None:
                g[-1].add_(carry)
            with _one_thread():
                for k in range(g.shape[0] - 2, -1, -1):
                    g[k].addcmul_(d_a[k + 1], g[k + 1])
            carry = d_a[0] * g[0]
            # gradient through the decay: d/d(delta*A) of exp(delta*A) s_{t-1} = exp(delta*A) s_{t-1}
            prev = torch.empty_like(h)
            prev[0] = s0
            prev[1:] = h[:-1]
            prev.mul_(d_a).mul_(g)  # = G * s_{t-1} * exp(delta A)
            delta_b = delta[t0:t1]
            u_b = u[t0:t1]
            g_delta_a = (prev * A).sum(-1)  # (T, b, d)
            g_a.add_((prev * delta_b.unsqueeze(-1)).sum(dim=(0, 1)))
            # gradient through the input term delta*u*B
            g_du = torch.matmul(g, B[t0:t1].unsqueeze(-1)).squeeze(-1)  # (T, b, d)
            du = delta_b * u_b
            torch.matmul(du.unsqueeze(-2), g, out=g_b[t0:t1].unsqueeze(-2))
            g_delta[t0:t1] = g_delta_a + g_du * u_b
            g_u[t0:t1] = g_du * delta_b
        return g_u, g_delta, g_a, g_b, g_c


def _sequential(u, delta, A, B, C):
    y = _SequentialScan.apply(
        u.permute(2, 0, 1).contiguous(),
        delta.permute(2, 0, 1).contiguous(),
        A.contiguous(),
        B.permute(2, 0, 1).contiguous(),
        C.permute(2, 0, 1).contiguous(),
    )
    return y.permute(1, 2, 0)


def _chunked(u, delta, A, B, C, chunk_size: int):
    b, d, length = u.shape
    n = A.shape[1]
    k = max(1, min(int(chunk_size), length))
    m = -(-length // k)
    pad = m * k - length
    log_a = delta.unsqueeze(-1) * A.unsqueeze(1)  # (b, d, L, n), <= 0
    x = (delta * u).unsqueeze(-1) * B.transpose(1, 2).unsqueeze(1)  # (b, d, L, n)
    if pad:
        log_a = torch.nn.functional.pad(log_a, (0, 0, 0, pad))
        x = torch.nn.functional.pad(x, (0, 0, 0, pad))
    log_a = log_a.reshape(b, d, m, k, n)
    x = x.reshape(b, d, m, k, n)
    c = torch.cumsum(log_a, dim=3)  # (b, d, m, k, n)
    seg = c.unsqueeze(4) - c.unsqueeze(3)  # (b, d, m, t, j, n): c_t - c_j
    causal = torch.ones(k, k, dtype=torch.bool, device=u.device).tril()
    seg = seg.masked_fill(~causal.view(1, 1, 1, k, k, 1), float("-inf"))
    intra = torch.einsum("bdmtjn,bdmjn->bdmtn", torch.exp(seg), x)  # states from a zero start
    decay = torch.exp(c)  # exp(c_t): carries the chunk's initial state to step t
    states = []
    s = u.new_zeros(b, d, n)
    for i in range(m):
        st = intra[:, :, i] + decay[:, :, i] * s.unsqueeze(2)
        states.append(st)
        s = st[:, :, -1]
    hs = torch.cat(states, dim=2)[:, :, :length]  # (b, d, L, n)
    return torch.einsum("bdln,bnl->bdl", hs, C)


def selective_scan(
    u: torch.Tensor,
    delta: torch.Tensor,
    A: torch.Tensor,
    B: torch.Tensor,
    C: torch.Tensor,
    D: torch.Tensor | None = None,
    *,
    method: ScanMethod = "auto",
    chunk_size: int = 16,
) -> torch.Tensor:
    """Run the selective scan over a whole sequence; returns ``y`` ``(b, d, L)`` in ``u``'s dtype.

    Args:
        u: inputs ``(b, d, L)``.
        delta: positive step sizes ``(b, d, L)`` (after softplus).
        A: ``(d, n)`` negative state matrix diagonal (``-exp(A_log)``).
        B, C: input-dependent ``(b, n, L)``.
        D: skip ``(d,)`` or None.
        method: ``auto`` | ``sequential`` | ``chunked`` | ``cuda`` (see module docstring).
        chunk_size: time steps per chunk of the chunked path (memory grows as b*d*L*chunk_size*n).
    """
    _check(u, delta, A, B, C, D)
    if method == "auto":
        if u.is_cuda and _cuda_scan_fn() is not None:
            method = "cuda"
        else:
            method = "sequential" if u.device.type == "cpu" else "chunked"
    if method == "cuda":
        fn = _cuda_scan_fn()
        if fn is None or not u.is_cuda:
            raise InputError("selective_scan: method 'cuda' needs mamba_ssm and CUDA tensors")
        return fn(u, delta, A, B, C, D, z=None, delta_bias=None, delta_softplus=False)
    dtype = u.dtype
    f32 = [t.float() for t in (u, delta, A, B, C)]
    if method == "sequential":
        y = _sequential(*f32)
    elif method == "chunked":
        y = _chunked(*f32, chunk_size=chunk_size)
    else:
        raise InputError(f"selective_scan: unknown method {method!r}; known: auto, sequential, chunked, cuda")
    if D is not None:
        y = y + D.float().unsqueeze(-1) * f32[0]
    return y.to(dtype)


def selective_scan_step(
    u_t: torch.Tensor,
    delta_t: torch.Tensor,
    A: torch.Tensor,
    B_t: torch.Tensor,
    C_t: torch.Tensor,
    D: torch.Tensor | None,
    state: torch.Tensor,
) -> torch.Tensor:
    """One time step. ``u_t``, ``delta_t`` ``(b, d)``; ``B_t``, ``C_t`` ``(b, n)``; ``state`` ``(b, d, n)``
    float32, updated IN PLACE. Returns ``y_t`` ``(b, d)``."""
    d_a = torch.exp(delta_t.float().unsqueeze(-1) * A.float())
    state.mul_(d_a).add_((delta_t * u_t).float().unsqueeze(-1) * B_t.float().unsqueeze(1))
    y = torch.matmul(state, C_t.float().unsqueeze(-1)).squeeze(-1)
    if D is not None:
        y = y + D.float() * u_t.float()
    return y.to(u_t.dtype)
