"""Data-debugging benchmark (issue 15): prints one JSON document.

    python benchmarks/debug.py [--plot debug_scaling.png] [--random 200] [--reductions 40] [--seed 0]
                               [--brute-max 20] [--milp-max 60] [--gta-max 100000] [--quick]

Two parts:

* ``heuristics``: each heuristic's success rate against the exact answer (brute force), i.e. the share of
  debuggable instances on which it returns a (verified) certificate, on random instances (n 4-12, d 1-3,
  hinge and linear, beta in {-1, -1/2, 0, 1/2, 1}), on Theorem 4.3 (Subset Sum) yes-instances and on
  Theorem 3.1 (1-in-3 SAT) yes-instances. ``false_yes`` counts certificates on no-instances (must be 0:
  every certificate is verified exactly).
* ``scaling``: wall-clock seconds against n for brute force and the MILP on Theorem 4.3 no-instances
  (values even, target odd: the whole search space must be refuted; parity is hard for LP-based
  branch and bound), for the MILP on random hinge instances (d = 3), and for GTA on random linear-loss
  instances. ``growth`` fits log2(seconds) ~ n (brute force: doublings per added sample) and
  log(seconds) ~ log(n) (GTA: the exponent, ~1 for linear time). A PNG plot goes to ``--plot``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from fractions import Fraction

import numpy as np

from micropulse.trust.debug import (
    list_heuristics,
    one_in_three_sat_instance,
    one_in_three_yes,
    random_instance,
    run_heuristic,
    solve,
    subset_sum_instance,
    subset_sum_yes,
)

BETAS = (Fraction(-1), Fraction(-1, 2), Fraction(0), Fraction(1, 2), Fraction(1))
MILP_LIMIT_S = 120.0


def _score(instances: list, seed: int) -> dict:
    """Success rate of every heuristic on the debuggable instances of ``instances`` (with exact truth)."""
    names = list_heuristics()
    found = dict.fromkeys(names, 0)
    false_yes = dict.fromkeys(names, 0)
    seconds = dict.fromkeys(names, 0.0)
    n_yes = 0
    for k, (inst, truth) in enumerate(instances):
        n_yes += truth
        for name in names:
            t0 = time.perf_counter()
            res = run_heuristic(name, inst, seed=seed + k)
            seconds[name] += time.perf_counter() - t0
            found[name] += res.debuggable and truth
            false_yes[name] += res.debuggable and not truth
    return {
        "instances": len(instances), "debuggable": n_yes,
        "success_rate": {h: round(found[h] / n_yes, 4) if n_yes else None for h in names},
        "false_yes": false_yes, "mean_ms": {h: round(1e3 * seconds[h] / max(1, len(instances)), 2) for h in names},
    }  # fmt: skip


def heuristics_part(args: argparse.Namespace) -> dict:
    rng = np.random.default_rng(args.seed)
    rand = []
    for s in range(args.random):
        inst = random_instance(
            n=int(rng.integers(4, 13)), d=int(rng.integers(1, 4)), loss=("hinge", "linear")[s % 2],
            beta=BETAS[s % len(BETAS)], denominators=(1, 2, 3), seed=args.seed * 100_000 + s,
        )  # fmt: skip
        rand.append((inst, solve(inst, "brute").debuggable))
    ss, sat = [], []
    while len(ss) < args.reductions:
        n = int(rng.integers(3, 9))
        values = rng.integers(1, 16, size=n).tolist()
        target = int(rng.integers(1, sum(values)))
        if subset_sum_yes(values, target):
            ss.append((subset_sum_instance(values, target, BETAS[len(ss) % 5], seed=len(ss)), True))
    while len(sat) < args.reductions:
        n_vars = int(rng.integers(3, 6))
        clauses = [tuple(rng.integers(0, n_vars, size=3).tolist()) for _ in range(int(rng.integers(1, 4)))]
        if one_in_three_yes(clauses, n_vars):
            sat.append((one_in_three_sat_instance(clauses, n_vars, seed=len(sat)), True))
    return {
        "random": _score(rand, args.seed),
        "random_hinge_d2_d3": _score([c for c in rand if c[0].is_hinge and c[0].d >= 2], args.seed),
        "theorem_4_3_subset_sum_yes": _score(ss, args.seed),
        "theorem_3_1_one_in_three_sat_yes": _score(sat, args.seed),
    }


def _timed(fn, *a, **k) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(*a, **k)
    return time.perf_counter() - t0, out


def _no_instance(n_values: int, rng: np.random.Generator):
    values = (2 * rng.integers(1, 20, size=n_values)).tolist()  # all even
    target = 2 * int(rng.integers(1, sum(values) // 2)) + 1  # odd: unreachable
    return subset_sum_instance(values, target, Fraction(1, 2), seed=n_values)


def scaling_part(args: argparse.Namespace) -> dict:
    rng = np.random.default_rng(args.seed + 1)
    brute, milp, gta = [], [], []
    for n_values in range(5, args.brute_max - 2, 2):
        inst = _no_instance(n_values, rng)
        sec, res = _timed(solve, inst, "brute", brute_max_n=args.brute_max)
        assert not res.debuggable and res.exact
        brute.append({"n": inst.n, "seconds": round(sec, 4), "masks": res.work["masks_tried"]})
    for n_values in range(5, args.milp_max - 2, 4):
        inst = _no_instance(n_values, rng)
        sec, res = _timed(solve, inst, "milp", time_limit_s=MILP_LIMIT_S)
        milp.append(
            {"n": inst.n, "seconds": round(sec, 4), "exact_no": bool(res.exact and not res.debuggable)}
        )
    milp_random = []
    for n in (10, 25, 50, 100, 200, 400):
        inst = random_instance(n=n, d=3, loss="hinge", beta=Fraction(1, 2), denominators=(1, 2, 3), seed=n)
        sec, res = _timed(solve, inst, "milp", time_limit_s=MILP_LIMIT_S)
        milp_random.append(
            {"n": n, "seconds": round(sec, 4), "debuggable": res.debuggable, "exact": res.exact}
        )
    n = 100
    while n <= args.gta_max:
        inst = random_instance(n=n, d=3, loss="linear", denominators=(1, 2, 3), seed=n, mispredict=True)
        sec, res = _timed(solve, inst, "gta")
        gta.append({"n": n, "seconds": round(sec, 4), "debuggable": res.debuggable})
        n *= 10
    return {"brute_force_theorem_4_3_no": brute, "milp_theorem_4_3_no": milp, "milp_random_hinge_d3": milp_random,
            "gta_linear_d3": gta, "growth": _growth(brute, milp, gta)}  # fmt: skip


def _growth(brute: list, milp: list, gta: list) -> dict:
    def slope(xs, ys) -> float | None:
        return round(float(np.polyfit(xs, ys, 1)[0]), 3) if len(xs) >= 2 else None

    big = [r for r in brute if r["seconds"] > 0.05]  # past fixed overheads
    return {
        "brute_doublings_per_sample": slope([r["n"] for r in big], [np.log2(r["seconds"]) for r in big]),
        "milp_doublings_per_sample": slope([r["n"] for r in milp], [np.log2(r["seconds"]) for r in milp]),
        "milp_loglog_exponent": slope([np.log(r["n"]) for r in milp], [np.log(r["seconds"]) for r in milp]),
        "gta_loglog_exponent": slope(
            [np.log(r["n"]) for r in gta[1:]], [np.log(r["seconds"]) for r in gta[1:]]
        ),
    }


def plot(scaling: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for key, label in (("brute_force_theorem_4_3_no", "brute force (Thm 4.3 no-instances)"),
                       ("milp_theorem_4_3_no", "MILP, PuLP+CBC (Thm 4.3 no-instances)"),
                       ("milp_random_hinge_d3", "MILP (random hinge, d = 3)"),
                       ("gta_linear_d3", "GTA (linear loss, d = 3)")):  # fmt: skip
        rows = scaling[key]
        ax.plot([r["n"] for r in rows], [r["seconds"] for r in rows], "o-", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training samples n")
    ax.set_ylabel("seconds (wall clock)")
    ax.set_title("DEBUGGABLE solvers: time vs n")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plot", default="debug_scaling.png", help="PNG path for the time-vs-n plot")
    ap.add_argument("--random", type=int, default=200, help="random instances for the heuristic scores")
    ap.add_argument("--reductions", type=int, default=40, help="yes-instances per reduction")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--brute-max", type=int, default=20, help="largest n for brute force")
    ap.add_argument("--milp-max", type=int, default=32, help="largest n for the MILP on Thm 4.3 no-instances")
    ap.add_argument("--gta-max", type=int, default=100_000, help="largest n for GTA")
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    args = ap.parse_args()
    if args.quick:
        args.random, args.reductions, args.brute_max, args.milp_max, args.gta_max = 30, 8, 12, 16, 1000
    t0 = time.perf_counter()
    out = {"heuristics": heuristics_part(args), "scaling": scaling_part(args)}
    plot(out["scaling"], args.plot)
    out.update({"plot": args.plot, "seconds": round(time.perf_counter() - t0, 1), "loadavg": os.getloadavg()})
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
