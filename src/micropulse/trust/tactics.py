"""Acceptance tactics of a score-based query attack (specs/trust-and-vatmart.md §2.4).

A tactic decides, for each image still under attack, whether the attacker moves to a candidate whose
observed true-label margin is ``m_new`` from the current point whose margin is ``m_cur`` (logit units).
An observed success (``m_new <= 0``) is always taken by the attack itself, whatever the tactic says.

| tactic | rule |
|---|---|
| ``none`` | greedy: ``m_new < m_cur`` |
| ``explore`` | improved, or otherwise with probability ``rate`` (0.5) |
| ``sa`` | ``min(1, exp(-(m_new - m_cur)/T))``; T0 = 25, x0.997 per query, reheat to T0 after 20 rejections |
| ``reverse`` | per-image direction (descend/ascend); flip and accept after more than 23 rejections |
| ``up`` | ``m_new > m_cur`` or a drop of more than 3 (AAA's adaptive attack) |
| ``bi`` | descend until an increase of more than 3 is seen, then ``up`` (AAA's adaptive attack) |
| ``oracle-inverse`` | greedy on the *true* margin recovered by inverting DLD / AAA-linear with known (tau, h / lam) |

Tactics keep per-image state in arrays of the attacked batch's size and are updated in place for the
active subset ``idx``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from micropulse.errors import InputError
from micropulse.registry import Registry

EXPLORE_RATE = 0.5
SA_T0, SA_COOLING, SA_REHEAT = 25.0, 0.997, 20
REVERSE_PATIENCE = 23
AAA_JUMP = 3.0  # margin change (logit units) that AAA's up/bi attackers read as the defense's jump
#: tactics that do not know the defense; their worst case is a defense's "adaptive" robust accuracy
ADAPTIVE_TACTICS = ("none", "explore", "sa", "reverse", "up", "bi")


class Tactic:
    """Greedy acceptance; subclasses override :meth:`accept` (and :meth:`observe`)."""

    name = "none"

    def reset(self, n: int, rng: np.random.Generator) -> None:
        """Start a new attack on ``n`` images."""
        self.rng = rng

    def observe(self, margin: np.ndarray) -> np.ndarray:
        """The margin the tactic reasons with, from the observed one (identity for all but the oracle)."""
        return margin

    def accept(self, idx: np.ndarray, m_new: np.ndarray, m_cur: np.ndarray) -> np.ndarray:
        """Boolean mask over ``idx``: move to the candidate."""
        return m_new < m_cur

    def options(self) -> dict[str, Any]:
        return {}


class Explore(Tactic):
    name = "explore"

    def __init__(self, rate: float = EXPLORE_RATE) -> None:
        if not 0.0 <= rate <= 1.0:
            raise InputError(f"explore rate must lie in [0, 1], got {rate!r}")
        self.rate = float(rate)

    def accept(self, idx, m_new, m_cur):
        return (m_new < m_cur) | (self.rng.random(len(idx)) < self.rate)

    def options(self):
        return {"rate": self.rate}


class Annealing(Tactic):
    name = "sa"

    def __init__(self, t0: float = SA_T0, cooling: float = SA_COOLING, reheat: int = SA_REHEAT) -> None:
        self.t0, self.cooling, self.reheat = float(t0), float(cooling), int(reheat)

    def reset(self, n, rng):
        super().reset(n, rng)
        self.temp = np.full(n, self.t0)
        self.stall = np.zeros(n, dtype=np.int64)

    def accept(self, idx, m_new, m_cur):
        temp = self.temp[idx]
        with np.errstate(over="ignore"):
            prob = np.exp(np.clip(-(m_new - m_cur) / temp, -700.0, 700.0))
        ok = (m_new < m_cur) | (prob > self.rng.random(len(idx)))
        stall = np.where(ok, 0, self.stall[idx] + 1)
        temp = temp * self.cooling
        hot = stall > self.reheat
        temp[hot] = self.t0
        stall[hot] = 0
        self.temp[idx], self.stall[idx] = temp, stall
        return ok

    def options(self):
        return {"t0": self.t0, "cooling": self.cooling, "reheat": self.reheat}


class Reverse(Tactic):
    name = "reverse"

    def __init__(self, patience: int = REVERSE_PATIENCE) -> None:
        self.patience = int(patience)

    def reset(self, n, rng):
        super().reset(n, rng)
        self.ascend = np.zeros(n, dtype=bool)
        self.stall = np.zeros(n, dtype=np.int64)

    def accept(self, idx, m_new, m_cur):
        ascend = self.ascend[idx]
        ok = np.where(ascend, m_new > m_cur, m_new < m_cur) | (m_new <= 0)
        stall = np.where(ok, 0, self.stall[idx] + 1)
        flip = stall > self.patience
        ok = ok | flip
        stall[flip] = 0
        self.ascend[idx] = ascend ^ flip
        self.stall[idx] = stall
        return ok

    def options(self):
        return {"patience": self.patience}


class Up(Tactic):
    name = "up"

    def __init__(self, jump: float = AAA_JUMP) -> None:
        self.jump = float(jump)

    def accept(self, idx, m_new, m_cur):
        return (m_new > m_cur) | (m_new - m_cur < -self.jump)

    def options(self):
        return {"jump": self.jump}


class Bi(Up):
    name = "bi"

    def reset(self, n, rng):
        super().reset(n, rng)
        self.descend = np.ones(n, dtype=bool)

    def accept(self, idx, m_new, m_cur):
        descend = self.descend[idx]
        ok = np.where(descend, m_new < m_cur, super().accept(idx, m_new, m_cur))
        self.descend[idx] = descend & ~(m_new - m_cur > self.jump)  # switch after this query
        return ok


class OracleInverse(Tactic):
    """Greedy on the true margin: an attacker who knows the defense's parameters inverts its output."""

    name = "oracle-inverse"

    def __init__(self, inverse: Callable[[np.ndarray], np.ndarray] | None = None, label: str = "identity"):
        self.inverse = inverse
        self.label = label

    def observe(self, margin):
        if self.inverse is None:
            return margin
        pos = margin > 0  # the defenses rewrite positive top-1 margins only
        out = margin.copy()
        out[pos] = self.inverse(margin[pos])
        return out

    def options(self):
        return {"inverse": self.label}


TACTICS: Registry[Callable[..., Tactic]] = Registry("tactic")
for _cls in (Tactic, Explore, Annealing, Reverse, Up, Bi):
    TACTICS.register(_cls.name)(_cls)


@TACTICS.register("oracle-inverse")
def _oracle(defense: str = "none", defense_params: Mapping[str, float] | None = None) -> Tactic:
    from micropulse.trust.defended import get_defense

    spec = get_defense(defense)
    if spec.invert_margin is None:
        return OracleInverse(None, f"identity (no exact inverse of {spec.name!r})")
    params = spec.params(defense_params or {})
    known = {k: params[k] for k in spec.invert_params}
    return OracleInverse(
        lambda m: spec.invert_margin(m, **known),
        f"exact inverse of {spec.name!r} with " + ", ".join(f"{k}={v:g}" for k, v in known.items()),
    )


def list_tactics() -> list[str]:
    """Names of the registered tactics."""
    return TACTICS.names()


def create_tactic(
    name: str, *, defense: str = "none", defense_params: Mapping[str, float] | None = None
) -> Tactic:
    """A fresh tactic; ``oracle-inverse`` is given the defense (name and parameters) it inverts."""
    factory = TACTICS.get(name)
    if name.lower() == "oracle-inverse":
        return factory(defense=defense, defense_params=defense_params)
    return factory()
