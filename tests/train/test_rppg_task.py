"""rPPG losses (specs/rppg.md §1.8, §2.8) and the rPPG training task on synthetic videos."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from micropulse.errors import InputError
from micropulse.rppg.deep import losses
from micropulse.train.rppg_task import RppgTask, _downsample2, _upsample2

FS = 30.0


pytestmark = pytest.mark.usefixtures("one_thread")


def _sine(bpm: float, n: int = 160, phase: float = 0.0) -> torch.Tensor:
    t = torch.arange(n, dtype=torch.float32) / FS
    return torch.sin(2 * math.pi * bpm / 60.0 * t + phase)


def test_neg_pearson():
    y = _sine(72)[None]
    assert losses.neg_pearson(y, y).item() == pytest.approx(0.0, abs=1e-6)
    assert losses.neg_pearson(-y, y).item() == pytest.approx(2.0, abs=1e-6)
    assert losses.neg_pearson(torch.zeros_like(y), y).item() == 0.0  # NaN r counts 0, as coded
    with pytest.raises(InputError, match=r"\(B, T\)"):
        losses.neg_pearson(y[0], y[0])


def test_band_power_peaks_at_the_pulse():
    p = losses.band_power(_sine(90)[None], FS, torch.arange(45, 150))
    assert int(p.argmax()) + 45 == 90


def test_label_hr_and_freq_ce_fixed_vs_as_coded():
    label = _sine(72)[None]
    assert losses.label_hr_bpm(label, FS)[0] == pytest.approx(72, abs=1.0)
    good = _sine(72, phase=0.3)[None].requires_grad_()
    bad = _sine(110)[None].requires_grad_()
    fixed_good = losses.freq_cross_entropy(good, label, FS)
    fixed_bad = losses.freq_cross_entropy(bad, label, FS)
    assert fixed_good.item() + 2.0 < fixed_bad.item()
    coded_good = losses.freq_cross_entropy(good, label, FS, as_coded=True)
    # softmax over an already normalised spectrum: nearly uniform over 105 classes (the defect)
    assert coded_good.item() == pytest.approx(math.log(105), abs=0.1)
    (g_fixed,) = torch.autograd.grad(losses.freq_cross_entropy(bad, label, FS), bad)
    (g_coded,) = torch.autograd.grad(losses.freq_cross_entropy(bad, label, FS, as_coded=True), bad)
    assert g_fixed.norm() > 20 * g_coded.norm()


def test_hr_loss_as_coded_is_constant():
    label = _sine(80)[None]
    pred = _sine(100)[None].requires_grad_()
    coded = losses.hr_distribution_loss(pred, label, FS, as_coded=True)
    assert not coded.requires_grad and coded.item() > 0
    fixed = losses.hr_distribution_loss(pred, label, FS)
    (g,) = torch.autograd.grad(fixed, pred)
    assert torch.isfinite(g).all() and g.norm() > 0
    total, parts = losses.rhythmformer_loss(pred, label, FS)
    assert set(parts) == {"neg_pearson", "freq_ce", "hr"} and total.requires_grad


def test_resampling_helpers():
    x = torch.arange(8.0)
    assert _upsample2(x, 1, 8).tolist() == [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4]
    assert _downsample2(x).tolist() == [0, 2, 4, 6, 0, 2, 4, 6]


def test_augment_batch_bug_fixed_by_default():
    task_fixed = RppgTask(augment=True, n_train=1, n_test=1, n_val=0)
    task_coded = RppgTask(augment=True, augment_as_coded=True, n_train=1, n_test=1, n_val=0)
    y = torch.stack([_sine(60), _sine(60, phase=1.0), _sine(82)])  # sample 2: 75 < HR < 90, never resampled
    x = torch.randn(3, 160, 3, 4, 4)
    changed_coded = False
    for seed in range(12):
        _, y_fixed = task_fixed.augment((x, y), torch.Generator().manual_seed(seed))
        assert torch.equal(y_fixed[2], y[2])
        _, y_coded = task_coded.augment((x, y), torch.Generator().manual_seed(seed))
        changed_coded |= not torch.equal(y_coded[2], y[2])
    assert changed_coded


def test_task_trains_and_evaluates(tmp_path):
    from micropulse.train import TrainSettings, fit

    task = RppgTask(
        model_options={"depth": 1, "embed_dim": 16, "d_state": 4, "drop_path_rate": 0.0},
        n_train=2, n_val=1, n_test=1, seconds=5.4, size=32, chunk_length=80, seed=3,
    )  # fmt: skip
    res = fit(task, TrainSettings(epochs=1, batch_size=2, lr=1e-3, out_dir=str(tmp_path), resume=False))
    ckpt = torch.load(res.model_path, weights_only=False)
    assert ckpt["metadata"]["arch"] == "rhythmmamba" and ckpt["metadata"]["loss"] == "rhythmmamba"
    assert np.isfinite(res.history[0]["loss"]) and "val_loss" in res.history[0]
    m = res.test_metrics
    assert m["synthetic"] and m["n_videos"] == 1 and np.isfinite(m["hr_mae_bpm"])
    # `micropulse train` writes the crop geometry into model.pt; the weights' metadata reads it back
    from micropulse.face.geometry import MICROPULSE, TOOLBOX
    from micropulse.rppg.deep import create_model

    assert ckpt["metadata"]["crop"] == MICROPULSE.to_dict()
    assert create_model("rhythmmamba", weights=res.model_path).weights_info.crop == MICROPULSE
    assert RppgTask(crop="toolbox", n_train=1, n_test=1).metadata()["crop"] == TOOLBOX.to_dict()
    assert RppgTask(crop=TOOLBOX.to_dict(), n_train=1, n_test=1).crop == TOOLBOX
    with pytest.raises(InputError, match="unknown crop convention"):
        RppgTask(crop="tight")
    with pytest.raises(InputError, match="unknown rPPG data source"):
        RppgTask(data="ubfc")
