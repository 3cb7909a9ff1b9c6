"""VAT-Mart's perception networks (torch): a shared point backbone, task and contact encoders, the
Trajectory Scoring Module, the Trajectory Proposal Module (a conditional VAE) and the Actionability
Prediction Module. Points are camera-frame metres, centred on the cloud's centroid by the caller, with
their normals; trajectories are in the contact frame (:mod:`vatmart.perception.frames`).

Loss weights are those of the official code: waypoint L1 × 100, 6-D rotation × 5, KL × 0.02.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F

from vatmart.perception.backbone import _mlp, create_backbone
from vatmart.sim.tasks import TASK_KINDS

TASK_IN = len(TASK_KINDS) + 1  # task one-hot + normalised amount
TRAJ_FLAT = 30  # the (5, 6) trajectory
W_WAYPOINT, W_ROTATION, W_KL = 100.0, 5.0, 0.02
#: Waypoint offsets (per unit of task: m/rad or m/m, about 0.2-1) are multiplied by this before entering
#: the trajectory encoder (unit-scale inputs).
TRAJ_POS_SCALE = 2.0


@dataclass(frozen=True)
class NetConfig:
    """Sizes: ``feat_dim`` per-point features, ``z_dim`` cVAE latent (128 in VAT-Mart), encoders' widths,
    ``topk``/``n_proposals`` of the actionability target (5 of 100 in VAT-Mart), ``kl_weight`` of the cVAE."""

    backbone: str = "pointnet"
    feat_dim: int = 64
    z_dim: int = 128
    task_dim: int = 32
    contact_dim: int = 32
    traj_dim: int = 64
    hidden: int = 128
    topk: int = 5
    n_proposals: int = 100
    #: 1.0, not VAT-Mart's 0.02 (:data:`W_KL`): with 0.02 and this little data the latent carried the
    #: motion (z = 0 decodes at expert contact points moved a drawer by 0.08-2x the amount) and prior
    #: samples ignored the task; with 1.0, 0.65-1.04x (measured, see the README)
    kl_weight: float = 1.0

    def to_dict(self) -> dict:
        return asdict(self)


class VatMartNet(nn.Module):
    """All perception modules around one backbone."""

    def __init__(self, cfg: NetConfig = NetConfig()) -> None:
        super().__init__()
        self.cfg = cfg
        f, h = cfg.feat_dim, cfg.hidden
        self.backbone = create_backbone(cfg.backbone, feat_dim=f)
        self.task_enc = nn.Linear(TASK_IN, cfg.task_dim)
        self.contact_enc = nn.Linear(3, cfg.contact_dim)
        self.traj_enc = _mlp([TRAJ_FLAT, cfg.traj_dim, cfg.traj_dim])
        cond = f + cfg.task_dim + cfg.contact_dim
        self.scorer = _mlp([cond + cfg.traj_dim, h, h, 1], last_act=False)
        self.vae_enc = _mlp([cond + cfg.traj_dim, h, 2 * cfg.z_dim], last_act=False)
        self.vae_dec = _mlp([cond + cfg.z_dim, h, h, TRAJ_FLAT], last_act=False)
        self.action = _mlp([f + cfg.task_dim, h, 1], last_act=False)

    def features(self, xyz: torch.Tensor, normals: torch.Tensor) -> torch.Tensor:
        """Per-point features (B, N, F) of centred clouds (B, N, 3) with unit normals (B, N, 3)."""
        return self.backbone(xyz, normals)

    def _cond(self, feat: torch.Tensor, task: torch.Tensor, contact: torch.Tensor) -> torch.Tensor:
        return torch.cat(
            [feat, F.leaky_relu(self.task_enc(task)), F.leaky_relu(self.contact_enc(contact))], dim=-1
        )

    def _traj_in(self, traj: torch.Tensor) -> torch.Tensor:
        scale = torch.ones(5, 6, device=traj.device)
        scale[1:, :3] = TRAJ_POS_SCALE
        return self.traj_enc((traj * scale).reshape(traj.shape[0], -1))

    def score_logits(self, feat, task, contact, traj) -> torch.Tensor:
        """Success logits (M,) of (point feature (M, F), task (M, 5), contact (M, 3), trajectory (M, 5, 6))."""
        t = self._traj_in(traj)
        return self.scorer(torch.cat([self._cond(feat, task, contact), t], dim=-1)).squeeze(-1)

    def encode(self, feat, task, contact, traj) -> tuple[torch.Tensor, torch.Tensor]:
        """cVAE posterior (mu, logvar), each (M, z)."""
        t = self._traj_in(traj)
        out = self.vae_enc(torch.cat([self._cond(feat, task, contact), t], dim=-1))
        return out.chunk(2, dim=-1)

    def decode(self, feat, task, contact, z) -> torch.Tensor:
        """Trajectories (M, 5, 6) from latents z (M, z)."""
        return self.vae_dec(torch.cat([self._cond(feat, task, contact), z], dim=-1)).reshape(-1, 5, 6)

    def actionability_logits(self, feat: torch.Tensor, task: torch.Tensor) -> torch.Tensor:
        """Per-point actionability logits (B, N) for tasks (B, 5)."""
        t = F.leaky_relu(self.task_enc(task))[:, None, :].expand(-1, feat.shape[1], -1)
        return self.action(torch.cat([feat, t], dim=-1)).squeeze(-1)

    @torch.no_grad()
    def propose(self, feat, task, contact, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` proposals per row: (M, n, 5, 6), z ~ N(0, I)."""
        m = feat.shape[0]
        z = torch.randn(m * n, self.cfg.z_dim, generator=generator, device=feat.device)
        rep = lambda x: x.repeat_interleave(n, dim=0)  # noqa: E731
        return self.decode(rep(feat), rep(task), rep(contact), z).reshape(m, n, 5, 6)


def rot6d_to_matrix(r6: torch.Tensor) -> torch.Tensor:
    """(..., 6) -> (..., 3, 3) by Gram-Schmidt (columns: forward, left, up), as the numpy version."""
    a, b = r6[..., :3], r6[..., 3:]
    x = F.normalize(a, dim=-1)
    z = F.normalize(b - (b * x).sum(-1, keepdim=True) * x, dim=-1)
    y = torch.cross(z, x, dim=-1)
    return torch.stack([x, y, z], dim=-1)


def cvae_loss(
    pred: torch.Tensor, target: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor, *, w_kl: float = W_KL
) -> dict[str, torch.Tensor]:
    """VAT-Mart's proposal loss: 100 × L1(waypoints) + 5 × rotation (squared Frobenius distance of the
    Gram-Schmidt'ed 6-D rotations) + 0.02 × KL(q(z) || N(0, I))."""
    wp = (pred[:, 1:] - target[:, 1:]).abs().mean()
    rot = ((rot6d_to_matrix(pred[:, 0]) - rot6d_to_matrix(target[:, 0])) ** 2).sum((-1, -2)).mean()
    kl = (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(-1)).mean()
    total = W_WAYPOINT * wp + W_ROTATION * rot + w_kl * kl
    return {"total": total, "waypoint": wp, "rotation": rot, "kl": kl}
