"""`micropulse pulse` and `micropulse evaluate` give the same pulse wave and the same HR for the same video,
method, recipe and front-end settings — classic and deep, on synthetic trees and on a real clip."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from micropulse.cli.app import main
from micropulse.datasets import get_dataset
from micropulse.synth.rppg_trees import make_ubfc_tree
from micropulse.eval.task import EvalConfig, predict_video
from micropulse.frontend import raw_pulse

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
WEIGHTS = SHARED / "weights" / "UBFC-rPPG_PhysNet_DiffNormalized.pth"
REAL_CLIP = SHARED / "data" / "video" / "WolfgangLanger_Pexels.mp4"


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ubfc_same")
    make_ubfc_tree(root, n_videos=2, seconds=8, size=(128, 128), hr_range_bpm=(64, 96), motion=True, seed=5)
    return root


@pytest.fixture(scope="module")
def real_tree(tmp_path_factory) -> Path:
    """A UBFC-layout tree whose one video is the real clip (any PPG label: only predictions are compared)."""
    import cv2

    root = tmp_path_factory.mktemp("ubfc_real")
    d = root / "subject1"
    d.mkdir()
    shutil.copy(REAL_CLIP, d / "vid.avi")  # OpenCV opens by content, not by extension
    cap = cv2.VideoCapture(str(d / "vid.avi"))
    n, fps = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)), cap.get(cv2.CAP_PROP_FPS)
    cap.release()
    t = np.arange(n) / fps
    np.savetxt(d / "ground_truth.txt", np.vstack([np.sin(2 * np.pi * 1.2 * t), np.full(n, 72.0), t]))
    return root


def _evaluate(root: Path, out: Path, *predictor: str, segment: str, recipe: str = "toolbox-2023") -> dict[str, float]:
    rc = main(["evaluate", "--dataset", "ubfc-rppg", "--root", str(root), *predictor, "--recipe", recipe,
               "--segment", segment, "--out", str(out), "--no-progress"])  # fmt: skip
    assert rc == 0
    with open(out / "per_video.csv") as f:
        return {row["video"]: float(row["hr_pred_bpm"]) for row in csv.DictReader(f)}


def _pulse(video: Path, out: Path, *predictor: str, segment: str, recipe: str = "toolbox-2023") -> dict:
    rc = main(["pulse", str(video), *predictor, "--recipe", recipe, "--segment", segment, "--out", str(out),
               "--no-plot", "--json"])  # fmt: skip
    assert rc == 0
    return json.loads((out / f"{video.stem}.json").read_text())


@pytest.mark.parametrize(("predictor", "segment"), [(("--method", "pos"), "whole"), (("--method", "chrom"), "longest")])
def test_pulse_and_evaluate_agree_classic(tree, tmp_path, predictor, segment):
    hrs = _evaluate(tree, tmp_path / "eval", *predictor, segment=segment)
    assert len(hrs) == 2
    for video_id, hr_eval in hrs.items():
        d = _pulse(tree / video_id / "vid.avi", tmp_path / video_id, *predictor, segment=segment)
        assert d["recipe"] == "toolbox-2023" and d["frontend"]["segment"] == segment
        assert d["hr_bpm"] == pytest.approx(hr_eval, abs=1e-3), video_id


def test_evaluate_bvp_is_pulse_bvp(tree):
    """The raw wave evaluate scores is bit for bit the wave pulse analyses (same front end, same rules)."""
    cfg = EvalConfig(dataset="ubfc-rppg", root=str(tree), method="pos", segment="whole")
    ds = get_dataset("ubfc-rppg", str(tree), "timestamps")
    entry = ds.entries[0]
    ev, _ = predict_video(cfg, entry.id, ds.load(entry.id))
    pu = raw_pulse(tree / entry.id / "vid.avi", method="pos", settings=cfg.frontend()).on_frames()
    assert ev.shape == pu.shape and np.isfinite(ev).all()
    assert np.max(np.abs(ev - pu)) == 0.0


@pytest.mark.skipif(not WEIGHTS.exists(), reason="needs ../shared/weights (CI always has it)")
def test_pulse_and_evaluate_agree_deep(tree, tmp_path):
    pred = ("--model", "physnet", "--weights", str(WEIGHTS))
    hrs = _evaluate(tree, tmp_path / "eval", *pred, segment="whole")
    for video_id, hr_eval in hrs.items():
        d = _pulse(tree / video_id / "vid.avi", tmp_path / video_id, *pred, segment="whole")
        assert d["model"]["crop"]["convention"] == "toolbox"  # the weights' own geometry, recorded
        assert d["hr_bpm"] == pytest.approx(hr_eval, abs=1e-3), video_id


@pytest.mark.skipif(not REAL_CLIP.exists(), reason="needs ../shared/data (CI always has it)")
def test_pulse_and_evaluate_agree_on_a_real_clip(real_tree, tmp_path):
    for segment in ("whole", "longest"):
        hrs = _evaluate(real_tree, tmp_path / f"eval-{segment}", "--method", "pos", segment=segment)
        d = _pulse(real_tree / "subject1" / "vid.avi", tmp_path / segment, "--method", "pos", segment=segment)
        assert d["hr_bpm"] == pytest.approx(hrs["subject1"], abs=1e-3), segment
