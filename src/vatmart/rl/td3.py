"""TD3 (Fujimoto et al. 2018) for the 4-step waypoint episodes, with a replay buffer fed by hindsight
relabelling (torch). The actor is exported as numpy (W, b) pairs for the collection workers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from vatmart.rl.episode import ACTION_DIM, STATE_DIM

#: Rewards are in VAT-Mart's units (hundreds); the critic sees them scaled by this.
REWARD_SCALE = 0.01


@dataclass(frozen=True)
class TD3Settings:
    """Standard TD3 constants: discount, target smoothing noise/clip, policy delay, Polyak ``tau``."""

    hidden: int = 256
    lr: float = 1e-3
    gamma: float = 0.99
    tau: float = 0.005
    policy_noise: float = 0.2
    noise_clip: float = 0.5
    policy_delay: int = 2
    batch_size: int = 256
    buffer_size: int = 200_000


def _net(i: int, o: int, h: int, tanh: bool) -> nn.Sequential:
    layers = [nn.Linear(i, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, o)]
    return nn.Sequential(*layers, *([nn.Tanh()] if tanh else []))


class Replay:
    """A ring buffer of (state, action, reward, next state, done)."""

    def __init__(self, size: int) -> None:
        self.s = np.zeros((size, STATE_DIM), np.float32)
        self.a = np.zeros((size, ACTION_DIM), np.float32)
        self.r = np.zeros(size, np.float32)
        self.s2 = np.zeros((size, STATE_DIM), np.float32)
        self.d = np.zeros(size, np.float32)
        self.n, self.i, self.size = 0, 0, size

    def add_episode(self, states: np.ndarray, actions: np.ndarray, rewards: np.ndarray) -> None:
        """Add the transitions of one episode: states (T+1, D), actions (T, A), rewards (T,)."""
        for t in range(len(actions)):
            j = self.i
            self.s[j], self.a[j], self.r[j], self.s2[j] = states[t], actions[t], rewards[t], states[t + 1]
            self.d[j] = float(t == len(actions) - 1)
            self.i = (self.i + 1) % self.size
            self.n = min(self.n + 1, self.size)

    def sample(self, k: int, rng: np.random.Generator):
        idx = rng.integers(0, self.n, k)
        return self.s[idx], self.a[idx], self.r[idx], self.s2[idx], self.d[idx]


class TD3:
    """Actor, twin critics and their targets."""

    def __init__(self, settings: TD3Settings = TD3Settings(), seed: int = 0) -> None:
        torch.manual_seed(seed)
        h = settings.hidden
        self.cfg = settings
        self.actor = _net(STATE_DIM, ACTION_DIM, h, True)
        self.actor_t = _net(STATE_DIM, ACTION_DIM, h, True)
        self.q1, self.q2 = (
            _net(STATE_DIM + ACTION_DIM, 1, h, False),
            _net(STATE_DIM + ACTION_DIM, 1, h, False),
        )
        self.q1_t, self.q2_t = (
            _net(STATE_DIM + ACTION_DIM, 1, h, False),
            _net(STATE_DIM + ACTION_DIM, 1, h, False),
        )
        for src, dst in ((self.actor, self.actor_t), (self.q1, self.q1_t), (self.q2, self.q2_t)):
            dst.load_state_dict(src.state_dict())
        self.opt_a = torch.optim.Adam(self.actor.parameters(), lr=settings.lr)
        self.opt_q = torch.optim.Adam([*self.q1.parameters(), *self.q2.parameters()], lr=settings.lr)
        self.updates = 0
        self.gen = torch.Generator().manual_seed(seed)

    def actor_weights(self) -> tuple:
        """The actor as numpy (W, b) pairs (for :func:`vatmart.rl.episode.mlp_forward`)."""
        lin = [m for m in self.actor if isinstance(m, nn.Linear)]
        return tuple(
            (m.weight.detach().cpu().numpy().copy(), m.bias.detach().cpu().numpy().copy()) for m in lin
        )

    def update(self, replay: Replay, steps: int, rng: np.random.Generator) -> dict:
        """``steps`` gradient steps; returns the last critic and actor losses."""
        c = self.cfg
        lq = la = 0.0
        for _ in range(steps):
            if replay.n < c.batch_size // 4:
                break
            s, a, r, s2, d = (torch.as_tensor(x) for x in replay.sample(c.batch_size, rng))
            with torch.no_grad():
                noise = (torch.randn(a.shape, generator=self.gen) * c.policy_noise).clamp(
                    -c.noise_clip, c.noise_clip
                )
                a2 = (self.actor_t(s2) + noise).clamp(-1.0, 1.0)
                sa2 = torch.cat([s2, a2], 1)
                q_t = torch.minimum(self.q1_t(sa2), self.q2_t(sa2)).squeeze(1)
                y = r * REWARD_SCALE + c.gamma * (1.0 - d) * q_t
            sa = torch.cat([s, a], 1)
            loss_q = F.mse_loss(self.q1(sa).squeeze(1), y) + F.mse_loss(self.q2(sa).squeeze(1), y)
            self.opt_q.zero_grad()
            loss_q.backward()
            self.opt_q.step()
            lq = float(loss_q.detach())
            self.updates += 1
            if self.updates % c.policy_delay == 0:
                loss_a = -self.q1(torch.cat([s, self.actor(s)], 1)).mean()
                self.opt_a.zero_grad()
                loss_a.backward()
                self.opt_a.step()
                la = float(loss_a.detach())
                with torch.no_grad():
                    for src, dst in ((self.actor, self.actor_t), (self.q1, self.q1_t), (self.q2, self.q2_t)):
                        for p, pt in zip(src.parameters(), dst.parameters(), strict=False):
                            pt.mul_(1 - c.tau).add_(c.tau * p)
        return {"critic_loss": lq, "actor_loss": la}
