"""Data debugging for SGD-trained linear classifiers (DEBUGGABLE, arXiv 2408.01365; specs §3).

Given training data in order, a loss, SGD settings and a test point the trained model gets wrong: is
there a subset whose retrained model gets it right, and which samples should be removed?

>>> from micropulse.trust.debug import subset_sum_instance, solve, verify
>>> inst = subset_sum_instance([3, 5, 7], 8)      # debuggable iff a subset sums to 8
>>> res = solve(inst, solver="brute")
>>> res.debuggable, res.removed, verify(inst, res.keep)
(True, [2], True)

Exact solvers (:func:`list_solvers`): ``brute`` (any loss, n <= 22), ``gta`` (linear loss; 1-D hinge with
beta > 0, one epoch), ``milp`` (one-epoch hinge/linear, any dimension). Heuristics
(:func:`list_heuristics`) carry no guarantee. ``solve(..., solver="auto")`` picks and says why.
"""

from __future__ import annotations

from micropulse.trust.debug.batch import BatchReplay, replay_batch
from micropulse.trust.debug.brute import brute_force
from micropulse.trust.debug.csvio import LabelledData, read_labelled_csv
from micropulse.trust.debug.generators import (
    mispredicting,
    one_in_three_sat_instance,
    one_in_three_yes,
    random_instance,
    subset_sum_instance,
    subset_sum_yes,
)
from micropulse.trust.debug.gta import beta_zero_counterexample, good_mask, gta, tractable_class
from micropulse.trust.debug.head import HeadProblem, linear_head_instance
from micropulse.trust.debug.heuristics import list_heuristics, run_heuristic
from micropulse.trust.debug.instance import Instance
from micropulse.trust.debug.losses import (
    HingeLoss,
    LinearLoss,
    LogisticLoss,
    Ramp,
    RampSumLoss,
    create_loss,
    list_losses,
)
from micropulse.trust.debug.milp import milp
from micropulse.trust.debug.result import InstanceTooLargeError, SolveResult, SolverNotApplicableError
from micropulse.trust.debug.sgd import Replay, replay, verify
from micropulse.trust.debug.solvers import list_solvers, solve

__all__ = [
    "BatchReplay", "HeadProblem", "HingeLoss", "Instance", "InstanceTooLargeError", "LabelledData",
    "LinearLoss", "LogisticLoss", "Ramp", "RampSumLoss", "Replay", "SolveResult", "SolverNotApplicableError",
    "beta_zero_counterexample", "brute_force", "create_loss", "good_mask", "gta", "linear_head_instance",
    "list_heuristics", "list_losses", "list_solvers", "milp", "mispredicting", "one_in_three_sat_instance", "one_in_three_yes",
    "random_instance", "read_labelled_csv", "replay", "replay_batch", "run_heuristic", "solve",
    "subset_sum_instance", "subset_sum_yes", "tractable_class", "verify",
]  # fmt: skip
