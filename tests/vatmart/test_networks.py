"""Perception networks: shapes for both backbones, overfitting one batch, checkpoints."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vatmart.errors import CheckpointError
from vatmart.perception.backbone import BACKBONES, farthest_points
from vatmart.perception.model import NetConfig, VatMartNet, cvae_loss, rot6d_to_matrix
from vatmart.perception.train import load_checkpoint, save_checkpoint, train_step

B, N, M = 3, 128, 10


def _batch(gen: torch.Generator) -> dict[str, torch.Tensor]:
    xyz = torch.randn(B, N, 3, generator=gen) * 0.3
    normals = torch.nn.functional.normalize(torch.randn(B, N, 3, generator=gen), dim=-1)
    local = torch.randint(0, B, (M,), generator=gen)
    cidx = torch.randint(0, N, (M,), generator=gen)
    task = torch.zeros(M, 5)
    task[torch.arange(M), torch.randint(0, 4, (M,), generator=gen)] = 1
    task[:, 4] = torch.rand(M, generator=gen)
    st = torch.zeros(B, 5)
    st[:, 0], st[:, 4] = 1, 0.5
    return {
        "xyz": xyz,
        "normals": normals,
        "local": local,
        "cidx": cidx,
        "contact": xyz[local, cidx],
        "traj": torch.randn(M, 5, 6, generator=gen) * 0.1,
        "task": task,
        "label": (torch.arange(M) % 2).float(),
        "scene_task": st,
        "target": torch.rand(B, N, generator=gen) > 0.7,
    }


@pytest.mark.parametrize("backbone", BACKBONES.names())
def test_shapes(backbone):
    torch.manual_seed(0)
    net = VatMartNet(NetConfig(backbone=backbone))
    b = _batch(torch.Generator().manual_seed(0))
    feat = net.features(b["xyz"], b["normals"])
    assert feat.shape == (B, N, net.cfg.feat_dim) and torch.isfinite(feat).all()
    fp = feat[b["local"], b["cidx"]]
    assert net.score_logits(fp, b["task"], b["contact"], b["traj"]).shape == (M,)
    mu, logvar = net.encode(fp, b["task"], b["contact"], b["traj"])
    assert mu.shape == logvar.shape == (M, 128)  # z of dim 128, as VAT-Mart
    assert net.decode(fp, b["task"], b["contact"], mu).shape == (M, 5, 6)
    assert net.propose(fp[:2], b["task"][:2], b["contact"][:2], 7).shape == (2, 7, 5, 6)
    assert net.actionability_logits(feat, b["scene_task"]).shape == (B, N)


def test_torch_fps_and_rot6d():
    x = torch.cat([torch.zeros(1, 50, 3), torch.ones(1, 3, 3)], dim=1)
    idx = farthest_points(x, 2)
    assert idx[0, 0] == 0 and idx[0, 1] >= 50
    r = rot6d_to_matrix(torch.randn(20, 6))
    assert torch.allclose(r @ r.transpose(1, 2), torch.eye(3).expand(20, 3, 3), atol=1e-5)


def test_cvae_loss_uses_the_papers_weights():
    t = torch.randn(4, 5, 6)
    zero = cvae_loss(t, t, torch.zeros(4, 8), torch.zeros(4, 8))
    assert float(zero["total"]) == pytest.approx(0.0, abs=1e-5)
    p = t.clone()
    p[:, 1:] += 0.1
    out = cvae_loss(p, t, torch.zeros(4, 8), torch.zeros(4, 8))
    assert float(out["total"]) == pytest.approx(100 * 0.1, rel=1e-4)


@pytest.mark.parametrize("backbone", BACKBONES.names())
def test_overfits_one_batch(backbone):
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    net = VatMartNet(NetConfig(backbone=backbone, n_proposals=8, z_dim=16, hidden=64))
    b = _batch(torch.Generator().manual_seed(2))
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    first = None
    for i in range(120):
        losses = train_step(net, b, action=i < 10, action_points=4, gen=gen)
        first = first or {k: float(v.detach()) for k, v in losses.items()}
        opt.zero_grad()
        sum(losses.values()).backward()
        opt.step()
    last = {
        k: float(v.detach()) for k, v in train_step(net, b, action=False, action_points=4, gen=gen).items()
    }
    assert last["score"] < 0.05 < first["score"]
    assert last["cvae"] < 0.2 * first["cvae"]


def test_checkpoint_round_trip_and_errors(tmp_path):
    net = VatMartNet(NetConfig(z_dim=16))
    p = save_checkpoint(net, tmp_path / "m.pt", meta={"note": "x"})
    back, meta = load_checkpoint(p)
    assert meta == {"note": "x"} and back.cfg.z_dim == 16
    x, n = torch.randn(1, 64, 3), torch.nn.functional.normalize(torch.randn(1, 64, 3), dim=-1)
    net.eval()
    assert torch.allclose(net.features(x, n), back.features(x, n))
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "missing.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="cannot read"):
        load_checkpoint(tmp_path / "junk.pt")
    torch.save({"format": "other"}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="not a vatmart"):
        load_checkpoint(tmp_path / "other.pt")
    np.testing.assert_equal(meta["note"], "x")
