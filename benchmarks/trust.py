"""Dashed Line Defense on the digits victim: the defense x tactic table, the speed check, and the ME-TST
head, printed as JSON (issue 14; specs/trust-and-vatmart.md §2.5-2.7).

- table: Square L-inf (eps 0.2 by default, 2,500 queries, 500 inputs the undefended digits MLP gets right)
  through none / AAA-linear / AAA-sine / in-RND / out-RND / DLD, each against the tactics none, explore,
  sa, reverse, up, bi and oracle-inverse; robust accuracy at 100/500/1000/2500 queries, the worst case
  over the six tactics that do not know the defense, and the checks the issue names;
- radius: undefended and DLD (tactic none) robust accuracy at eps 0.05 and 0.1 (why the table uses 0.2);
- l2: Square L2 (eps 1.0) for a few cells;
- speed: 500 inputs x 2,500 queries through DLD on the digits MLP: wall time, queries/s, and the bare
  model's forward rate (inputs/s, batches of 500) measured in the same run;
- me-tst: micropulse's ME-TST recognition head in flow-feature space (eps 0.3, 100 queries, 20 windows:
  torch on this machine is slow, so the budget is small).

The grid is resumable (``--out``): rerun to finish an interrupted table.

Usage: python benchmarks/trust.py [--out DIR] [--n 500] [--queries 2500] [--eps 0.2] [--skip-me] [--skip-l2]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

from micropulse.trust import AttackSettings, load_victim, run_attack, run_grid
from micropulse.trust.harness import GRID_DEFENSES, GRID_TACTICS
from micropulse.trust.tactics import ADAPTIVE_TACTICS

ME_EPS = 0.3  # flow-feature units: about the 90th percentile of |feature| in the rendered windows


def forward_rate(model, x: np.ndarray, seconds: float = 3.0) -> float:
    """Inputs per second of the bare model on batches of len(x) (best of 3 timed loops)."""
    best = 0.0
    for _ in range(3):
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds / 3:
            model(x)
            n += len(x)
        best = max(best, n / (time.perf_counter() - t0))
    return best


def cell(summary: dict, budget: int) -> dict:
    return {"robust_acc": summary["robust_acc"], "asr_at_budget": summary["attack_success_rate"][str(budget)],
            "mean_queries": summary["mean_queries"], "median_queries": summary["median_queries"],
            "wall_s": summary["wall_s"]}  # fmt: skip


def table(results: dict, budget: int) -> dict:
    key = str(budget)
    out = {}
    for d, by in results.items():
        accs = {t: s["robust_acc"][key] for t, s in by.items()}
        adaptive = {t: a for t, a in accs.items() if t in ADAPTIVE_TACTICS}
        worst_t = min(adaptive, key=adaptive.get) if adaptive else None
        any_s = next(iter(by.values()))
        out[d] = {
            "clean_acc": any_s["clean_acc"], "defended_clean_acc": any_s["defended_clean_acc"],
            "label_agreement": any_s["label_agreement"], "ece": any_s["ece"],
            "ece_undefended": any_s["ece_undefended"], "max_abs_delta_logit": any_s["max_abs_delta_logit"],
            "mean_abs_delta_top1_prob": any_s["mean_abs_delta_top1_prob"],
            "robust_acc_at_budget": accs, "worst_adaptive": {"tactic": worst_t, "robust_acc": adaptive.get(worst_t)},
            "cells": {t: cell(s, budget) for t, s in by.items()},
        }  # fmt: skip
    return out


def checks(tab: dict, budget: int) -> dict:
    """The issue's claims, as measured (no pass/fail tuning: the numbers are reported either way)."""

    def acc(d, t, q=budget):
        return tab[d]["cells"][t]["robust_acc"][str(q)]

    small = "100" if "100" in tab["none"]["cells"]["none"]["robust_acc"] else str(budget)
    return {
        "undefended_asr_at_small_budget": {"queries": int(small), "asr": 1 - acc("none", "none", small)},
        "aaa_linear_reverse_vs_none_asr": [1 - acc("aaa-linear", "reverse"), 1 - acc("aaa-linear", "none")],
        "aaa_sine_reverse_vs_none_asr": [1 - acc("aaa-sine", "reverse"), 1 - acc("aaa-sine", "none")],
        "worst_adaptive_robust_acc": {d: tab[d]["worst_adaptive"] for d in tab},
        "oracle_inverse_vs_dld_asr": 1 - acc("dld", "oracle-inverse"),
        "undefended_asr": 1 - acc("none", "none"),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("trust-benchmark"))
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--queries", type=int, default=2500)
    ap.add_argument("--eps", type=float, default=0.2)
    ap.add_argument("--cache", type=Path, default=None)
    ap.add_argument("--skip-me", action="store_true")
    ap.add_argument("--skip-l2", action="store_true")
    args = ap.parse_args()
    report: dict = {"machine": platform.machine(), "python": platform.python_version(), "n": args.n,
                    "queries": args.queries, "eps": args.eps}  # fmt: skip

    victim = load_victim("digits-mlp", cache=args.cache)
    raw = victim.model(victim.x)
    srt = np.sort(raw, axis=1)
    report["victim"] = {**victim.to_dict(), "median_top1_margin": float(np.median(srt[:, -1] - srt[:, -2]))}

    # speed: DLD + Square L-inf, 500 x 2500, against the bare forward rate in this run
    speed = AttackSettings(victim="digits-mlp", defense="dld", tactic="none", eps=args.eps,
                           queries=args.queries, n=args.n, seed=0)  # fmt: skip
    t0 = time.perf_counter()
    s = run_attack(speed, victim)
    total = time.perf_counter() - t0
    x = victim.x[: args.n] if len(victim.x) >= args.n else victim.x
    rate = forward_rate(victim.model, x)
    report["speed"] = {
        "attack_wall_s": s["wall_s"], "run_wall_s_with_clean_eval": round(total, 3),
        "total_queries": s["total_queries"], "queries_per_s": s["queries_per_s"],
        "bare_forward_inputs_per_s": round(rate, 1),
        "attack_rate_over_forward_rate": round(s["queries_per_s"] / rate, 3),
        "within_60_s": s["wall_s"] <= 60.0,
    }  # fmt: skip
    print(json.dumps({"speed": report["speed"]}), flush=True)

    base = AttackSettings(victim="digits-mlp", eps=args.eps, queries=args.queries, n=args.n, seed=0)
    t0 = time.perf_counter()
    results = run_grid(base, args.out / "linf", defenses=GRID_DEFENSES, tactics=GRID_TACTICS, victim=victim)
    tab = table(results, args.queries)
    report["table_linf"] = tab
    report["table_linf_wall_s"] = round(time.perf_counter() - t0, 1)
    report["table_linf_markdown"] = (args.out / "linf" / "table.md").read_text()
    report["checks"] = checks(tab, args.queries)

    radius = {}
    for eps in (0.05, 0.1):
        for d in ("none", "dld"):
            r = run_attack(AttackSettings(victim="digits-mlp", defense=d, eps=eps, queries=args.queries,
                                          n=args.n, seed=0), victim)  # fmt: skip
            radius[f"eps={eps:g} {d}/none"] = r["robust_acc"]
    report["radius"] = radius

    if not args.skip_l2:
        l2 = {}
        for d, t in [("none", "none"), ("aaa-linear", "none"), ("aaa-linear", "reverse"), ("dld", "none"),
                     ("dld", "reverse"), ("dld", "oracle-inverse")]:  # fmt: skip
            r = run_attack(AttackSettings(victim="digits-mlp", defense=d, tactic=t, attack="square-l2", eps=1.0,
                                          queries=args.queries, n=args.n, seed=0), victim)  # fmt: skip
            l2[f"{d}/{t}"] = r["robust_acc"]
        report["l2_eps1"] = l2

    if not args.skip_me:
        import torch

        torch.set_num_threads(1)  # tiny batches on a shared 2-core machine: one thread is far faster
        me = load_victim("me-tst", cache=args.cache)
        rows = {}
        for d, t in [("none", "none"), ("dld", "none"), ("dld", "reverse"), ("dld", "oracle-inverse")]:
            r = run_attack(AttackSettings(victim="me-tst", defense=d, tactic=t, eps=ME_EPS, queries=100, n=20,
                                          seed=0), me)  # fmt: skip
            rows[f"{d}/{t}"] = {"robust_acc": r["robust_acc"], "clean_acc": r["clean_acc"],
                                "defended_clean_acc": r["defended_clean_acc"], "wall_s": r["wall_s"]}  # fmt: skip
        report["me_tst"] = {
            "victim": me.to_dict(),
            "eps_feature_units": ME_EPS,
            "queries": 100,
            "n": 20,
            "cells": rows,
        }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
