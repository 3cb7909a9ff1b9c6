"""Named errors of vatmart. Each is a :class:`micropulse.errors.MicropulseError` (the shared base type),
so the ``vatmart`` CLI turns any of them into a one-line message and exit code 2.
"""

from __future__ import annotations

from micropulse.errors import FileFormatError, InputError, MicropulseError, UnknownNameError

__all__ = [
    "CheckpointError",
    "FileFormatError",
    "InputError",
    "MicropulseError",
    "NoArticulationError",
    "NoMovablePointsError",
    "ShardError",
    "TaskRangeError",
    "UnknownNameError",
]


class NoArticulationError(FileFormatError):
    """A URDF (or PartNet-Mobility folder) has no revolute, continuous or prismatic joint to act on."""


class NoMovablePointsError(InputError):
    """A point cloud has no point on the movable (target) part, so no contact point can be chosen."""


class TaskRangeError(InputError):
    """A task amount is outside its range (doors 10-70 degrees, drawers 5-25 cm) or the joint's limits."""


class CheckpointError(MicropulseError):
    """A model checkpoint is missing, unreadable or was written by an incompatible configuration."""


class ShardError(FileFormatError):
    """An interaction shard is unreadable or does not hold the expected arrays."""
