"""Issue 11 item 7: every sub-command given an output it cannot write fails at once -- a one-line error
naming the flag and the path, exit code 2, no traceback, nothing analysed or written first."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from micropulse.cli.app import main


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    signal = tmp_path / "s.npy"
    np.save(signal, np.sin(np.arange(3000) / 100 * 2 * np.pi * 1.2))
    (tmp_path / "face.png").write_bytes(b"\x89PNG not really")  # a FILE where a folder is expected
    gt = tmp_path / "g.csv"
    gt.write_text("video,onset,offset\nv,1,9\n")
    hr = tmp_path / "hr.csv"
    hr.write_text("video,hr_pred,hr_gt\na,70,72\nb,80,81\n")
    cfg = tmp_path / "train.yaml"
    cfg.write_text("task: rppg\ntrain: {epochs: 1}\n")
    return {"signal": signal, "blocker": tmp_path / "face.png", "gt": gt, "hr": hr, "cfg": cfg}


def _cases(f: dict[str, Path], video_dir: Path) -> list[tuple[list[str], str]]:
    b = f["blocker"]
    clip = str(video_dir / "single_face.mp4")
    return [
        (["hr", str(f["signal"]), "--fs", "100", "--json-file", "/proc/x.json"], "--json-file"),
        (["hr", str(f["signal"]), "--fs", "100", "--plot", str(b / "x.png")], "--plot"),
        (["megc-score", "--gt", str(f["gt"]), "--pred", str(f["gt"]), "--json-file", str(b / "x.json")],
         "--json-file"),
        (["score", "--pred", str(f["hr"]), "--json-file", str(b / "x.json")], "--json-file"),
        (["score", "--pred", str(f["hr"]), "--plot", "/proc/ba.png"], "--plot"),
        (["spot", clip, "--out", str(b / "sub")], "--out"),
        (["pulse", clip, "--out", str(b / "sub")], "--out"),
        (["evaluate", "--dataset", "ubfc-rppg", "--root", str(b.parent), "--out", str(b / "sub")], "--out"),
        (["train", str(f["cfg"]), "--out", str(b / "sub")], "--out"),
        (["synth", str(b / "sub"), "--seconds", "2"], "OUT_DIR"),
        (["weights", "import", str(f["signal"]), "--arch", "physnet", "--out", str(b / "w.pt")], "--out"),
    ]  # fmt: skip


def test_every_subcommand_refuses_an_unwritable_output_before_working(files, video_dir, capsys):
    for args, flag in _cases(files, video_dir):
        assert main(args) == 2, args
        captured = capsys.readouterr()
        err = captured.err.strip()
        assert err.startswith(f"error: {flag}") and "\n" not in err, (args, err)
        assert "cannot" in err and "Traceback" not in err, (args, err)
    assert sorted(p.name for p in files["blocker"].parent.iterdir()) == ["face.png", "g.csv", "hr.csv", "s.npy",
                                                                       "train.yaml"]  # fmt: skip
