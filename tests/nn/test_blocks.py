"""Stem, DropPath and init helpers."""

from __future__ import annotations

import pytest
import torch

from micropulse.nn.layers import DropPath, lecun_normal_, trunc_normal_
from micropulse.nn.stem import rhythmformer_stem, rhythmmamba_stem, shifted_differences, window_differences

pytestmark = pytest.mark.usefixtures("one_thread")


def test_shifted_differences_edges_and_window():
    x = torch.arange(5, dtype=torch.float32).view(1, 5, 1, 1, 1).expand(1, 5, 3, 2, 2).contiguous()
    raw, diff = shifted_differences(x)
    assert raw.shape == (5, 3, 2, 2) and diff.shape == (5, 12, 2, 2)
    # frame 0: shifts (0,0,0,1,2) -> differences (0,0,1,1); frame 4: (2,3,4,4,4) -> (1,1,0,0)
    assert diff[0, ::3, 0, 0].tolist() == [0, 0, 1, 1]
    assert diff[4, ::3, 0, 0].tolist() == [1, 1, 0, 0]
    assert diff[2, ::3, 0, 0].tolist() == [1, 1, 1, 1]
    w_raw, w_diff = window_differences(x[:, 0:5])
    assert torch.equal(w_diff, diff[2:3]) and torch.equal(w_raw, raw[2:3])


def test_stem_shapes_and_keys():
    x = torch.randn(1, 4, 3, 64, 64)
    mamba_stem = rhythmmamba_stem(24).eval()
    assert mamba_stem(x).shape == (4, 24, 8, 8)
    former_stem = rhythmformer_stem().eval()
    assert former_stem(x).shape == (4, 64, 16, 16)
    keys = set(mamba_stem.state_dict())
    assert {
        "stem11.0.weight",
        "stem11.1.running_mean",
        "stem12.0.weight",
        "stem21.0.bias",
        "stem22.1.weight",
    } <= keys
    assert tuple(mamba_stem.stem12[0].weight.shape) == (12, 12, 7, 7)
    assert tuple(former_stem.stem11[0].weight.shape) == (64, 3, 5, 5)


def test_drop_path():
    dp = DropPath(0.5)
    x = torch.ones(2000, 3)
    dp.eval()
    assert torch.equal(dp(x), x)
    dp.train()
    torch.manual_seed(0)
    y = dp(x)
    kept = (y[:, 0] != 0).float().mean().item()
    assert 0.45 < kept < 0.55 and torch.all((y == 0) | (y == 2.0))


def test_inits():
    torch.manual_seed(0)
    w = torch.empty(256, 512)
    assert abs(trunc_normal_(w).std().item() - 0.02) < 0.001
    c = torch.empty(64, 32, 3, 3)
    assert abs(lecun_normal_(c).std().item() - (1 / (32 * 9)) ** 0.5) < 0.005
