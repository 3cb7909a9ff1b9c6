"""ME-TST trained on synthetic micro-expression videos through the generic trainer, scored on held-out
subjects with the MEGC scorer (synthetic data: numbers are labelled synthetic)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is part of the [deep] extra")

from micropulse.me import labels as L  # noqa: E402
from micropulse.train import TrainSettings, fit  # noqa: E402
from micropulse.train.me_task import MESpotTask, me_loss, window_samples  # noqa: E402


def test_me_loss_matches_one_hot_semantics():
    torch.manual_seed(0)
    logits = torch.randn(2, 3, 5)
    c = torch.tensor([[4, 0, 1], [4, 4, 2]])
    w = torch.tensor([1.0, 2.0, 3.0, 4.0, 0.5])
    spot = torch.rand(2, 3)
    y = torch.zeros(2, 3)
    loss, parts = me_loss(spot, logits, y, c, w)
    # PyTorch CE with probability targets: mean over frames of sum_c w_c * t_c * -log p_c
    ref_ce = torch.nn.functional.cross_entropy(
        logits.reshape(-1, 5), torch.nn.functional.one_hot(c.reshape(-1), 5).float(), weight=w
    )
    assert parts["ce"] == pytest.approx(float(ref_ce), rel=1e-6)
    assert float(loss) == pytest.approx(0.9 * float(((spot - y) ** 2).mean()) + 0.1 * float(ref_ce), rel=1e-6)


@pytest.mark.slow
def test_synthetic_me_tst_spots_held_out_subjects(tmp_path):
    # a small ME-TST (dim 32, 4 blocks, d_state 16) so that CPU training takes ~1-2 minutes
    task = MESpotTask(
        model="me-tst", model_options={"dim": 32, "depth": 4, "d_state": 16}, n_subjects=8, videos_per_subject=1,
        seconds=14.0, n_test=2, k=50, flow="dis", ratio=None, seed=0,
    )  # fmt: skip
    x, y, c = window_samples(task.train_videos, np.random.default_rng(0), None)
    assert x.shape[1:] == (10, 50) and y.max() == 1.0 and set(np.unique(c)) <= set(range(5))
    assert task._weights[L.NEUTRAL_INDEX] > 0
    untrained = task.evaluate(task.build_model(), torch.device("cpu"))
    res = fit(task, TrainSettings(epochs=15, batch_size=16, lr=3e-3, out_dir=str(tmp_path), device="cpu"))
    spot = res.test_metrics["spotting"]
    print("synthetic ME-TST held-out:", spot, res.test_metrics["recognition"], res.test_metrics["strs"])
    assert res.test_metrics["test_subjects"] == ["s06", "s07"]
    assert spot["tp"] + spot["fn"] == untrained["spotting"]["tp"] + untrained["spotting"]["fn"]
    assert spot["f1"] > 0.5
    assert spot["f1"] > untrained["spotting"]["f1"]
    assert res.test_metrics["strs"] is not None


def test_leave_one_subject_out_pools_every_fold(tmp_path):
    from micropulse.train.me_task import run_loso

    options = {
        "model": "me-tst", "model_options": {"dim": 16, "depth": 2, "d_state": 8}, "n_subjects": 3,
        "videos_per_subject": 1, "seconds": 10.0, "flow": "dis", "ratio": None,
    }  # fmt: skip
    pooled = run_loso(
        options, TrainSettings(epochs=1, batch_size=8, lr=3e-3, out_dir=str(tmp_path), device="cpu")
    )
    assert [f["subject"] for f in pooled["folds"]] == ["s00", "s01", "s02"]
    assert all((tmp_path / f"fold-{s}" / "model.pt").exists() for s in ("s00", "s01", "s02"))
    full = MESpotTask(**options, n_test=1)
    n_gt = sum(1 for d in full.train_videos + full.test_videos for iv in d.intervals if iv.type == "me")
    spot = pooled["spotting"]
    assert spot["tp"] + spot["fn"] == n_gt  # every subject's MEs are scored exactly once
    assert pooled["protocol"] == "leave-one-subject-out"
