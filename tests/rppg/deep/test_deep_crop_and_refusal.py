"""Weights carry their crop geometry (set by each importer), and no model runs without trained weights."""

from __future__ import annotations

import subprocess
import sys

import pytest

torch = pytest.importorskip("torch", reason="torch is part of the [deep] extra")

from micropulse.cli.app import main  # noqa: E402
from micropulse.errors import WeightsError  # noqa: E402
from micropulse.face.geometry import MICROPULSE, OPENRPPG, TOOLBOX, get_convention  # noqa: E402
from micropulse.rppg.deep import WeightsInfo, create_model, import_weights, list_models, read_checkpoint  # noqa: E402
from micropulse.rppg.deep.weights import FORMAT  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_thread")

SMALL_RM = {"depth": 1, "embed_dim": 16, "d_state": 4, "drop_path_rate": 0.0}


@pytest.mark.parametrize("name", list_models())
def test_a_model_without_weights_is_refused_with_the_fix(name):
    with pytest.raises(WeightsError) as err:
        create_model(name)
    text = str(err.value)
    assert "--weights" in text and "micropulse weights import" in text and "open-rppg" in text
    assert "final_model_release" in text and "random_init=True" in text
    with pytest.raises(WeightsError, match="either weights or random_init"):
        create_model(name, weights="x.pt", random_init=True)


def test_random_init_only_when_asked_and_it_says_so():
    model = create_model("physnet", random_init=True)
    assert model.weights_info.source == "random init" and model.weights_info.crop == MICROPULSE


def test_toolbox_checkpoints_get_toolbox_geometry(weights_dir):
    model = create_model("physnet", weights=weights_dir / "PURE_PhysNet_DiffNormalized.pth")
    crop = model.weights_info.crop
    assert crop == TOOLBOX
    assert (crop.detector, crop.scale, crop.square, crop.detect_every) == ("haar", 1.5, False, 0)


def test_unknown_official_pth_is_read_as_a_toolbox_pipeline_checkpoint(tmp_path):
    """Official RhythmFormer/RhythmMamba checkpoints come from the toolbox pipeline (128x128, Haar x1.5)."""
    torch.manual_seed(0)
    source = create_model("rhythmformer", random_init=True)
    path = tmp_path / "PURE_RhythmFormer.pth"
    torch.save({f"module.{k}": v for k, v in source.state_dict().items()}, path)
    _, info = read_checkpoint(path, "rhythmformer")
    assert info.crop == TOOLBOX and info.input_size == 128 and info.source == path.name


def test_openrppg_h5_gets_openrppg_geometry(openrppg_weights_dir):
    for arch, fname in (("rhythmmamba", "RhythmMamba.pure.weights.h5"), ("physnet", "physnet.rlap.weights.h5")):
        _, info = read_checkpoint(openrppg_weights_dir / fname, arch)
        assert info.crop == OPENRPPG and info.variant == "openrppg"
        assert info.crop.x_extent == (-0.45, 0.45) and info.crop.y_extent == (-0.6, 0.5)


def _train_checkpoint(tmp_path, crop=None):
    small = create_model("rhythmmamba", random_init=True, options=SMALL_RM)
    meta = {"arch": "rhythmmamba", "model_options": SMALL_RM, "normalisation": "Standardized", "fs": 30.0,
            "chunk_length": 160, "input_size": 32, "data": {"source": "synthetic"}}  # fmt: skip
    if crop is not None:
        meta["crop"] = crop
    path = tmp_path / "model.pt"
    torch.save({"state_dict": small.state_dict(), "metadata": meta}, path)
    return path


def test_train_checkpoints_carry_the_geometry_their_config_names(tmp_path):
    assert read_checkpoint(_train_checkpoint(tmp_path), "rhythmmamba")[1].crop == MICROPULSE  # older files
    path = _train_checkpoint(tmp_path, TOOLBOX.to_dict())
    assert read_checkpoint(path, "rhythmmamba")[1].crop == TOOLBOX
    path = _train_checkpoint(tmp_path, {"convention": "x"})
    with pytest.raises(WeightsError, match="crop geometry"):
        read_checkpoint(path, "rhythmmamba")


def test_crop_survives_import_and_old_pt_files_get_a_default_per_source(tmp_path, weights_dir):
    out = tmp_path / "pn.pt"
    info = import_weights(weights_dir / "PURE_PhysNet_DiffNormalized.pth", "physnet", out)
    assert info.crop == TOOLBOX and read_checkpoint(out, "physnet")[1] == info
    override = import_weights(
        weights_dir / "PURE_PhysNet_DiffNormalized.pth", "physnet", tmp_path / "o.pt", crop=get_convention("openrppg")
    )
    assert override.crop == OPENRPPG
    # A micropulse .pt written before `crop` existed: the default follows the importer that wrote it.
    raw = torch.load(out, map_location="cpu", weights_only=True)
    for source, variant, expected in (
        ("rPPG-Toolbox final_model_release/PURE_PhysNet_DiffNormalized.pth", None, TOOLBOX),
        ("PURE_RhythmMamba.pth", None, TOOLBOX),
        ("open-rppg 0.1.1 wheel (PyPI), rppg/weights/physnet.pure.weights.h5", "openrppg", OPENRPPG),
        ("micropulse train: model.pt", None, MICROPULSE),
    ):
        old = {k: v for k, v in raw["info"].items() if k != "crop"} | {"source": source, "variant": variant}
        assert WeightsInfo.from_dict(old).crop == expected
    legacy = tmp_path / "legacy.pt"
    torch.save({"format": FORMAT, "info": {k: v for k, v in raw["info"].items() if k != "crop"},
                "state_dict": raw["state_dict"]}, legacy)  # fmt: skip
    assert create_model("physnet", weights=legacy).weights_info.crop == TOOLBOX


def test_weights_info_round_trips_with_crop():
    info = WeightsInfo(arch="physnet", source="s", training_set=None, input_size=72, fs=30.0,
                       normalisation="DiffNormalized", chunk_length=128, crop=OPENRPPG)  # fmt: skip
    d = info.to_dict()
    assert d["crop"]["convention"] == "openrppg" and WeightsInfo.from_dict(d) == info
    with pytest.raises(WeightsError, match="crop"):
        WeightsInfo.from_dict(d | {"crop": {**d["crop"], "smoothing": "bogus"}})


def test_weights_info_cli_shows_the_crop(weights_dir, capsys):
    assert main(["weights", "info", str(weights_dir / "PURE_PhysNet_DiffNormalized.pth"), "--arch", "physnet"]) == 0
    out = capsys.readouterr().out
    assert '"crop"' in out and '"convention": "toolbox"' in out and '"scale": 1.5' in out


def test_registry_names_need_no_torch():
    code = (
        "import sys; from micropulse.rppg.deep import list_models, list_weights; "
        "from micropulse.me import list_models as me_models; "
        "print(list_models(), me_models(), len(list_weights()), 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("False") and "rhythmmamba" in out and "me-tst+" in out
