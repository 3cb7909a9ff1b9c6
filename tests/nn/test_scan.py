"""The three selective-scan paths agree with a float64 loop written from specs/rppg.md §2.6."""

from __future__ import annotations

import pytest
import torch

import micropulse.nn.scan as scan_mod
from micropulse.errors import InputError
from micropulse.nn.scan import selective_scan, selective_scan_step

pytestmark = pytest.mark.usefixtures("one_thread")


def _inputs(b=2, d=6, n=5, length=29, seed=0, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    u = torch.randn(b, d, length, generator=g, dtype=dtype)
    delta = torch.nn.functional.softplus(torch.randn(b, d, length, generator=g, dtype=dtype))
    a = -torch.rand(d, n, generator=g, dtype=dtype) * 3 - 0.1
    bb = torch.randn(b, n, length, generator=g, dtype=dtype)
    c = torch.randn(b, n, length, generator=g, dtype=dtype)
    dd = torch.randn(d, generator=g, dtype=dtype)
    return [u, delta, a, bb, c, dd]


def _reference(u, delta, a, bb, c, dd):
    b, d, length = u.shape
    s = torch.zeros(b, d, a.shape[1], dtype=u.dtype)
    ys = []
    for t in range(length):
        s = (
            torch.exp(delta[:, :, t, None] * a) * s
            + (delta[:, :, t] * u[:, :, t])[..., None] * bb[:, None, :, t]
        )
        ys.append((s * c[:, None, :, t]).sum(-1))
    return torch.stack(ys, -1) + dd[:, None] * u


@pytest.mark.parametrize("method", ["sequential", "chunked"])
@pytest.mark.parametrize("block", [None, 7])
def test_paths_match_reference_forward_and_grad(method, block, monkeypatch):
    if block is not None:  # force several time blocks in the sequential path
        monkeypatch.setattr(scan_mod, "_BLOCK_ELEMENTS", 2 * 6 * 5 * block)
    ref_in = [t.double().requires_grad_() for t in _inputs()]
    y_ref = _reference(*ref_in)
    g = torch.randn_like(y_ref)
    g_ref = torch.autograd.grad(y_ref, ref_in, g)
    ins = [t.detach().float().requires_grad_() for t in ref_in]
    y = selective_scan(*ins, method=method, chunk_size=6)
    assert y.dtype == torch.float32 and y.shape == (2, 6, 29)
    assert torch.allclose(y.double(), y_ref, atol=1e-5, rtol=1e-5)
    grads = torch.autograd.grad(y, ins, g.float())
    for mine, ref in zip(grads, g_ref, strict=True):
        assert torch.allclose(mine.double(), ref, atol=1e-4, rtol=1e-5)


def test_sequential_equals_chunked_long():
    ins = _inputs(b=3, d=8, n=16, length=200, seed=3)
    y1 = selective_scan(*ins, method="sequential")
    y2 = selective_scan(*ins, method="chunked", chunk_size=32)
    assert (y1 - y2).abs().max() <= 1e-5 * max(1.0, y1.abs().max().item())


def test_step_path_equals_whole_sequence():
    u, delta, a, bb, c, dd = _inputs()
    y = selective_scan(u, delta, a, bb, c, dd, method="sequential")
    state = torch.zeros(2, 6, 5)
    steps = [
        selective_scan_step(u[..., t], delta[..., t], a, bb[..., t], c[..., t], dd, state) for t in range(29)
    ]
    assert torch.allclose(torch.stack(steps, -1), y, atol=1e-5)


def test_zero_initial_state_and_causality():
    u, delta, a, bb, c, dd = _inputs(length=20)
    y = selective_scan(u, delta, a, bb, c, dd)
    u2 = u.clone()
    u2[..., 12:] += 5.0  # changing the future must not change the past
    y2 = selective_scan(u2, delta, a, bb, c, dd)
    assert torch.equal(y[..., :12], y2[..., :12])
    assert not torch.allclose(y[..., 12:], y2[..., 12:])
    # first output: s_1 = delta*u*B (zero initial state)
    s1 = (delta[..., 0] * u[..., 0])[..., None] * bb[:, None, :, 0]
    assert torch.allclose(y[..., 0], (s1 * c[:, None, :, 0]).sum(-1) + dd * u[..., 0], atol=1e-6)


def test_bad_shapes_raise_named_error():
    u, delta, a, bb, c, dd = _inputs()
    with pytest.raises(InputError, match="B must be"):
        selective_scan(u, delta, a, bb[:, :3], c, dd)
    with pytest.raises(InputError, match="unknown method"):
        selective_scan(u, delta, a, bb, c, dd, method="magic")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="needs mamba_ssm"):
        selective_scan(u, delta, a, bb, c, dd, method="cuda")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device (none on this machine)")
def test_gpu_paths_match_cpu_sequential():
    ins = _inputs(b=2, d=16, n=8, length=64, seed=5)
    want = selective_scan(*ins, method="sequential")
    cuda_ins = [t.cuda() for t in ins]
    assert (selective_scan(*cuda_ins, method="chunked").cpu() - want).abs().max() <= 1e-5
    if scan_mod._cuda_scan_fn() is not None:  # mamba_ssm's fused kernel, when installed
        assert (selective_scan(*cuda_ins, method="cuda").cpu() - want).abs().max() <= 1e-4
