"""What every solver and heuristic returns, and the errors they raise."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from micropulse.errors import InputError
from micropulse.trust.debug.sgd import Replay


class InstanceTooLargeError(InputError):
    """The instance is too big for the chosen exact solver (e.g. brute force past its size limit)."""


class SolverNotApplicableError(InputError):
    """The chosen solver is not exact (or not defined) for this instance's loss, dimension or epochs."""


@dataclass(frozen=True, eq=False)
class SolveResult:
    """The answer to DEBUGGABLE for one instance.

    Attributes:
        solver: the solver or heuristic that produced the answer.
        debuggable: True when some subset's retrained model predicts y_test (then ``keep`` is a verified
            certificate). False means "no" when ``exact`` is True, and "none found" otherwise.
        keep: boolean mask of the samples to keep (None when not debuggable).
        exact: whether the answer is proven (a verified certificate, or an exhaustive/exact "no").
        work: counts of the work done (masks tried, replays, nodes, seconds...).
        tractable_class: the class that made an exact polynomial solver applicable, if any.
        notes: human-readable remarks (why a solver was chosen, fallbacks, caveats).
        replay: the model retrained on ``keep`` (None when not debuggable).
    """

    solver: str
    debuggable: bool
    keep: np.ndarray | None
    exact: bool
    work: dict = field(default_factory=dict)
    tractable_class: str | None = None
    notes: tuple[str, ...] = ()
    replay: Replay | None = None

    @property
    def removed(self) -> list[int]:
        """Indices (0-based, in training order) of the samples to remove; [] when not debuggable."""
        return [] if self.keep is None else np.flatnonzero(~self.keep).tolist()

    def to_dict(self) -> dict:
        return {
            "solver": self.solver,
            "debuggable": self.debuggable,
            "exact": self.exact,
            "removed": self.removed,
            "n_removed": len(self.removed),
            "keep": None if self.keep is None else self.keep.astype(int).tolist(),
            "tractable_class": self.tractable_class,
            "work": dict(self.work),
            "notes": list(self.notes),
            "retrained": None if self.replay is None else self.replay.to_dict(),
        }
