"""The attack harness: one attack (``micropulse trust attack``) and the defense x tactic grid
(``micropulse trust grid``), following the DLD repo's protocol (specs/trust-and-vatmart.md §2.5):

1. the undefended and defended models are evaluated on the victim's whole test split (clean accuracy,
   label agreement, ECE, distortion);
2. ``n`` test inputs that the *undefended* model classifies correctly are drawn with ``seed``;
3. inputs the defended model already misclassifies count as fooled at query 0 (RND can do that);
4. Square attack runs on the rest through the defended model; robust accuracy = share of the ``n`` not
   fooled after q queries.

Outputs of one run in ``OUT``: ``summary.json``, ``curve.csv`` and ``curve.png``. The grid writes one
folder per cell (``cells/<defense>__<tactic>/``), skips cells whose summary exists with the same
settings (resume), and writes ``table.md``, ``table.csv`` and ``grid.png``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from micropulse import __version__
from micropulse.errors import InputError
from micropulse.progress import progress
from micropulse.registry import Registry
from micropulse.trust.defended import Defended, get_defense, list_defenses
from micropulse.trust.margins import true_margin
from micropulse.trust.metrics import clean_metrics, robust_curve, robustness
from micropulse.trust.square import square_attack
from micropulse.trust.store import read_json
from micropulse.trust.tactics import ADAPTIVE_TACTICS, create_tactic, list_tactics
from micropulse.trust.victims import Victim, load_victim

log = logging.getLogger(__name__)

ATTACKS: Registry[str] = Registry("attack")
ATTACKS.register("square-linf")("linf")
ATTACKS.register("square-l2")("l2")

GRID_DEFENSES = ("none", "aaa-linear", "aaa-sine", "in-rnd", "out-rnd", "dld")
GRID_TACTICS = ADAPTIVE_TACTICS + ("oracle-inverse",)


def list_attacks() -> list[str]:
    return ATTACKS.names()


@dataclass(frozen=True)
class AttackSettings:
    """Everything that determines one attack run (recorded in summary.json).

    Attributes:
        victim: victim name (:func:`~micropulse.trust.victims.load_victim`).
        defense: registered defense; defense_params: its parameters (defaults filled in).
        attack: ``square-linf`` or ``square-l2``; tactic: acceptance tactic.
        eps: perturbation radius in input units; queries: budget per input; n: inputs attacked.
        seed: seed of the input draw, the attack and the defense's noise.
        p_init: initial square fraction (None = the attack's default).
    """

    victim: str = "digits-mlp"
    defense: str = "dld"
    defense_params: dict[str, float] = field(default_factory=dict)
    attack: str = "square-linf"
    tactic: str = "none"
    eps: float = 0.05
    queries: int = 2500
    n: int = 500
    seed: int = 0
    p_init: float | None = None

    def checked(self) -> AttackSettings:
        """Validated copy with names normalised and the defense's defaults filled in."""
        spec = get_defense(self.defense)
        ATTACKS.get(self.attack)
        create_tactic(self.tactic, defense=spec.name, defense_params=self.defense_params)
        if not np.isfinite(self.eps) or self.eps <= 0:
            raise InputError(f"eps must be a finite number > 0, got {self.eps!r}")
        if self.queries < 1:
            raise InputError(f"queries must be >= 1, got {self.queries}")
        if self.n < 1:
            raise InputError(f"n must be >= 1, got {self.n}")
        return replace(self, defense=spec.name, attack=self.attack.lower(), tactic=self.tactic.lower(),
                       defense_params=spec.params(self.defense_params))  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _defended(victim: Victim, settings: AttackSettings, debug: bool = True) -> Defended:
    params = dict(settings.defense_params)
    if settings.defense == "in-rnd":  # input noise is clipped to the victim's own input range
        params.update(lo=victim.bounds[0], hi=victim.bounds[1])
    return Defended(victim.model, settings.defense, seed=settings.seed, debug=debug, **params)


def select_inputs(victim: Victim, raw_logits: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Indices of up to ``n`` test inputs the undefended model classifies correctly, drawn with ``seed``."""
    correct = np.flatnonzero(raw_logits.argmax(axis=1) == victim.y)
    order = np.random.default_rng(seed).permutation(correct)
    if len(order) < n:
        log.warning("only %d correctly classified test inputs for n=%d; attacking all of them", len(order), n)
    return np.sort(order[:n])


def run_attack(
    settings: AttackSettings, victim: Victim | None = None, *, out_dir: Path | None = None,
    cache: str | Path | None = None, show_progress: bool = False, plot: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """Run one attack and return its summary (also written to ``out_dir`` when given).

    Args:
        victim: a loaded victim (default: ``load_victim(settings.victim, cache=cache)``).
        show_progress: draw a progress bar over query rounds.
        plot: write ``curve.png`` beside the summary.
    """
    settings = settings.checked()
    victim = victim if victim is not None else load_victim(settings.victim, cache=cache)
    model = _defended(victim, settings)
    raw = model.raw(victim.x)
    clean = clean_metrics(raw, _defended(victim, settings)(victim.x), victim.y)
    idx = select_inputs(victim, raw, settings.n, settings.seed)
    if len(idx) == 0:
        raise InputError(f"victim {victim.name!r} classifies no test input correctly; nothing to attack")
    x, y = victim.x[idx], victim.y[idx]
    before = model(x)  # the attacker's first look at the clean inputs (not counted, as in the DLD repo)
    start_ok = true_margin(before, y) > 0
    model.queries = 0
    tactic = create_tactic(settings.tactic, defense=settings.defense, defense_params=settings.defense_params)
    t0 = time.perf_counter()
    with progress(settings.queries, f"{settings.defense} / {settings.tactic}", enabled=show_progress) as adv:
        res = square_attack(
            model, x[start_ok], y[start_ok], norm=ATTACKS.get(settings.attack), eps=settings.eps,
            budget=settings.queries, tactic=tactic, p_init=settings.p_init, seed=settings.seed,
            bounds=victim.bounds, advance=adv,
        )  # fmt: skip
    wall = time.perf_counter() - t0
    if model.queries != res.total_queries:  # every query must have gone through the defended model
        raise RuntimeError(
            f"query count mismatch: model saw {model.queries}, attack counted {res.total_queries}"
        )
    success_query = np.zeros(len(idx), dtype=np.int64)  # 0: fooled before the attack
    success_query[start_ok] = res.success_query
    curve = robust_curve(success_query, settings.queries)
    summary: dict[str, Any] = {
        **clean.to_dict(),
        **robustness(curve, success_query, settings.queries),
        "n_attacked": int(len(idx)), "n_test": int(len(victim.x)),
        "n_fooled_before_attack": int(np.sum(~start_ok)),
        "total_queries": int(res.total_queries), "wall_s": round(wall, 3),
        "queries_per_s": round(res.total_queries / wall, 1) if wall > 0 else None,
        "params": settings.to_dict(), "seed": settings.seed, "tactic_options": res.tactic_options,
        "defense": get_defense(settings.defense).to_dict(), "victim": victim.to_dict(),
        "micropulse_version": __version__,
    }  # fmt: skip
    if out_dir is not None:
        from micropulse.trust.report import write_run

        write_run(Path(out_dir), summary, curve, plot=plot)
    return summary


def _cell_name(defense: str, tactic: str) -> str:
    return f"{defense}__{tactic}"


def run_grid(
    base: AttackSettings, out_dir: Path, *, defenses: Sequence[str] = GRID_DEFENSES,
    tactics: Sequence[str] = GRID_TACTICS, victim: Victim | None = None, cache: str | Path | None = None,
    show_progress: bool = False, on_cell: Callable[[str, dict, bool], None] | None = None,
) -> dict[str, dict[str, dict]]:  # fmt: skip
    """Every defense x every tactic with ``base``'s other settings; finished cells are reused.

    ``defense_params`` of ``base`` are passed to each defense that has them (e.g. one tau for DLD and
    AAA). ``victim`` defaults to ``load_victim(base.victim, cache=cache)``. ``on_cell(name, summary,
    reused)`` is called after each cell. Returns
    ``{defense: {tactic: summary}}``.
    """
    for d in defenses:
        get_defense(d)
    for t in tactics:
        create_tactic(t)
    victim = victim if victim is not None else load_victim(base.victim, cache=cache)
    out_dir = Path(out_dir)
    results: dict[str, dict[str, dict]] = {}
    for d in defenses:
        spec = get_defense(d)
        params = {k: v for k, v in base.defense_params.items() if k in spec.defaults}
        for t in tactics:
            settings = replace(base, defense=spec.name, tactic=t, defense_params=params).checked()
            cell_dir = out_dir / "cells" / _cell_name(spec.name, t)
            done = _finished(cell_dir, settings)
            summary = (
                done
                if done is not None
                else run_attack(settings, victim, out_dir=cell_dir, show_progress=show_progress, plot=False)
            )
            results.setdefault(spec.name, {})[t] = summary
            if on_cell is not None:
                on_cell(_cell_name(spec.name, t), summary, done is not None)
    from micropulse.trust.report import write_grid

    write_grid(out_dir, results, base.queries)
    return results


def _finished(cell_dir: Path, settings: AttackSettings) -> dict | None:
    path = cell_dir / "summary.json"
    if not path.is_file():
        return None
    summary = read_json(path)
    if summary.get("params") != _jsonish(settings.to_dict()):
        log.info("settings changed for %s; running it again", cell_dir)
        return None
    return summary


def _jsonish(obj: Any) -> Any:
    import json

    return json.loads(json.dumps(obj))


__all__ = ["ADAPTIVE_TACTICS", "AttackSettings", "GRID_DEFENSES", "GRID_TACTICS", "list_attacks",
           "list_defenses", "list_tactics", "run_attack", "run_grid"]  # fmt: skip
