"""Our Mamba layer vs mambapy's MambaBlock (the oracle) with the same weights."""

from __future__ import annotations

import math

import pytest
import torch
from mambapy.mamba import MambaBlock, MambaConfig

from micropulse.errors import InputError
from micropulse.nn.mamba import Mamba

pytestmark = pytest.mark.usefixtures("one_thread")


# mamba_ssm.modules.mamba_simple.Mamba layout for d_model=96, d_state=48 (specs/rppg.md §2.3)
OFFICIAL_96_48 = {
    "A_log": (192, 48),
    "D": (192,),
    "in_proj.weight": (384, 96),
    "conv1d.weight": (192, 1, 4),
    "conv1d.bias": (192,),
    "x_proj.weight": (6 + 48 + 48, 192),
    "dt_proj.weight": (192, 6),
    "dt_proj.bias": (192,),
    "out_proj.weight": (96, 192),
}


def _pair(d_model=16, d_state=8, seed=0, method="sequential"):
    torch.manual_seed(seed)
    ours = Mamba(d_model, d_state=d_state, scan_method=method, chunk_size=8)
    with torch.no_grad():  # make every parameter matter (A_log and D are constant at init)
        ours.A_log.add_(0.3 * torch.randn_like(ours.A_log))
        ours.D.add_(0.5 * torch.randn_like(ours.D))
        ours.conv1d.bias.normal_()
    oracle = MambaBlock(MambaConfig(d_model=d_model, n_layers=1, d_state=d_state, pscan=True))
    oracle.load_state_dict(ours.state_dict(), strict=True)
    return ours, oracle


def test_state_dict_matches_mamba_ssm_layout():
    m = Mamba(96, d_state=48)
    assert {k: tuple(v.shape) for k, v in m.state_dict().items()} == OFFICIAL_96_48
    assert sum(p.numel() for p in m.parameters()) == 86_592


@pytest.mark.parametrize("d_model", [64, 128])
def test_parameter_count_formula_me_d_state_64(d_model):
    # micro-expressions.md §3.1: P(D) = 6D^2 + 14D + 4D*R + 6D*N, R = ceil(D/16), N = 64
    m = Mamba(d_model, d_state=64)
    r = math.ceil(d_model / 16)
    assert (
        sum(p.numel() for p in m.parameters())
        == 6 * d_model**2 + 14 * d_model + 4 * d_model * r + 6 * d_model * 64
    )


def test_default_dt_init_in_range():
    m = Mamba(32, d_state=4)
    dt = torch.nn.functional.softplus(m.dt_proj.bias)
    assert dt.min() >= 1e-4 * 0.999 and dt.max() <= 0.1 * 1.001
    assert torch.equal(m.A_log[0].exp(), torch.arange(1, 5, dtype=torch.float32))


@pytest.mark.parametrize("method", ["sequential", "chunked"])
def test_forward_and_grads_match_mambapy(method):
    ours, oracle = _pair(method=method)
    x = torch.randn(3, 37, 16, requires_grad=True)
    x2 = x.detach().clone().requires_grad_()
    y = ours(x)
    y_ref = oracle(x2)
    assert (y - y_ref).abs().max() <= 1e-5
    g = torch.randn_like(y)
    (y * g).sum().backward()
    (y_ref * g).sum().backward()
    assert (x.grad - x2.grad).abs().max() <= 1e-4
    ref_params = dict(oracle.named_parameters())
    for name, p in ours.named_parameters():
        assert (p.grad - ref_params[name].grad).abs().max() <= 1e-4, name


def test_paths_agree_at_layer_level():
    ours, _ = _pair(method="sequential")
    x = torch.randn(2, 50, 16)
    with torch.no_grad():
        y_seq = ours(x)
        ours.scan_method = "chunked"
        y_chk = ours(x)
    assert (y_seq - y_chk).abs().max() <= 1e-5


def test_step_by_step_equals_whole_sequence_and_mambapy_step():
    ours, oracle = _pair()
    x = torch.randn(2, 23, 16)
    with torch.no_grad():
        y = ours(x)
        state = ours.allocate_state(2)
        steps = torch.stack([ours.step(x[:, t], state) for t in range(23)], dim=1)
        cache = (None, torch.zeros(2, ours.d_inner, ours.d_conv - 1))
        ref_steps = []
        for t in range(23):
            out, cache = oracle.step(x[:, t], cache)
            ref_steps.append(out)
    assert (steps - y).abs().max() <= 1e-5
    assert (torch.stack(ref_steps, 1) - steps).abs().max() <= 1e-5
    assert state.ssm.shape == (2, 32, 8) and state.conv.shape == (2, 32, 4)


def test_bad_input_shape():
    with pytest.raises(InputError, match=r"expected \(B, L, 16\)"):
        Mamba(16, d_state=4)(torch.randn(2, 5, 15))


def test_callable_scan_method_hook():
    calls = []

    def my_scan(u, delta, a, b, c, d):
        calls.append(tuple(u.shape))
        from micropulse.nn.scan import selective_scan

        return selective_scan(u, delta, a, b, c, d, method="chunked")

    ours, _ = _pair()
    x = torch.randn(2, 9, 16)
    with torch.no_grad():
        y = ours(x)
        ours.scan_method = my_scan
        y2 = ours(x)
    assert calls == [(2, 32, 9)] and (y - y2).abs().max() <= 1e-5
