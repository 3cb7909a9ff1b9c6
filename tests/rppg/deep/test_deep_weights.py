"""Checkpoint import: the toolbox PhysNet files load strictly, metadata travels, bad files give WeightsError."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from micropulse.cli.app import main
from micropulse.errors import WeightsError
from micropulse.rppg.deep import create_model, import_weights, read_checkpoint
from micropulse.rppg.deep.weights import FORMAT

pytestmark = pytest.mark.usefixtures("one_thread")

PHYSNET_FILES = {
    "PURE_PhysNet_DiffNormalized.pth": "PURE",
    "UBFC-rPPG_PhysNet_DiffNormalized.pth": "UBFC-rPPG",
}


@pytest.mark.parametrize("fname", sorted(PHYSNET_FILES))
def test_toolbox_physnet_loads_strictly_and_runs(weights_dir, fname):
    path = weights_dir / fname
    raw = torch.load(path, map_location="cpu", weights_only=True)
    assert len(raw) == 79 and not any(k.startswith("module.") for k in raw)
    model = create_model("physnet", weights=path)
    for key, value in model.state_dict().items():  # every tensor came from the file
        assert torch.equal(value, raw[key]), key
    info = model.weights_info
    assert (info.training_set, info.input_size, info.chunk_length, info.fs) == (
        PHYSNET_FILES[fname],
        72,
        128,
        30.0,
    )
    assert info.normalisation == "DiffNormalized" and info.label_type == "DiffNormalized"
    assert info.params == 768_577 and len(info.sha256) == 64 and info.published_metric
    x = torch.randn(1, 3, 128, 72, 72, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        y = model.forward_ncdhw(x)
        assert y.shape == (1, 128) and torch.isfinite(y).all()
        assert torch.allclose(model(x.permute(0, 2, 1, 3, 4)), y)


def test_module_prefix_is_stripped(tmp_path, weights_dir):
    raw = torch.load(weights_dir / "PURE_PhysNet_DiffNormalized.pth", map_location="cpu", weights_only=True)
    wrapped = tmp_path / "dp.pth"
    torch.save({"state_dict": {f"module.{k}": v for k, v in raw.items()}}, wrapped)
    model = create_model("physnet", weights=wrapped)
    assert torch.equal(model.ConvBlock1[0].weight, raw["ConvBlock1.0.weight"])
    assert model.weights_info.source == "dp.pth"  # unknown file: architecture defaults, its own sha256


def test_mismatched_weights_list_the_offending_keys(tmp_path, weights_dir):
    raw = torch.load(weights_dir / "PURE_PhysNet_DiffNormalized.pth", map_location="cpu", weights_only=True)
    broken = dict(raw)
    del broken["ConvBlock3.0.bias"]
    broken["extra.weight"] = torch.zeros(2)
    broken["ConvBlock10.weight"] = torch.zeros(1, 32, 1, 1, 1)
    path = tmp_path / "broken.pth"
    torch.save(broken, path)
    with pytest.raises(WeightsError) as err:
        create_model("physnet", weights=path)
    text = str(err.value)
    assert "broken.pth" in text and "ConvBlock3.0.bias" in text and "extra.weight" in text
    assert "ConvBlock10.weight: file (1, 32, 1, 1, 1) vs model (1, 64, 1, 1, 1)" in text


def test_wrong_architecture_and_bad_files(tmp_path, weights_dir):
    with pytest.raises(WeightsError, match="holds 'physnet' weights, not 'rhythmformer'"):
        create_model("rhythmformer", weights=weights_dir / "PURE_PhysNet_DiffNormalized.pth")
    with pytest.raises(WeightsError, match="not found"):
        create_model("physnet", weights=tmp_path / "missing.pth")
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(WeightsError, match="junk.pth"):
        create_model("physnet", weights=junk)
    with pytest.raises(WeightsError, match="HDF5"):
        (tmp_path / "junk.h5").write_bytes(b"nope")
        create_model("physnet", weights=tmp_path / "junk.h5")


def test_import_round_trip_keeps_metadata(tmp_path, weights_dir):
    out = tmp_path / "physnet_pure.pt"
    info = import_weights(
        weights_dir / "PURE_PhysNet_DiffNormalized.pth", "physnet", out, published_metric="x"
    )
    saved = torch.load(out, map_location="cpu", weights_only=True)
    assert saved["format"] == FORMAT and saved["info"]["published_metric"] == "x"
    state, info2 = read_checkpoint(out, "physnet")
    assert info2 == info and info2.training_set == "PURE" and len(state) == 79
    model = create_model("physnet", weights=out)
    reference = create_model("physnet", weights=weights_dir / "PURE_PhysNet_DiffNormalized.pth")
    x = torch.randn(1, 16, 3, 32, 32)
    with torch.no_grad():
        assert torch.equal(model(x), reference(x))


def test_cli_import_in_process(tmp_path, weights_dir, capsys):
    out = tmp_path / "w.pt"
    rc = main(
        [
            "weights",
            "import",
            str(weights_dir / "UBFC-rPPG_PhysNet_DiffNormalized.pth"),
            "--arch",
            "physnet",
            "--out",
            str(out),
            "--training-set",
            "UBFC-rPPG (toolbox)",
        ]
    )
    assert rc == 0 and out.is_file()
    assert '"training_set": "UBFC-rPPG (toolbox)"' in capsys.readouterr().out
    assert main(["weights", "info", str(out), "--arch", "physnet"]) == 0
    assert '"sha256"' in capsys.readouterr().out
    rc = main(
        [
            "weights",
            "import",
            str(weights_dir / "UBFC-rPPG_PhysNet_DiffNormalized.pth"),
            "--arch",
            "rhythmformer",
            "--out",
            str(tmp_path / "x.pt"),
        ]
    )
    assert rc == 2 and "not 'rhythmformer'" in capsys.readouterr().err


def test_cli_subprocess_reports_errors_without_traceback(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "micropulse",
            "weights",
            "import",
            str(tmp_path / "none.pth"),
            "--arch",
            "physnet",
            "--out",
            str(tmp_path / "o.pt"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "weights file not found" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("name", ["physnet", "rhythmformer", "rhythmmamba"])
def test_dataparallel_checkpoint_of_every_model_loads(tmp_path, name):
    """Official trainers save DataParallel state dicts (``module.`` prefix, §1.7/§9.23): they load strictly."""
    torch.manual_seed(0)
    source = create_model(name, random_init=True)
    path = tmp_path / f"{name}.pth"
    torch.save({f"module.{k}": v for k, v in source.state_dict().items()}, path)
    loaded = create_model(name, weights=path)
    for key, value in source.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    assert loaded.weights_info.source == f"{name}.pth" and loaded.weights_info.sha256


def test_trainer_checkpoint_carries_its_model_options(tmp_path):
    """``micropulse train`` saves {"state_dict", "metadata"}; the options rebuild the small model."""
    options = {"depth": 2, "embed_dim": 32, "d_state": 8, "drop_path_rate": 0.0}
    small = create_model("rhythmmamba", random_init=True, options=options)
    meta = {
        "arch": "rhythmmamba",
        "model_options": options,
        "normalisation": "Standardized",
        "fs": 30.0,
        "chunk_length": 160,
        "input_size": 32,
        "data": {"source": "synthetic"},
        "test_metrics": {"hr_mae_bpm": 1.5},
    }
    path = tmp_path / "model.pt"
    torch.save({"state_dict": small.state_dict(), "metadata": meta}, path)
    loaded = create_model("rhythmmamba", weights=path)
    info = loaded.weights_info
    assert info.option_dict == options and info.input_size == 32 and "hr_mae_bpm" in info.published_metric
    x = torch.randn(1, 16, 3, 32, 32)
    with torch.no_grad():
        assert torch.equal(loaded(x), small.eval()(x))
    with pytest.raises(WeightsError, match="trained for 'rhythmmamba'"):
        create_model("physnet", weights=path)
