"""ME-TST / ME-TST+ networks: parameter counts, official key names, shapes, the shared-backbone quirk."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="torch is part of the [deep] extra")

from micropulse.errors import InputError, UnknownNameError  # noqa: E402
from micropulse.me import create_model, list_models  # noqa: E402


def create_me_model(name: str):
    return create_model(name, random_init=True)


def n_params(model) -> int:
    return sum(p.numel() for p in model.parameters())


def test_registry_lists_both_models_and_accepts_the_plus_alias():
    assert list_models() == ["me-tst", "me-tst+"]
    with pytest.raises(UnknownNameError, match="me-tst"):
        create_me_model("nope")
    for name in ("me-tst+", "ME-TST+", "me-tst-plus"):
        m = create_me_model(name)
        assert type(m).__name__ == "METSTSlowFast" and m.weights_info.arch == "me-tst+"


def test_metst_parameter_counts_match_official():
    m = create_me_model("me-tst")
    assert n_params(m) == 1_249_926
    unused = sum(p.numel() for n, p in m.named_parameters() if n.startswith("blocks_recog") or ".norm2." in n)
    assert n_params(m) - unused == 630_918
    assert sum(p.numel() for p in m.Stem.parameters()) == 14_592
    assert sum(p.numel() for p in m.blocks_spot[0].parameters()) == 51_456


def test_metst_official_key_names():
    sd = create_me_model("me-tst").state_dict()
    for key, shape in {
        "Stem.0.weight": (64, 10, 3),
        "Stem.4.running_mean": (64,),
        "blocks_spot.0.attn.mamba.in_proj.weight": (256, 64),
        "blocks_spot.11.attn.mamba.A_log": (128, 64),
        "blocks_spot.3.attn.mamba.x_proj.weight": (4 + 128, 128),
        "blocks_recog.0.norm2.weight": (64,),
        "fc_spot.0.weight": (1, 64),
        "fc_recog.0.weight": (5, 64),
    }.items():
        assert tuple(sd[key].shape) == shape, key


def test_metst_plus_parameter_count_and_keys():
    m = create_me_model("me-tst+")
    assert n_params(m) == 8_368_902
    sd = m.state_dict()
    assert tuple(sd["Stem_slow.0.weight"].shape) == (256, 128, 3)
    assert tuple(sd["fuse_2.conv.0.weight"].shape) == (256, 128, 3)
    assert tuple(sd["block3.3.attn.mamba.A_log"].shape) == (512, 64)
    assert tuple(sd["fc_recog.0.weight"].shape) == (5, 384)


@pytest.mark.parametrize("name,channels", [("me-tst", 10), ("me-tst+", 36)])
def test_forward_shapes_finite_deterministic(name, channels):
    torch.manual_seed(0)
    m = create_me_model(name).eval()
    x = torch.randn(2, 1, channels, 30)
    with torch.no_grad():
        s1, r1 = m(x)
        s2, r2 = m(x.squeeze(1))
    assert s1.shape == (2, 30) and r1.shape == (2, 30, 5)
    assert torch.isfinite(s1).all() and torch.isfinite(r1).all()
    assert ((s1 >= 0) & (s1 <= 1)).all()
    assert torch.equal(s1, s2) and torch.equal(r1, r2)


def test_metst_recognition_uses_spot_blocks_only():
    torch.manual_seed(0)
    m = create_me_model("me-tst").eval()
    x = torch.randn(1, 10, 20)
    with torch.no_grad():
        _, before = m(x)
        for p in m.blocks_recog.parameters():
            p.add_(1.0)
        _, after = m(x)
    assert torch.equal(before, after)  # trap 2: blocks_recog never runs


def test_metst_plus_rejects_odd_window():
    m = create_me_model("me-tst+").eval()
    with pytest.raises(InputError, match="even"):
        m(torch.randn(1, 36, 25))


def test_official_init_zeroes_dt_bias():
    m = create_me_model("me-tst")
    mamba = m.blocks_spot[0].attn.mamba
    assert torch.count_nonzero(mamba.dt_proj.bias) == 0
    assert mamba.out_proj.weight.std().item() < 0.05
