"""``micropulse megc-score``: CSV parsing, JSON layout, named errors, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from micropulse.cli.app import main
from micropulse.errors import FileFormatError
from micropulse.me.score import read_intervals_csv


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.fixture()
def files(tmp_path: Path) -> tuple[Path, Path]:
    gt = _write(
        tmp_path / "gt.csv",
        "video,onset,apex,offset,type,emotion\n"
        "s1_a,15,20,35,micro-expression,happiness\n"
        "s1_a,100,110,180,macro,\n"
        "s2_b,40,45,50,me,disgust\n",
    )
    pred = _write(
        tmp_path / "pred.csv",
        "video,onset,offset,type,emotion\ns1_a,10,30,me,positive\ns1_a,90,170,mae,\ns2_b,60,70,me,negative\n",
    )
    return gt, pred


def test_cli_writes_json(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gt, pred = files
    out = tmp_path / "out" / "score.json"
    rc = main(["megc-score", "--gt", str(gt), "--pred", str(pred), "--json", "--json-file", str(out)])
    assert rc == 0
    d = json.loads(out.read_text())
    assert json.loads(capsys.readouterr().out) == d
    assert d["spotting"]["by_type"]["me"] == {
        "tp": 1,
        "fp": 1,
        "fn": 1,
        "precision": 0.5,
        "recall": 0.5,
        "f1": 0.5,
    }
    assert d["spotting"]["by_type"]["mae"]["tp"] == 1  # [90,170] vs [100,180]: IoU 71/91
    assert d["spotting"]["tp"] == 2 and d["spotting"]["fp"] == 1 and d["spotting"]["fn"] == 1
    assert d["recognition"] == {"f1": 1.0, "uf1": 1.0, "uar": 1.0, "n": 1}
    assert d["strs"] == pytest.approx(0.5)


def test_cli_iou_option(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    gt, pred = files
    assert main(["megc-score", "--gt", str(gt), "--pred", str(pred), "--iou", "0.7", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["spotting"]["by_type"]["me"]["tp"] == 0  # 16/26 < 0.7
    assert d["spotting"]["by_type"]["mae"]["tp"] == 1  # 71/91 >= 0.7


def test_cli_classes_option(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    gt, pred = files
    assert main(["megc-score", "--gt", str(gt), "--pred", str(pred), "--classes", "negative,positive", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["recognition"]["n"] == 1
    assert main(["megc-score", "--gt", str(gt), "--pred", str(pred), "--classes", "joy"]) == 2
    assert "joy" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("video,onset\na,1\n", "missing column"),
        ("video,onset,offset\na,9,3\n", "onset 9 > offset 3"),
        ("video,onset,offset,emotion\na,1,3,joy\n", "unknown emotion label 'joy'"),
        ("video,onset,offset\na,x,3\n", "integer frames"),
        ("video,onset,offset,type\na,1,3,blink\n", "unknown expression type"),
        ("", "cannot parse"),
    ],
)
def test_bad_csv_named_error(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path / "bad.csv", text)
    with pytest.raises(FileFormatError, match=message) as info:
        read_intervals_csv(path)
    assert "bad.csv" in str(info.value)


def test_cli_error_no_traceback(files: tuple[Path, Path], tmp_path: Path) -> None:
    gt, _ = files
    bad = _write(tmp_path / "pred.csv", "video,onset,offset,emotion\na,1,3,joy\n")
    proc = subprocess.run(
        [sys.executable, "-m", "micropulse", "megc-score", "--gt", str(gt), "--pred", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "joy" in proc.stderr and "pred.csv" in proc.stderr
