"""Output files of the harness: ``summary.json``, ``curve.csv``, ``curve.png`` for one run; ``table.md``,
``table.csv`` and ``grid.png`` for the defense x tactic grid. All writes are atomic."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np

from micropulse.errors import FileFormatError
from micropulse.trust.store import atomic_write, write_json
from micropulse.trust.tactics import ADAPTIVE_TACTICS

CURVE_COLUMNS = ("queries", "robust_acc", "attack_success_rate")


def curve_csv(curve: np.ndarray) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CURVE_COLUMNS)
    for q, acc in enumerate(curve):
        w.writerow([q, f"{acc:.6f}", f"{1.0 - acc:.6f}"])
    return buf.getvalue()


def read_curve(path: Path) -> np.ndarray:
    """Robust accuracy per query count from a ``curve.csv``."""
    try:
        data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    except (OSError, ValueError) as exc:
        raise FileFormatError(f"cannot read the curve ({exc})", path) from None
    return data[:, 1]


def _savefig(fig: Any, path: Path) -> None:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    atomic_write(path, buf.getvalue())


def _figure(ncols: int = 1, nrows: int = 1, size: tuple[float, float] = (5.5, 3.6)):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt.subplots(nrows, ncols, figsize=(size[0] * ncols, size[1] * nrows), squeeze=False)


def _title(summary: dict) -> str:
    p = summary["params"]
    return f"{p['victim']}, {p['attack']} eps={p['eps']:g}, n={summary['n_attacked']}"


def write_run(out_dir: Path, summary: dict, curve: np.ndarray, plot: bool = True) -> None:
    """``curve.csv`` (and ``curve.png``) first, ``summary.json`` last: a summary means a finished run."""
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(out_dir / "curve.csv", curve_csv(curve))
    if plot:
        fig, ax = _figure()
        p = summary["params"]
        ax[0, 0].plot(np.arange(len(curve)), curve, label=f"{p['defense']} / {p['tactic']}")
        _axes(ax[0, 0], _title(summary))
        _savefig(fig, out_dir / "curve.png")
    write_json(out_dir / "summary.json", summary)


def _axes(ax: Any, title: str) -> None:
    ax.set_xlabel("queries per input")
    ax.set_ylabel("robust accuracy")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.1f}"


def grid_rows(results: dict[str, dict[str, dict]], budget: int) -> list[dict[str, Any]]:
    """One flat row per cell: defense, tactic, clean metrics, robust accuracy at every report budget."""
    rows = []
    for d, by_tactic in results.items():
        for t, s in by_tactic.items():
            row = {"defense": d, "tactic": t, "clean_acc": s["clean_acc"],
                   "defended_clean_acc": s["defended_clean_acc"], "label_agreement": s["label_agreement"],
                   "ece": s["ece"]}  # fmt: skip
            row.update({f"robust_acc@{q}": v for q, v in s["robust_acc"].items()})
            row.update({"mean_queries": s["mean_queries"], "median_queries": s["median_queries"],
                        "n_attacked": s["n_attacked"], "wall_s": s["wall_s"]})  # fmt: skip
            rows.append(row)
    return rows


def grid_markdown(results: dict[str, dict[str, dict]], budget: int) -> str:
    """The paper-style table: robust accuracy (%) at ``budget`` queries, defenses x tactics, with the
    worst case over the adaptive tactics and the oracle-inverse attacker apart."""
    tactics = list(dict.fromkeys(t for by in results.values() for t in by))
    adaptive = [t for t in tactics if t in ADAPTIVE_TACTICS]
    head = ["defense", "clean acc", *tactics] + (["worst adaptive"] if adaptive else [])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    key = str(budget)
    for d, by in results.items():
        vals = {t: by[t]["robust_acc"].get(key) for t in by}
        any_s = next(iter(by.values()))
        cells = [d, _pct(any_s["defended_clean_acc"])] + [_pct(vals.get(t)) for t in tactics]
        if adaptive:
            worst = [vals[t] for t in adaptive if vals.get(t) is not None]
            cells.append(_pct(min(worst)) if worst else "-")
        lines.append("| " + " | ".join(cells) + " |")
    any_s = next(iter(next(iter(results.values())).values()))
    p = any_s["params"]
    note = (f"\nRobust accuracy (%) after {budget} queries per input; {p['victim']}, {p['attack']}, "
            f"eps={p['eps']:g}, n={any_s['n_attacked']}, seed={p['seed']}. Clean acc = defended clean accuracy.\n")  # fmt: skip
    return "\n".join(lines) + "\n" + note


def write_grid(out_dir: Path, results: dict[str, dict[str, dict]], budget: int) -> None:
    """``table.md``, ``table.csv`` and ``grid.png`` (robust accuracy vs queries, one panel per defense)."""
    rows = grid_rows(results, budget)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    atomic_write(out_dir / "table.csv", buf.getvalue())
    atomic_write(out_dir / "table.md", grid_markdown(results, budget))
    n = len(results)
    ncols = min(3, n)
    fig, axes = _figure(ncols, (n + ncols - 1) // ncols, size=(4.4, 3.2))
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    for ax, (d, by) in zip(axes.ravel(), results.items(), strict=False):
        for t in by:
            curve = read_curve(out_dir / "cells" / f"{d}__{t}" / "curve.csv")
            ax.plot(np.arange(len(curve)), curve, label=t, lw=1.2)
        _axes(ax, d)
    _savefig(fig, out_dir / "grid.png")
    write_json(out_dir / "grid.json", {"budget": budget, "cells": rows})
