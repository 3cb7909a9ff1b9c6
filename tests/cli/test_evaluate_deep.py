"""``micropulse evaluate --model ... --weights ...``: a deep model through the same per-video runner,
with the crop cache (synthetic videos; the toolbox PhysNet checkpoint from ../shared/weights)."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch", reason="torch is part of the [deep] extra")

from micropulse.cli.app import main  # noqa: E402
from micropulse.synth.rppg_trees import make_ubfc_tree  # noqa: E402


def test_evaluate_with_published_physnet_and_crop_cache(tmp_path, weights_dir):
    root = tmp_path / "tree"
    truth = make_ubfc_tree(root, n_videos=2, seconds=8, size=(128, 128), hr_range_bpm=(66, 90), seed=5)
    out, cache = tmp_path / "out", tmp_path / "cache"
    args = ["evaluate", "--dataset", "ubfc-rppg", "--root", str(root), "--model", "physnet",
            "--weights", str(weights_dir / "UBFC-rPPG_PhysNet_DiffNormalized.pth"), "--cache", str(cache),
            "--out", str(out), "--no-progress"]  # fmt: skip
    assert main(args) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["recipe"] == "toolbox-2023" and metrics["n_videos"] == len(truth) == 2
    assert metrics["predictor"] == "physnet" and not metrics["failed"]
    rows = (out / "per_video.csv").read_text().strip().splitlines()[1:]
    assert len(rows) == 2
    for row in rows:
        hr_pred, hr_gt = (float(v) for v in row.split(",")[4:6])
        # the published UBFC PhysNet on clean synthetic faces: the same periodogram bin as the label
        assert abs(hr_pred - hr_gt) <= 3.0
    crops = list(cache.rglob("*.npy"))
    assert len(crops) == 2 and all(c.stat().st_size > 0 for c in crops)
    assert main(args) == 0  # rerun: finished videos are skipped, crops reused
