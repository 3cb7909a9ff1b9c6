"""Every registered deep model: shape, finiteness, determinism at a small size; parameter counts; errors."""

from __future__ import annotations

import pytest
import torch

from micropulse.errors import InputError, UnknownNameError
from micropulse.rppg.deep import create_model, get_spec, list_models

pytestmark = pytest.mark.usefixtures("one_thread")

#: Published parameter counts (issue 5; specs/rppg.md §1.7, §2.7, §8.2).
PARAMS = {"physnet": 768_577, "rhythmformer": 3_326_017, "rhythmmamba": 4_922_125}


def small_input(name: str, frames: int | None = None) -> torch.Tensor:
    """A small clip every model of the registry accepts, derived from its spec (frames, pixels)."""
    spec = get_spec(name)
    d = frames if frames is not None else max(spec.min_frames, 16)
    side = max(4 * spec.spatial_multiple, 32)
    return torch.randn(1, d, 3, side, side, generator=torch.Generator().manual_seed(0))


def test_registry_lists_the_three_models():
    assert {"physnet", "rhythmformer", "rhythmmamba"} <= set(list_models())


@pytest.mark.parametrize("name", list_models())
def test_forward_shape_finite_deterministic(name):
    model = create_model(name, random_init=True)
    spec = get_spec(name)
    x = small_input(name, frames=max(spec.min_frames, 24) + spec.frame_multiple + 1)  # not a multiple
    with torch.no_grad():
        y1 = model(x)
        y2 = model(x)
    d = x.shape[1]
    expected = spec.frame_multiple * (d // spec.frame_multiple)
    assert y1.shape == (1, expected)
    assert torch.isfinite(y1).all()
    assert torch.equal(y1, y2)
    assert y1.std() > 0  # not a constant output
    assert model.weights_info.arch == name and model.weights_info.source == "random init"


@pytest.mark.parametrize("name", list_models())
def test_parameter_count(name):
    if name not in PARAMS:
        pytest.fail(f"add the published parameter count of new model {name!r} to PARAMS")
    model = create_model(name, random_init=True)
    assert sum(p.numel() for p in model.parameters()) == PARAMS[name]
    assert model.weights_info.params == PARAMS[name]


def test_rhythmformer_length_rule_and_minimum():
    model = create_model("rhythmformer", random_init=True)
    with torch.no_grad():
        assert model(small_input("rhythmformer", frames=36)).shape == (1, 32)  # 8*floor(36/8)
    with pytest.raises(ValueError, match="regions"):
        with torch.no_grad():
            model(small_input("rhythmformer", frames=16))


def test_rhythmformer_routing_is_detached():
    """§1.5: no gradient flows through the top-k routing; gradients still reach q/k through attention."""
    model = create_model("rhythmformer", random_init=True).train()
    x = small_input("rhythmformer", frames=24).requires_grad_(True)
    model(x).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    assert model.stages[0].blocks[0].attn.proj_q[0].conv.weight.grad.abs().sum() > 0


def test_physnet_toolbox_layout_matches_micropulse_layout():
    model = create_model("physnet", random_init=True)
    x = small_input("physnet", frames=16)
    with torch.no_grad():
        assert torch.allclose(model(x), model.forward_ncdhw(x.permute(0, 2, 1, 3, 4)))


def test_unknown_model_lists_known_names():
    with pytest.raises(UnknownNameError, match="physnet"):
        create_model("no-such-model")


def test_unknown_option_is_rejected_with_the_accepted_ones():
    with pytest.raises(InputError, match="accepted"):
        create_model("rhythmformer", random_init=True, options={"top_k": 4})
