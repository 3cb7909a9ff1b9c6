"""`micropulse pulse DIR --out OUT --workers N`: the batch mode through the command line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from micropulse.cli.app import main
from micropulse.pipeline.pulse import analyse_video
from micropulse.synth import make_pulse_video


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> tuple[Path, dict[str, float]]:
    root = tmp_path_factory.mktemp("batch_cli")
    truth = {}
    for i, hr in enumerate((66.0, 84.0, 102.0)):
        v = make_pulse_video(root / f"work{i}", seconds=6, hr_bpm=hr, seed=i, size=(128, 96))
        target = root / "videos" / ("sub" if i == 2 else "") / f"clip{i}.mkv"
        target.parent.mkdir(parents=True, exist_ok=True)
        v.video_path.rename(target)
        truth[str(target.relative_to(root / "videos").with_suffix(""))] = hr
    (root / "videos" / "broken.mp4").write_bytes(b"this is not a video")
    return root / "videos", truth


def test_batch_cli_writes_summary_failures_and_resumes(folder, tmp_path, capsys):
    videos, truth = folder
    out = tmp_path / "out"
    assert main(["pulse", str(videos), "--out", str(out), "--workers", "2"]) == 0
    text = capsys.readouterr().out
    assert "4 videos: 3 done" in text and "1 failed" in text
    with open(out / "summary.csv") as f:
        rows = {r["video"]: r for r in csv.DictReader(f)}
    assert {"video", "hr_bpm", "status"} <= set(next(iter(rows.values())))
    for key in truth:
        row = next(r for v, r in rows.items() if v.startswith(key))
        doc = json.loads((out / f"{key}.json").read_text())
        assert row["status"] == "done" and float(row["hr_bpm"]) == pytest.approx(doc["hr_bpm"], abs=1e-3)
        assert doc["frontend"]["segment"] == "longest" and doc["batch"]["settings"]["method"] == "pos"
    # a video's batch result is the single-video result
    single = analyse_video(videos / "clip0.mkv")
    assert json.loads((out / "clip0.json").read_text())["hr_bpm"] == pytest.approx(single.hr_bpm, abs=1e-3)
    with open(out / "failures.csv") as f:
        fails = list(csv.DictReader(f))
    assert len(fails) == 1 and fails[0]["error_type"] == "VideoReadError" and "broken" in fails[0]["video"]
    # a rerun with the same settings recomputes nothing finished
    assert main(["pulse", str(videos), "--out", str(out)]) == 0
    assert "3 skipped" in capsys.readouterr().out


def test_batch_needs_an_output_folder(folder, capsys):
    videos, _ = folder
    assert main(["pulse", str(videos)]) == 2
    assert "--out" in capsys.readouterr().err
