"""The ``vatmart`` CLI: bad inputs are one-line named errors with exit code 2; ``object`` writes a folder."""

from __future__ import annotations

import json

import pytest

from vatmart.cli import main
from vatmart.objects.categories import create_object
from vatmart.objects.urdf import write_object_folder
from vatmart.perception.model import NetConfig, VatMartNet
from vatmart.perception.train import save_checkpoint


def _err(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err
    return err


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory):
    return save_checkpoint(VatMartNet(NetConfig(z_dim=8)), tmp_path_factory.mktemp("ck") / "model.pt")


def test_object_command_writes_a_partnet_folder(tmp_path, capsys):
    assert (
        main(["object", "--category", "microwave", "--seed", "3", "--out", str(tmp_path / "m"), "--meshes"])
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["parts"][0]["kind"] == "door" and (tmp_path / "m" / "mobility.urdf").is_file()


def test_urdf_without_articulated_joint(tmp_path, capsys, ckpt):
    (tmp_path / "mobility.urdf").write_text(
        '<robot name="crate"><link name="base"><visual><geometry><box size="1 1 1"/>'
        "</geometry></visual></link></robot>"
    )
    rc = main(
        ["show", "--object", str(tmp_path), "--checkpoint", str(ckpt), "--out", str(tmp_path / "x.png")]
    )
    assert rc == 2 and "no revolute, continuous or prismatic joint" in _err(capsys)


def test_task_out_of_range(tmp_path, capsys, ckpt):
    rc = main(
        [
            "show",
            "--checkpoint",
            str(ckpt),
            "--task",
            "pull-door",
            "--amount",
            "85",
            "--out",
            str(tmp_path / "x.png"),
        ]
    )
    assert rc == 2 and "outside 10.0 deg..70.0 deg" in _err(capsys)
    rc = main(
        [
            "show",
            "--checkpoint",
            str(ckpt),
            "--task",
            "pull-drawer",
            "--amount",
            "40",
            "--out",
            str(tmp_path / "x.png"),
        ]
    )
    assert rc == 2 and "outside 5.0 cm..25.0 cm" in _err(capsys)


def test_missing_checkpoint(tmp_path, capsys):
    rc = main(
        ["eval", "--checkpoint", str(tmp_path / "nope.pt"), "--out", str(tmp_path / "e"), "--episodes", "1"]
    )
    assert rc == 2 and "nope.pt: checkpoint not found" in _err(capsys)
    rc = main(["eval", "--out", str(tmp_path / "e"), "--methods", "vatmart", "--episodes", "1"])
    assert rc == 2 and "needs a checkpoint" in _err(capsys)
    rc = main(["train", "--data", str(tmp_path / "empty"), "--out", str(tmp_path / "t")])
    assert rc == 2 and "no interaction shards" in _err(capsys)


def test_cloud_without_movable_points(tmp_path, capsys, ckpt):
    """A moving part without visual geometry is never seen by the camera: no movable point to act on."""
    model = create_object("microwave", 1)
    write_object_folder(model, tmp_path / "m")
    urdf = tmp_path / "m" / "mobility.urdf"
    text = urdf.read_text()
    for link in ("part_0", "handle_0"):  # strip the door's and its handle's visual and collision geometry
        start = text.index(f'<link name="{link}">')
        end = text.index("</link>", start)
        block = text[start:end]
        kept = "\n".join(ln for ln in block.splitlines() if "<visual>" not in ln and "<collision>" not in ln)
        text = text[:start] + kept + text[end:]
    urdf.write_text(text)
    rc = main(
        [
            "show",
            "--object",
            str(tmp_path / "m"),
            "--checkpoint",
            str(ckpt),
            "--task",
            "pull-door",
            "--out",
            str(tmp_path / "x.png"),
        ]
    )
    assert rc == 2 and "no point on the movable part" in _err(capsys)


def test_unknown_names(tmp_path, capsys):
    assert main(["object", "--category", "sofa", "--out", str(tmp_path)]) == 2
    assert "known: cabinet, drawer-chest, fridge, microwave" in _err(capsys)
    assert main(["collect", "--out", str(tmp_path), "--tasks", "lift-lid", "--scenes", "1"]) == 2
    assert "unknown task" in _err(capsys)
