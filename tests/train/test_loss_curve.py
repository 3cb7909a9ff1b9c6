"""Issue 11 item 12: ``micropulse train`` shows train and validation loss per epoch as it goes and writes a
loss-curve PNG."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="torch is part of the [deep] extra")

from torch.utils.data import TensorDataset  # noqa: E402

from micropulse.cli.app import main  # noqa: E402
from micropulse.train import TASKS, Task, TrainSettings, fit  # noqa: E402


class TinyLine(Task):
    """y = 2x + 1 with a validation split: a task small enough to train in a blink."""

    name = "tiny-line"

    def __init__(self) -> None:
        g = torch.Generator().manual_seed(0)
        x = torch.rand(48, 1, generator=g)
        y = 2 * x + 1
        self.train, self.val = TensorDataset(x[:32], y[:32]), TensorDataset(x[32:], y[32:])

    def build_model(self):
        return torch.nn.Linear(1, 1)

    def train_data(self):
        return self.train

    def val_data(self):
        return self.val

    def loss(self, model, batch):
        x, y = batch
        loss = torch.nn.functional.mse_loss(model(x), y)
        return loss, {}


def test_fit_reports_each_epoch_and_writes_the_curve(tmp_path):
    rows = []
    res = fit(TinyLine(), TrainSettings(epochs=4, batch_size=8, lr=0.3, out_dir=str(tmp_path), device="cpu"),
              on_epoch=lambda row, epochs: rows.append((row["epoch"], row["loss"], row["val_loss"], epochs)))  # fmt: skip
    assert [r[0] for r in rows] == [1, 2, 3, 4] and all(r[3] == 4 for r in rows)
    assert all(r[1] > 0 and r[2] > 0 for r in rows)
    assert res.loss_curve == tmp_path / "loss.png"
    assert res.loss_curve.read_bytes()[:4] == b"\x89PNG" and res.loss_curve.stat().st_size > 5000


@pytest.fixture()
def tiny_task():
    TASKS.register("tiny-line")(TinyLine)
    yield
    TASKS._entries.pop("tiny-line", None)


def test_cli_prints_losses_per_epoch(tiny_task, tmp_path, capsys):
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text("task: tiny-line\ntrain: {epochs: 3, batch_size: 8, lr: 0.3, device: cpu}\n")
    assert main(["train", str(cfg), "--out", str(tmp_path / "run")]) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("epoch ")]
    assert [line.split()[1] for line in lines] == ["1/3", "2/3", "3/3"], err
    assert all("loss " in line and "val_loss " in line for line in lines)
    assert f"loss curve: {tmp_path / 'run' / 'loss.png'}" in err.replace("\n", "")
    assert (tmp_path / "run" / "loss.png").is_file()
