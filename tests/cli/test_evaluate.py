"""``micropulse evaluate`` end to end on a synthetic UBFC-rPPG tree: accuracy, resume after SIGKILL,
the Ray engine, and errors without tracebacks. (All numbers here are on synthetic videos.)"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from micropulse.cli.app import main
from micropulse.synth.rppg_trees import make_ubfc_tree

N_VIDEOS = 10


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> tuple[Path, dict[str, float]]:
    root = tmp_path_factory.mktemp("ubfc_synth")
    truth = make_ubfc_tree(
        root, n_videos=N_VIDEOS, seconds=10, size=(128, 128), hr_range_bpm=(62, 105), motion=True, seed=3
    )
    return root, truth


@pytest.fixture(scope="module")
def full_run(tree, tmp_path_factory) -> Path:
    root, _ = tree
    out = tmp_path_factory.mktemp("eval_full")
    rc = main(
        [
            "evaluate",
            "--dataset",
            "ubfc-rppg",
            "--root",
            str(root),
            "--method",
            "pos",
            "--out",
            str(out),
            "--no-progress",
        ]
    )
    assert rc == 0
    return out


def _args(root: Path, out: Path) -> list[str]:
    return [
        "evaluate",
        "--dataset",
        "ubfc-rppg",
        "--root",
        str(root),
        "--method",
        "pos",
        "--out",
        str(out),
        "--no-progress",
        "--json",
    ]


def test_pos_on_synthetic_tree_mae_below_2(full_run, tree):
    _, truth = tree
    metrics = json.loads((full_run / "metrics.json").read_text())
    assert metrics["recipe"] == "toolbox-2023" and metrics["config"]["method"] == "pos"
    assert metrics["metrics"]["MAE"]["value"] <= 2.0
    assert {"MAE", "RMSE", "MAPE", "Pearson", "SNR", "MACC"} <= set(metrics["metrics"])
    assert all("se" in m for m in metrics["metrics"].values())
    lines = (full_run / "per_video.csv").read_text().splitlines()
    assert lines[0].startswith("video,subject,start_s") and len(lines) == N_VIDEOS + 1
    assert all(line.endswith(",toolbox-2023,pos") for line in lines[1:])
    pred = {r.split(",")[0]: float(r.split(",")[4]) for r in lines[1:]}
    # against the HR synth put in: within one periodogram bin (30/512*60 = 3.5 bpm at 10 s)
    assert np.mean([abs(pred[k] - truth[k]) for k in truth]) <= 3.5
    assert (full_run / "report.png").stat().st_size > 1000
    assert len(list((full_run / "videos").glob("*.json"))) == N_VIDEOS


def test_rerun_skips_everything(full_run, tree, capsys):
    root, _ = tree
    before = {p.name: p.stat().st_mtime_ns for p in (full_run / "videos").glob("*.json")}
    assert main(_args(root, full_run)) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["computed"] == 0 and out["skipped"] == N_VIDEOS
    assert before == {p.name: p.stat().st_mtime_ns for p in (full_run / "videos").glob("*.json")}


def test_protocol_selects_the_forks_ubfc_test_set(full_run, tree, tmp_path, capsys):
    root, _ = tree
    out = tmp_path / "copy"
    shutil.copytree(full_run, out)
    assert main([*_args(root, out), "--protocol", "rhythm-ubfc-intra"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["computed"] == 0 and summary["skipped"] == 3  # reused from the full run
    # lexicographic order subject1, subject10, subject2, ...: the last 28% are subject7..9
    rows = (out / "per_video.csv").read_text().splitlines()[1:]
    assert [r.split(",")[0] for r in rows] == ["subject7", "subject8", "subject9"]
    assert main([*_args(root, out), "--protocol", "rhythm-pure-intra"]) == 2


def test_windowed_rhythm_recipe_and_device_gt(tree, tmp_path):
    root, _ = tree
    out = tmp_path / "win"
    assert main([*_args(root, out), "--end", "0.2", "--window", "5", "--recipe", "rhythm"]) == 0
    doc = json.loads((out / "metrics.json").read_text())
    assert doc["level"] == "window" and doc["n_rows"] == 4 and doc["recipe"] == "rhythm"
    assert doc["metrics"]["MAE"]["n"] == 4 and doc["rmse_se"] == "plain"
    rows = (out / "per_video.csv").read_text().splitlines()[1:]
    assert [r.split(",")[2] for r in rows] == ["0.000000", "5.000000"] * 2 and rows[0].endswith(",rhythm,pos")
    dev = tmp_path / "dev"
    assert main([*_args(root, dev), "--end", "0.1", "--gt", "device"]) == 0
    res = json.loads((dev / "videos" / "subject1.json").read_text())
    # UBFC row 2 holds the device HR; synth wrote its true instantaneous HR there (62 bpm)
    assert res["gt"] == "device" and abs(res["windows"][0]["hr_gt_bpm"] - 62.0) < 1.0


@pytest.mark.slow
def test_sigkill_midway_then_resume(full_run, tree, tmp_path, capsys):
    root, _ = tree
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "micropulse", *_args(root, out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 180
    while time.time() < deadline and len(list(out.glob("videos/*.json"))) < 3:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.glob("videos/*.json")}
    assert 3 <= len(done) < N_VIDEOS, f"{len(done)} finished before the kill"
    for p in out.glob("videos/*.json"):  # whatever is there is complete JSON
        assert json.loads(p.read_text())["status"] == "ok"
    assert main(_args(root, out)) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["computed"] == N_VIDEOS - len(done) and summary["skipped"] == len(done)
    after = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.glob("videos/*.json")}
    assert all(after[name] == stat for name, stat in done.items())
    assert len(after) == N_VIDEOS and not list(out.rglob("*.tmp")) and not list(out.rglob("*.partial"))
    killed = json.loads((out / "metrics.json").read_text())["metrics"]
    full = json.loads((full_run / "metrics.json").read_text())["metrics"]
    assert killed == full


@pytest.mark.slow
def test_process_pool_matches_in_process(full_run, tree, tmp_path):
    root, _ = tree
    out = tmp_path / "pool"
    assert main([*_args(root, out), "--workers", "2", "--end", "0.2"]) == 0
    got = sorted(out.glob("videos/*.json"))
    assert [p.name for p in got] == ["subject1.json", "subject2.json"]
    for p in got:
        a, b = json.loads(p.read_text()), json.loads((full_run / "videos" / p.name).read_text())
        assert a["windows"] == b["windows"]


@pytest.mark.slow
def test_ray_engine_matches_local(full_run, tree, tmp_path):
    ray = pytest.importorskip("ray", reason="ray is a dev dependency; installed in CI")
    root, _ = tree
    out = tmp_path / "ray"
    try:
        rc = main([*_args(root, out), "--engine", "ray", "--workers", "2", "--end", "0.3"])
    finally:
        ray.shutdown()
    assert rc == 0
    got = sorted(out.glob("videos/*.json"))
    assert [p.name for p in got] == ["subject1.json", "subject2.json", "subject3.json"]
    for p in got:
        a, b = json.loads(p.read_text()), json.loads((full_run / "videos" / p.name).read_text())
        assert a["windows"] == b["windows"] and a["key"] == b["key"]


def test_errors_are_one_line_no_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "micropulse", "evaluate", "--dataset", "ubfc", "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "unknown rPPG dataset 'ubfc'; known: cohface" in proc.stderr
    assert main(["evaluate", "--dataset", "pure", "--root", str(tmp_path / "none")]) == 2
    assert main(["evaluate", "--dataset", "pure", "--root", str(tmp_path), "--recipe", "nope"]) == 2
    assert main(["evaluate", "--dataset", "pure", "--root", str(tmp_path), "--method", "nope"]) == 2


def test_face_missing_part_or_all_of_a_video(tree, tmp_path):
    import cv2

    src, _ = tree
    root = tmp_path / "faces"
    cap = cv2.VideoCapture(str(src / "subject1" / "vid.avi"))
    frames = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        frames.append(bgr)
    cap.release()
    for name, blank in (("subject1", 90), ("subject2", len(frames))):
        d = root / name
        d.mkdir(parents=True)
        shutil.copy(src / "subject1" / "ground_truth.txt", d / "ground_truth.txt")
        out = cv2.VideoWriter(
            str(d / "vid.avi"), cv2.VideoWriter_fourcc(*"FFV1"), 30.0, frames[0].shape[1::-1]
        )
        for i, f in enumerate(frames):
            out.write(np.full_like(f, 128) if i < blank else f)
        out.release()
    out_dir = tmp_path / "out"
    assert main([*_args(root, out_dir), "--segment", "longest"]) == 0
    partial = json.loads((out_dir / "videos" / "subject1.json").read_text())
    assert partial["status"] == "ok" and partial["n_evaluated"] <= len(frames) - 80
    assert partial["face_coverage"] < 0.8 and partial["segment"] == "longest"
    # toolbox-style (the default): every frame is evaluated, frames before the face hold the first face
    whole_dir = tmp_path / "out-whole"
    assert main(_args(root, whole_dir)) == 0
    whole = json.loads((whole_dir / "videos" / "subject1.json").read_text())
    assert whole["status"] == "ok" and whole["n_evaluated"] == len(frames) and whole["segment"] == "whole"
    none = json.loads((out_dir / "videos" / "subject2.json").read_text())
    assert none["status"] == "error" and "face" in none["error"].lower()
    metrics = json.loads((out_dir / "metrics.json").read_text())
    assert list(metrics["failed"]) == ["subject2"] and metrics["n_rows"] == 1
