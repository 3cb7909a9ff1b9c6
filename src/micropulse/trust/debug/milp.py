"""Exact MILP for one-epoch hinge-like (and linear) loss in any dimension: PuLP with its bundled CBC.

The model is :mod:`~micropulse.trust.debug.intmodel`'s integer model with big-M rows:
``Z_i <= -1 + M_i (1 - a_i)`` where ``M_i = max Z_i + 1`` over all 0/1 assignments (rows that can never
be >= 0 are dropped, rows that can never be < 0 force ``a_i = 0``). The strictness gap is 1 in integer
units, i.e. ``1/D_i`` in margin units, which is exactly the smallest nonzero |z_i - beta| the row can take,
so the model is exact as long as CBC's float64 sees the integers exactly. Every "yes" is verified by an
exact replay (an unverifiable solution is cut off and the model re-solved); a "no" is stated exact only
when every scaled coefficient and row sum is below 2**53 and CBC proved infeasibility within the limit.

Why PuLP + CBC and not OR-Tools CP-SAT (both measured on this integer model, issue 15): both agreed with
brute force on 150 random and 60 Theorem 4.3 instances. CP-SAT was faster on tiny models (10 ms vs 25 ms
at n = 10: CBC runs as a subprocess) and on parity-hard Theorem 4.3 no-instances (1.6 s vs 10.1 s at
n = 28); CBC was faster on larger random ones (0.16 s vs 0.30 s at n = 80). The deciding facts are
packaging: current OR-Tools (9.15) needs numpy >= 2 and protobuf >= 6.33, which the pinned mediapipe
(numpy < 2, protobuf < 5) excludes, so only the 2023 release 9.8 installs here (it has no wheel for
Python 3.13), with absl-py and a ~25 MB binary; and CP-SAT needs every coefficient in int64 (it overflowed on
a Theorem 4.3 model with values near 1000 before the fixed rows were pruned). PuLP 3.x is pure Python
with the CBC binary in its wheel and no dependencies (PuLP 4 drops the bundled CBC, hence ``< 4``).
"""

from __future__ import annotations

import logging
import time
import warnings

import numpy as np

from micropulse.progress import progress
from micropulse.trust.debug.instance import Instance
from micropulse.trust.debug.intmodel import IntegerModel, IntRow, build_integer_model
from micropulse.trust.debug.result import SolveResult
from micropulse.trust.debug.sgd import replay

log = logging.getLogger(__name__)

MILP_TIME_LIMIT_S = 60.0
MILP_MAX_RETRIES = 5  # re-solves after a solution that fails the exact check
FLOAT_EXACT_LIMIT = 2**53


def _mixed_rows(model: IntegerModel) -> list[IntRow]:
    """Rows whose sign depends on the binaries (the only ones written into the MILP with coefficients)."""
    rows = [r for r in model.activation if r is not None and r.bounds()[0] < 0 <= r.bounds()[1]]
    return [*rows, model.test]


def _float_exact(model: IntegerModel) -> bool:
    return all(
        max(abs(lo), abs(hi)) < FLOAT_EXACT_LIMIT for lo, hi in (r.bounds() for r in _mixed_rows(model))
    )


def milp(
    instance: Instance,
    *,
    time_limit_s: float = MILP_TIME_LIMIT_S,
    minimize_removals: bool = False,
    progress_bar: bool = False,
) -> SolveResult:
    """Decide DEBUGGABLE with a MILP (one epoch, hinge-like or linear loss, any dimension).

    Args:
        instance: the problem (raises SolverNotApplicableError outside the class).
        time_limit_s: CBC wall-clock limit per solve, seconds; hitting it gives a non-exact answer.
        minimize_removals: also minimise the number of removed samples (slower); otherwise any
            certificate (which removes every non-activated sample) is returned.
        progress_bar: show a running indicator while CBC works (it reports no progress of its own).
    """
    import pulp  # optional dependency: extra 'trust' (pinned < 4: PuLP 4 no longer bundles CBC)

    with warnings.catch_warnings():  # PuLP 3.3 announces its 4.0 API; we pin < 4
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pulp(\.|$)")
        with progress(None, f"MILP (CBC, limit {time_limit_s:g} s)", enabled=progress_bar):
            return _milp(pulp, instance, time_limit_s, minimize_removals)


def _milp(pulp, instance: Instance, time_limit_s: float, minimize_removals: bool) -> SolveResult:  # noqa: ANN001
    t0 = time.perf_counter()
    model = build_integer_model(instance)
    prob, a, k = _formulate(pulp, model, minimize_removals)
    notes = ["gap 1 in integer units (exact strictness after scaling by each row's lcm)"]
    exact_numbers = _float_exact(model)
    if not exact_numbers:
        notes.append("some scaled coefficients exceed 2**53: a 'no' is not stated exact")
    solves = 0
    for _ in range(MILP_MAX_RETRIES + 1):
        solves += 1
        prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s))
        status = pulp.LpStatus[prob.status]
        work = {
            "binaries": len(prob.variables()), "constraints": len(prob.constraints), "solves": solves,
            "max_abs_coefficient": max(abs(c) for r in _mixed_rows(model) for c in (r.const, *(t for _, t in r.terms))), "seconds": time.perf_counter() - t0,
        }  # fmt: skip
        if status == "Infeasible":
            return SolveResult("milp", False, None, exact_numbers, work, None, tuple(notes))
        if prob.sol_status not in (1, 2):  # 1: optimal, 2: feasible found before the time limit
            notes.append(f"CBC stopped with status {status!r} and no solution (time limit {time_limit_s} s?)")
            return SolveResult("milp", False, None, False, work, None, tuple(notes))
        if minimize_removals and prob.sol_status != 1:
            notes.append(
                "time limit hit: the certificate is valid but not proven to remove the fewest samples"
            )
        act = np.array([(x.value() or 0) > 0.5 for x in a])
        keep = np.array([(x.value() or 0) > 0.5 for x in k]) if k is not None else act
        rep = replay(instance, keep, exact=True)
        if rep.correct:
            return SolveResult("milp", True, keep, True, work, None, tuple(notes), rep)
        log.warning("MILP solution failed the exact check; cutting it off and re-solving")
        prob += pulp.lpSum(1 - x if on else x for x, on in zip(a, act, strict=True)) >= 1
    notes.append(f"{MILP_MAX_RETRIES + 1} MILP solutions failed the exact check (float trouble)")
    return SolveResult("milp", False, None, False, work, None, tuple(notes))


def _formulate(pulp, model: IntegerModel, minimize_removals: bool):  # noqa: ANN001, ANN202 - pulp is lazy
    prob = pulp.LpProblem("debuggable", pulp.LpMaximize)
    a = [pulp.LpVariable(f"a{i}", cat="Binary") for i in range(model.n)]
    k = [pulp.LpVariable(f"k{i}", cat="Binary") for i in range(model.n)] if minimize_removals else None
    prob += pulp.lpSum(k) if k is not None else pulp.lpSum([])
    for i, row in enumerate(model.activation):
        if row is None:  # linear loss: a kept sample is always activated
            if k is not None:
                prob += a[i] == k[i]
            continue
        lo, hi = row.bounds()
        if lo >= 0:  # z_i >= beta whatever was kept before: never activated
            prob += a[i] == 0
        elif hi < 0:  # z_i < beta whatever was kept before: activated whenever kept
            if k is not None:
                prob += a[i] == k[i]
        else:
            expr = row.const + pulp.lpSum(c * a[j] for j, c in row.terms)
            prob += expr <= -1 + (hi + 1) * (1 - a[i])
            if k is not None:
                prob += a[i] <= k[i]
                prob += expr >= lo * (1 - k[i] + a[i])  # kept but not activated => Z_i >= 0
    S = model.test.const + pulp.lpSum(c * a[j] for j, c in model.test.terms)
    prob += (S <= -1) if model.test_needs_negative else (S >= 0)
    return prob, a, k
