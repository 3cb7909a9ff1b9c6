"""Tasks (push/pull door, push/pull drawer), their ranges and VAT-Mart's success rule.

A task asks to move one part by ``amount``: radians for doors (10-70 degrees), metres for drawers
(5-25 cm). Pull tasks open (increase the joint value), push tasks close (decrease it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from vatmart.errors import TaskRangeError, UnknownNameError

TASK_KINDS = ("push-door", "pull-door", "push-drawer", "pull-drawer")
#: Allowed task amounts per part kind: doors in rad (10-70 degrees), drawers in m (5-25 cm).
TASK_RANGES = {"door": (math.radians(10.0), math.radians(70.0)), "drawer": (0.05, 0.25)}
#: VAT-Mart's evaluation rule: success iff |achieved - task| <= 15 % of the task.
EVAL_TOLERANCE = 0.15
#: The stricter rule of VAT-Mart's RL reward (10 %).
RL_TOLERANCE = 0.10


@dataclass(frozen=True)
class Task:
    """``kind`` is one of :data:`TASK_KINDS`; ``amount`` in rad (doors) or m (drawers), always > 0."""

    kind: str
    amount: float

    def __post_init__(self) -> None:
        if self.kind not in TASK_KINDS:
            raise UnknownNameError(f"unknown task {self.kind!r}; known: {', '.join(TASK_KINDS)}")
        lo, hi = TASK_RANGES[self.part_kind]
        if not (lo - 1e-9 <= self.amount <= hi + 1e-9):
            raise TaskRangeError(
                f"{self.kind} amount {self.describe_amount(self.amount)} is outside "
                f"{self.describe_amount(lo)}..{self.describe_amount(hi)}"
            )

    @property
    def part_kind(self) -> str:
        """``door`` or ``drawer``."""
        return self.kind.split("-")[1]

    @property
    def direction(self) -> int:
        """+1 for pull (open), -1 for push (close)."""
        return 1 if self.kind.startswith("pull") else -1

    @property
    def normalised(self) -> float:
        """The amount divided by the top of its range (0.14-1 for doors, 0.2-1 for drawers)."""
        return self.amount / TASK_RANGES[self.part_kind][1]

    def describe_amount(self, value: float) -> str:
        """``value`` in user units: degrees for doors, centimetres for drawers."""
        return f"{math.degrees(value):.1f} deg" if self.part_kind == "door" else f"{value * 100:.1f} cm"

    @classmethod
    def from_user_units(cls, kind: str, value: float) -> Task:
        """Build from degrees (doors) or centimetres (drawers), as the CLI takes them."""
        if kind not in TASK_KINDS:
            raise UnknownNameError(f"unknown task {kind!r}; known: {', '.join(TASK_KINDS)}")
        amount = math.radians(value) if kind.endswith("door") else value / 100.0
        return cls(kind, amount)


def achieved_amount(task: Task, q_start: float, q_end: float) -> float:
    """How far the part moved in the task's direction (rad or m); negative when it moved the wrong way."""
    return task.direction * (q_end - q_start)


def is_success(task_amount: float, achieved: float, *, tolerance: float = EVAL_TOLERANCE) -> bool:
    """VAT-Mart's rule: ``|achieved - task| <= tolerance * task`` (``task_amount`` > 0)."""
    if not task_amount > 0:
        raise TaskRangeError(f"task amount must be > 0, got {task_amount}")
    return abs(achieved - task_amount) <= tolerance * task_amount
