"""``micropulse score``: metrics from HR tables, joins, per-video aggregation, errors."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from micropulse.cli.app import main


def write(path, text):
    path.write_text(text)
    return path


def test_score_single_table(tmp_path, capsys):
    pred = write(tmp_path / "p.csv", "video,hr_pred,hr_gt\na,70,72\nb,82,80\nc,95,90\nd,60,60\n")
    assert main(["score", "--pred", str(pred), "--recipe", "rhythm", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["recipe"] == "rhythm" and doc["level"] == "video" and doc["n_videos"] == 4
    assert doc["metrics"]["MAE"]["value"] == pytest.approx(2.25)
    assert doc["metrics"]["RMSE"]["value"] == pytest.approx(math.sqrt(33 / 4))
    assert doc["rmse_se"] == "plain"


def test_score_join_windows_and_per_video(tmp_path, capsys):
    pred = write(tmp_path / "p.csv", "video,time_s,hr_pred\na,0,70\na,10,74\nb,0,90\nb,10,100\n")
    gt = write(tmp_path / "g.csv", "video,time_s,hr_gt\nb,10,100\nb,0,90\na,10,70\na,0,70\n")
    out = tmp_path / "m.json"
    plot = tmp_path / "ba.png"
    assert main(["score", "--pred", str(pred), "--gt", str(gt), "--json-file", str(out), "--plot", str(plot)]) == 0
    doc = json.loads(out.read_text())
    assert doc["level"] == "window" and doc["metrics"]["MAE"]["n"] == 4
    assert doc["metrics"]["MAE"]["value"] == pytest.approx(1.0) and plot.stat().st_size > 1000
    capsys.readouterr()
    assert main(["score", "--pred", str(pred), "--gt", str(gt), "--per-video", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    # per video: a -> pred 72 vs gt 70; b -> 95 vs 95
    assert doc["level"] == "video" and doc["metrics"]["MAE"]["n"] == 2
    assert doc["metrics"]["MAE"]["value"] == pytest.approx(1.0) and doc["aggregation"].startswith("mean")


def test_score_errors(tmp_path, capsys):
    pred = write(tmp_path / "p.csv", "video,hr_pred\na,70\nb,80\n")
    assert main(["score", "--pred", str(pred)]) == 2
    assert "missing column 'hr_gt'" in capsys.readouterr().err
    gt = write(tmp_path / "g.csv", "video,hr_gt\na,70\n")
    assert main(["score", "--pred", str(pred), "--gt", str(gt)]) == 2
    assert "no ground truth" in capsys.readouterr().err
    bad = write(tmp_path / "b.csv", "video,hr_pred,hr_gt\na,x,70\n")
    proc = subprocess.run(
        [sys.executable, "-m", "micropulse", "score", "--pred", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "non-numeric" in proc.stderr
