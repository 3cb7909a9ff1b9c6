"""Heuristics for DEBUGGABLE (specs §3.5): no guarantee, each scored against the exact answer.

All of them are "score, delete, retrain" searches over keep masks, evaluated in float64 batches; a mask
they accept is verified exactly (Fraction replay) before it is returned. ``debuggable=False`` from a
heuristic means "no certificate found", never "no" (``exact`` is False then).

- ``loo``: leave-one-out greedy deletion — remove the sample whose removal raises the test margin most,
  retrain, repeat while the margin rises.
- ``influence``: first-order influence — each sample's own update's contribution to the test margin in
  the current run (for the linear loss this is GTA's score); delete the most harmful, retrain, repeat.
- ``shapley_margin`` / ``shapley_correct``: Monte-Carlo data Shapley (permutation sampling) with utility
  the test margin or test correctness; delete in order of increasing value while it is negative.
- ``local_search``: best-improvement flips over keep masks with random restarts, maximising the margin.
- ``good_samples``: the GTA rule applied anywhere (exact only inside its classes).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from micropulse.registry import Registry
from micropulse.trust.debug.batch import replay_batch
from micropulse.trust.debug.gta import gta
from micropulse.trust.debug.instance import Instance
from micropulse.trust.debug.result import SolveResult
from micropulse.trust.debug.sgd import replay

HEURISTIC_REPLAY_BUDGET = 2000  # float64 mask replays per heuristic run (default)
SHAPLEY_PERMUTATIONS = 40
NO_GUARANTEE = "heuristic: no guarantee; 'not debuggable' here means 'no certificate found'"


class _Evaluator:
    """Float64 batch evaluation with a replay counter and an exact check of accepted masks."""

    def __init__(self, instance: Instance, budget: int) -> None:
        self.instance = instance
        self.budget = budget
        self.replays = 0
        self.exact_checks = 0
        self._checked: dict[bytes, bool] = {}

    @property
    def exhausted(self) -> bool:
        return self.replays >= self.budget

    def margins(self, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        masks = np.atleast_2d(masks)
        self.replays += masks.shape[0]
        res = replay_batch(self.instance, masks)
        return res.margin, res.correct | res.uncertain

    def accept(self, mask: np.ndarray) -> bool:
        key = np.packbits(mask).tobytes()
        if key not in self._checked:
            self.exact_checks += 1
            self._checked[key] = replay(self.instance, mask, exact=self.instance.loss.exact).correct
        return self._checked[key]

    def result(
        self, name: str, keep: np.ndarray | None, t0: float, notes: tuple[str, ...] = ()
    ) -> SolveResult:
        work = {
            "replays": self.replays,
            "exact_checks": self.exact_checks,
            "seconds": time.perf_counter() - t0,
        }
        notes = (NO_GUARANTEE, *notes)
        if keep is None:
            return SolveResult(name, False, None, False, work, None, notes)
        rep = replay(self.instance, keep, exact=self.instance.loss.exact)
        return SolveResult(name, True, keep.copy(), self.instance.loss.exact, work, None, notes, rep)


HeuristicFn = Callable[..., SolveResult]
HEURISTICS: Registry[HeuristicFn] = Registry("data-debugging heuristic")


def list_heuristics() -> list[str]:
    """Names of the registered heuristics."""
    return HEURISTICS.names()


def run_heuristic(
    name: str, instance: Instance, *, seed: int = 0, budget: int = HEURISTIC_REPLAY_BUDGET
) -> SolveResult:
    """Run one heuristic by name; ``budget`` caps the float64 replays, ``seed`` fixes its randomness."""
    return HEURISTICS.get(name)(instance, seed=seed, budget=budget)


def _greedy_deletion(ev: _Evaluator, score: Callable[[np.ndarray], np.ndarray | None]) -> np.ndarray | None:
    """Delete the lowest-scored kept sample, retrain, re-score; stop at a verified fix or no candidate."""
    keep = np.ones(ev.instance.n, dtype=bool)
    while not ev.exhausted:
        _, ok = ev.margins(keep)
        if ok[0] and ev.accept(keep):
            return keep
        s = score(keep)
        if s is None:
            return None
        s = np.where(keep, s, np.inf)
        worst = int(np.argmin(s))
        if not np.isfinite(s[worst]) or s[worst] >= 0:
            return None
        keep[worst] = False
    return None


@HEURISTICS.register("loo")
def loo_greedy(instance: Instance, *, seed: int = 0, budget: int = HEURISTIC_REPLAY_BUDGET) -> SolveResult:
    """Leave-one-out greedy deletion (score = margin change when the sample alone is removed)."""
    t0, ev = time.perf_counter(), _Evaluator(instance, budget)

    def score(keep: np.ndarray) -> np.ndarray:
        idx = np.flatnonzero(keep)
        masks = np.repeat(keep[None, :], idx.size, axis=0)
        masks[np.arange(idx.size), idx] = False
        base, _ = ev.margins(keep)
        m, _ = ev.margins(masks)
        out = np.full(instance.n, np.inf)
        out[idx] = -(m - base[0])  # low score = removing it helps most
        return out

    return ev.result("loo", _greedy_deletion(ev, score), t0)


@HEURISTICS.register("influence")
def influence_greedy(
    instance: Instance, *, seed: int = 0, budget: int = HEURISTIC_REPLAY_BUDGET
) -> SolveResult:
    """First-order influence: sample i's own updates' contribution ``-y_test * sum(slopes_i) * v_i.x_test``."""
    t0, ev = time.perf_counter(), _Evaluator(instance, budget)
    direction = instance.y_test * (instance.v_f @ instance.x_test_f)

    def score(keep: np.ndarray) -> np.ndarray:
        ev.replays += 1
        rep = replay(instance, keep, exact=False, record=True)
        return -np.asarray(rep.slope_sums, dtype=float) * direction

    return ev.result("influence", _greedy_deletion(ev, score), t0)


def _shapley(utility: str) -> HeuristicFn:
    def run(instance: Instance, *, seed: int = 0, budget: int = HEURISTIC_REPLAY_BUDGET) -> SolveResult:
        t0, ev = time.perf_counter(), _Evaluator(instance, budget)
        n, rng = instance.n, np.random.default_rng(seed)
        perms = max(1, min(SHAPLEY_PERMUTATIONS, (budget // 2) // (n + 1)))
        values = np.zeros(n)
        for _ in range(perms):
            order = rng.permutation(n)
            prefixes = np.zeros((n + 1, n), dtype=bool)
            for k in range(n):
                prefixes[k + 1] = prefixes[k]
                prefixes[k + 1, order[k]] = True
            m, ok = ev.margins(prefixes)
            u = m if utility == "margin" else ok.astype(float)
            values[order] += np.diff(u)
        values /= perms
        keep = np.ones(n, dtype=bool)
        found = None
        for i in np.argsort(values, kind="stable"):
            if ev.exhausted or values[i] >= 0:
                break
            keep[i] = False
            _, ok = ev.margins(keep)
            if ok[0] and ev.accept(keep):
                found = keep
                break
        if found is None and ev.accept(np.ones(n, dtype=bool)):
            found = np.ones(n, dtype=bool)
        return ev.result(f"shapley_{utility}", found, t0, (f"{perms} Monte-Carlo permutations",))

    run.__doc__ = f"Monte-Carlo data Shapley, utility = test {utility}; delete negative values, lowest first."
    return run


HEURISTICS.register("shapley_margin")(_shapley("margin"))
HEURISTICS.register("shapley_correct")(_shapley("correct"))


@HEURISTICS.register("local_search")
def local_search(instance: Instance, *, seed: int = 0, budget: int = HEURISTIC_REPLAY_BUDGET) -> SolveResult:
    """Best-improvement single flips from the full mask, random restarts when stuck; maximises the margin."""
    t0, ev = time.perf_counter(), _Evaluator(instance, budget)
    n, rng = instance.n, np.random.default_rng(seed)
    keep = np.ones(n, dtype=bool)
    restarts = 0
    while not ev.exhausted:
        batch = np.repeat(keep[None, :], n + 1, axis=0)  # row 0: current mask, row j + 1: flip bit j
        batch[np.arange(1, n + 1), np.arange(n)] ^= True
        bm, bok = ev.margins(batch)
        for j in np.flatnonzero(bok):
            if ev.accept(batch[j]):
                return ev.result("local_search", batch[j], t0, (f"{restarts} restarts",))
        best = int(np.argmax(bm[1:] + 1e-9 * rng.random(n)))
        if bm[best + 1] > bm[0]:
            keep = batch[best + 1]
        else:  # local optimum: restart from a random mask
            restarts += 1
            keep = rng.random(n) < rng.uniform(0.3, 0.9)
    return ev.result("local_search", None, t0, (f"{restarts} restarts",))


@HEURISTICS.register("good_samples")
def good_samples(instance: Instance, *, seed: int = 0, budget: int = HEURISTIC_REPLAY_BUDGET) -> SolveResult:
    """Keep every good sample (the GTA rule), whatever the class."""
    return gta(instance, check_class=False)
