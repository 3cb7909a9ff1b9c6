"""The generic trainer: learns, seeds deterministically, checkpoints atomically and resumes after a crash."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch", reason="torch is part of the [deep] extra")

from torch.utils.data import TensorDataset  # noqa: E402

from micropulse.errors import FileFormatError, InputError, UnknownNameError  # noqa: E402
from micropulse.train import TASKS, Task, TrainSettings, create_task, fit, load_config  # noqa: E402


class Line(Task):
    """y = 3x - 1 with a 1-parameter-pair linear model; optionally crashes in a given epoch."""

    name = "line"

    def __init__(self, crash_at_epoch: int | None = None) -> None:
        g = torch.Generator().manual_seed(0)
        x = torch.rand(64, 1, generator=g)
        self.data = TensorDataset(x, 3 * x - 1)
        self.crash_at_epoch = crash_at_epoch
        self.epoch_batches = 0

    def build_model(self):
        return torch.nn.Linear(1, 1)

    def train_data(self):
        return self.data

    def loss(self, model, batch):
        x, y = batch
        self.epoch_batches += 1
        if self.crash_at_epoch is not None and self.epoch_batches > (self.crash_at_epoch - 1) * 4:
            raise RuntimeError("simulated crash")
        loss = torch.nn.functional.mse_loss(model(x), y)
        return loss, {"mse": float(loss.detach())}

    def evaluate(self, model, device):
        return {"weight": float(model.weight), "bias": float(model.bias)}


def settings(tmp_path, **kw):
    base = dict(epochs=6, batch_size=16, lr=0.5, out_dir=str(tmp_path), device="cpu")
    base.update(kw)
    return TrainSettings(**base)


def test_fit_learns_and_writes_outputs(tmp_path):
    res = fit(Line(), settings(tmp_path, epochs=40))
    assert res.test_metrics["weight"] == pytest.approx(3.0, abs=0.15)
    assert res.test_metrics["bias"] == pytest.approx(-1.0, abs=0.1)
    assert res.history[-1]["loss"] < res.history[0]["loss"]
    ckpt = torch.load(res.model_path, weights_only=False)
    assert set(ckpt) == {"state_dict", "metadata"}
    assert ckpt["metadata"]["settings"]["epochs"] == 40
    assert json.loads((tmp_path / "metrics.json").read_text())["weight"] == res.test_metrics["weight"]


def test_same_seed_same_weights(tmp_path):
    a = fit(Line(), settings(tmp_path / "a"))
    b = fit(Line(), settings(tmp_path / "b"))
    assert a.test_metrics == b.test_metrics


def test_crash_then_rerun_resumes_and_matches_uninterrupted_run(tmp_path):
    clean = fit(Line(), settings(tmp_path / "clean"))
    with pytest.raises(RuntimeError, match="simulated crash"):
        fit(Line(crash_at_epoch=4), settings(tmp_path / "crashed"))
    assert (tmp_path / "crashed" / "last.pt").exists()
    resumed = fit(Line(), settings(tmp_path / "crashed"))
    assert resumed.resumed_from_epoch == 3
    assert len(resumed.history) == 6
    assert resumed.test_metrics == pytest.approx(clean.test_metrics, abs=1e-6)


def test_changed_settings_start_over(tmp_path):
    fit(Line(), settings(tmp_path, epochs=2))
    res = fit(Line(), settings(tmp_path, epochs=3, lr=0.1))
    assert res.resumed_from_epoch == 0


def test_bad_settings_and_tasks():
    with pytest.raises(InputError):
        TrainSettings(epochs=0)
    with pytest.raises(UnknownNameError, match="me-spot"):
        create_task("nope", {})
    with pytest.raises(InputError, match="unknown option"):
        create_task("me-spot", {"n_subjectz": 3})
    assert "me-spot" in TASKS and "rppg" in TASKS


def test_load_config_validates(tmp_path):
    good = tmp_path / "ok.yaml"
    good.write_text("task: me-spot\noptions: {n_subjects: 3}\ntrain: {TRAIN.EPOCHS: 2, lr: 0.001}\n")
    cfg = load_config(good, overrides={"out_dir": str(tmp_path / "o")})
    assert cfg.task == "me-spot" and cfg.options == {"n_subjects": 3}
    assert cfg.settings.epochs == 2 and cfg.settings.out_dir == str(tmp_path / "o")
    bad = tmp_path / "bad.yaml"
    bad.write_text("task: me-spot\ntrain: {epochz: 2}\n")
    with pytest.raises(FileFormatError, match="epochz"):
        load_config(bad)
    with pytest.raises(FileFormatError, match="not found"):
        load_config(tmp_path / "missing.yaml")
    (tmp_path / "notask.yaml").write_text("options: {}\n")
    with pytest.raises(FileFormatError, match="task"):
        load_config(tmp_path / "notask.yaml")
