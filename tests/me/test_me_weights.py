"""micropulse.me.create_model(name, weights): the built-in, micropulse and official checkpoints; refusal."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="torch is part of the [deep] extra")

from micropulse.errors import WeightsError  # noqa: E402
from micropulse.me import create_model  # noqa: E402
from micropulse.me.models import build_model, read_checkpoint  # noqa: E402
from micropulse.me.models.weights import BUILTIN_LABEL, OFFICIAL_DEFAULTS  # noqa: E402

SMALL = {"dim": 16, "depth": 1, "d_state": 4}
META = {"arch": "me-tst", "model_options": SMALL, "roi_set": "me-tst", "k": 30, "flow": "dis",
        "target_fps": 30.0, "decode": {"decoder": "peak", "k_p": 4}, "training_data": "synthetic (test)"}  # fmt: skip


def test_no_weights_is_refused_with_the_fix():
    with pytest.raises(WeightsError) as err:
        create_model("me-tst")
    text = str(err.value)
    assert "--weights" in text and "micropulse train" in text and "'builtin'" in text and "random_init" in text


def test_builtin_weights_load_strictly_and_say_synthetic():
    model = create_model("me-tst", weights="builtin")
    info = model.weights_info
    assert info.builtin and info.weights == BUILTIN_LABEL and info.kind == "micropulse"
    assert "synthetic" in info.training_data and info.options  # the shipped model is a small one
    _, again = read_checkpoint("builtin")
    assert again == info
    with pytest.raises(WeightsError, match="no built-in weights for model 'me-tst\\+'"):
        create_model("me-tst-plus", weights="builtin")


def test_micropulse_checkpoint_metadata_and_arch_checks(tmp_path):
    torch.manual_seed(0)
    net = build_model("me-tst", SMALL)
    path = tmp_path / "model.pt"
    torch.save({"state_dict": net.state_dict(), "metadata": META}, path)
    model = create_model("me-tst", weights=path)
    info = model.weights_info
    assert (info.k, info.flow, info.decode["k_p"], info.options) == (30, "dis", 4, SMALL)
    for key, value in net.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key
    with pytest.raises(WeightsError, match="checkpoint is for model 'me-tst', not 'me-tst\\+'"):
        create_model("me-tst+", weights=path)
    with pytest.raises(WeightsError, match="conflicts"):
        create_model("me-tst", weights=path, options={"dim": 32})


def test_official_state_dict_with_dataparallel_prefix_gets_published_defaults(tmp_path):
    torch.manual_seed(1)
    net = build_model("me-tst+")
    path = tmp_path / "official.pkl"
    torch.save({f"module.{k}": v for k, v in net.state_dict().items()}, path)
    model = create_model("me-tst-plus", weights=path)
    info = model.weights_info
    assert info.kind == "state_dict" and info.arch == "me-tst+" and info.roi_set == "me-tst+"
    assert (info.k, info.flow) == (OFFICIAL_DEFAULTS["k"], OFFICIAL_DEFAULTS["flow"])
    x = torch.randn(1, 36, 20)
    with torch.no_grad():
        assert torch.equal(model(x)[0], net.eval()(x)[0])


def test_mismatched_state_dict_lists_the_keys(tmp_path):
    sd = build_model("me-tst", SMALL).state_dict()
    sd.pop("fc_spot.0.weight")
    sd["extra.weight"] = torch.zeros(1)
    path = tmp_path / "bad.pth"
    torch.save(sd, path)
    with pytest.raises(WeightsError) as err:
        create_model("me-tst", weights=path, options=SMALL)
    assert "fc_spot.0.weight" in str(err.value) and "extra.weight" in str(err.value) and "bad.pth" in str(err.value)
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"nope")
    with pytest.raises(WeightsError, match="junk.pt"):
        create_model("me-tst", weights=junk)
