"""The exact-solver registry and :func:`solve`, whose ``auto`` mode picks the right tool and says why.

``auto``: GTA when the instance is in a tractable class (linear loss; 1-D hinge with beta > 0, one
epoch); otherwise brute force when n is small; otherwise the MILP (one-epoch hinge/linear); otherwise the
local-search heuristic, with the missing guarantee stated in the result's notes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from micropulse.errors import UnknownNameError
from micropulse.registry import Registry
from micropulse.trust.debug.brute import BRUTE_MAX_N, brute_force
from micropulse.trust.debug.gta import gta, tractable_class
from micropulse.trust.debug.heuristics import HEURISTIC_REPLAY_BUDGET, HEURISTICS, run_heuristic
from micropulse.trust.debug.instance import Instance
from micropulse.trust.debug.intmodel import milp_applicable
from micropulse.trust.debug.milp import MILP_TIME_LIMIT_S, milp
from micropulse.trust.debug.result import SolveResult

AUTO_BRUTE_MAX_N = 18  # auto uses brute force up to here (about a second or two)
AUTO_FALLBACK_HEURISTIC = "local_search"


@dataclass(frozen=True)
class SolveOptions:
    """Settings shared by the solvers (see :func:`solve`)."""

    progress: bool = False
    brute_max_n: int = BRUTE_MAX_N
    auto_brute_max_n: int = AUTO_BRUTE_MAX_N
    time_limit_s: float = MILP_TIME_LIMIT_S
    minimize_removals: bool = False
    seed: int = 0
    budget: int = HEURISTIC_REPLAY_BUDGET


SolverFn = Callable[[Instance, SolveOptions], SolveResult]
SOLVERS: Registry[SolverFn] = Registry("exact data-debugging solver")
SOLVERS.register("brute")(lambda inst, o: brute_force(inst, max_n=o.brute_max_n, progress_bar=o.progress))
SOLVERS.register("gta")(lambda inst, o: gta(inst, minimize_removals=o.minimize_removals))
SOLVERS.register("milp")(
    lambda inst, o: milp(
        inst, time_limit_s=o.time_limit_s, minimize_removals=o.minimize_removals, progress_bar=o.progress
    )
)


def list_solvers() -> list[str]:
    """Names of the exact solvers (``solve`` also accepts ``auto`` and every heuristic name)."""
    return SOLVERS.names()


def solve(
    instance: Instance, solver: str = "auto", *, progress: bool = False, brute_max_n: int = BRUTE_MAX_N,
    auto_brute_max_n: int = AUTO_BRUTE_MAX_N, time_limit_s: float = MILP_TIME_LIMIT_S,
    minimize_removals: bool = False, seed: int = 0, budget: int = HEURISTIC_REPLAY_BUDGET,
) -> SolveResult:  # fmt: skip
    """Decide whether removing training samples makes SGD predict ``y_test`` on ``x_test``.

    Args:
        instance: the problem.
        solver: ``auto``, an exact solver (:func:`list_solvers`) or a heuristic
            (:func:`~micropulse.trust.debug.heuristics.list_heuristics`).
        progress: draw a progress bar for long work (brute force).
        brute_max_n: brute force refuses larger instances.
        auto_brute_max_n: ``auto`` uses brute force only up to this n.
        time_limit_s: MILP time limit per solve, seconds.
        minimize_removals: the MILP also minimises the number of removed samples (brute force always does).
        seed, budget: for heuristics (random seed; cap on float64 replays).
    """
    opts = SolveOptions(
        progress=progress, brute_max_n=brute_max_n, auto_brute_max_n=auto_brute_max_n, time_limit_s=time_limit_s,
        minimize_removals=minimize_removals, seed=seed, budget=budget,
    )  # fmt: skip
    name = str(solver).lower()
    if name == "auto":
        return _auto(instance, opts)
    if name in SOLVERS:
        return SOLVERS.get(name)(instance, opts)
    if name in HEURISTICS:
        return run_heuristic(name, instance, seed=seed, budget=budget)
    known = ", ".join(["auto", *SOLVERS.names(), *HEURISTICS.names()])
    raise UnknownNameError(f"unknown solver {solver!r}; known: {known}")


def _auto(instance: Instance, opts: SolveOptions) -> SolveResult:
    cls, why_not = tractable_class(instance)
    if cls is not None:
        res = gta(instance, minimize_removals=opts.minimize_removals)
        return _noted(res, f"auto: tractable class: {cls}; used GTA (O(n d))")
    notes = [f"auto: not in a tractable class: {why_not}"]
    if instance.n <= opts.auto_brute_max_n:
        res = brute_force(instance, max_n=opts.brute_max_n, progress_bar=opts.progress)
        return _noted(res, *notes, f"auto: n = {instance.n} <= {opts.auto_brute_max_n}: exact brute force")
    ok, why = milp_applicable(instance)
    if ok:
        res = milp(
            instance,
            time_limit_s=opts.time_limit_s,
            minimize_removals=opts.minimize_removals,
            progress_bar=opts.progress,
        )
        return _noted(res, *notes, f"auto: n = {instance.n} too big for brute force; MILP ({why})")
    notes.append(f"auto: no exact solver fits (n = {instance.n} too big for brute force; MILP: {why})")
    res = run_heuristic(AUTO_FALLBACK_HEURISTIC, instance, seed=opts.seed, budget=opts.budget)
    return _noted(res, *notes, f"auto: fell back to the {AUTO_FALLBACK_HEURISTIC} heuristic")


def _noted(res: SolveResult, *notes: str) -> SolveResult:
    return replace(res, notes=(*notes, *res.notes))
