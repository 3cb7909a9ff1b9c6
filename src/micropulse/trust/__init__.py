"""Trust tools for the classifiers micropulse serves: the Dashed Line Defense against score-based query
attacks, the AAA and RND baselines, Square attacks with adaptive acceptance tactics, and a harness that
runs every defense against every tactic (specs/trust-and-vatmart.md §2).

Threat model: the attacker sees the scores (logits) the served classifier returns and searches, query by
query, for an input in an eps-ball that flips the label, accepting or rejecting candidates by the margin
it observes; the defender may only post-process what it returns and must keep every predicted label.

>>> import numpy as np
>>> from micropulse.trust import dld, Defended
>>> z = np.array([[3.0, 1.0, -2.0]])
>>> bool(np.argmax(dld(z)) == 0)
True

numpy only at import time; torch is imported when a torch model is wrapped or trained.
"""

from __future__ import annotations

from micropulse.trust.defended import (
    DEFENSES,
    Defended,
    DefenseSpec,
    LabelChangedError,
    get_defense,
    in_rnd,
    list_defenses,
)
from micropulse.trust.defenses import (
    aaa_linear,
    aaa_linear_invert_margin,
    aaa_linear_margin,
    aaa_sine,
    aaa_sine_margin,
    dld,
    dld_high,
    dld_invert_margin,
    dld_margin,
    out_rnd,
)
from micropulse.trust.harness import AttackSettings, list_attacks, run_attack, run_grid
from micropulse.trust.margins import top1_margin, true_margin
from micropulse.trust.metrics import CleanMetrics, clean_metrics, ece, softmax
from micropulse.trust.square import AttackResult, square_attack
from micropulse.trust.tactics import ADAPTIVE_TACTICS, Tactic, create_tactic, list_tactics
from micropulse.trust.victims import Victim, list_victims, load_victim

__all__ = [
    "ADAPTIVE_TACTICS", "AttackResult", "AttackSettings", "CleanMetrics", "DEFENSES", "Defended",
    "DefenseSpec", "LabelChangedError", "Tactic", "Victim", "aaa_linear", "aaa_linear_invert_margin",
    "aaa_linear_margin", "aaa_sine", "aaa_sine_margin", "clean_metrics", "create_tactic", "dld", "dld_high",
    "dld_invert_margin", "dld_margin", "ece", "get_defense", "in_rnd", "list_attacks", "list_defenses",
    "list_tactics", "list_victims", "load_victim", "out_rnd", "run_attack", "run_grid", "softmax",
    "square_attack", "top1_margin", "true_margin",
]  # fmt: skip
