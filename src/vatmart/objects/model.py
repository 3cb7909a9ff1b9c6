"""Articulated-object geometry as plain data: links made of boxes, joints between them.

Frame convention of every object (metres, radians): the base link's origin is on the floor at the centre
of the footprint, +x points out of the front face, +z up. A part is *closed* at its joint's lower limit and
opening increases the joint value (doors swing out of the front face, drawers slide along +x).
"""

from __future__ import annotations

from dataclasses import dataclass, field

Vec3 = tuple[float, float, float]

#: Joint types that can be acted on (URDF names).
ARTICULATED_JOINT_TYPES = ("revolute", "continuous", "prismatic")


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in its link's frame: full ``size`` (m) and ``center`` (m)."""

    size: Vec3
    center: Vec3


@dataclass(frozen=True)
class Link:
    """A rigid link: its boxes, total mass (kg), RGBA colour and a semantic label (``door``, ``handle``...)."""

    name: str
    boxes: tuple[Box, ...]
    mass: float
    rgba: tuple[float, float, float, float] = (0.7, 0.7, 0.7, 1.0)
    label: str = "body"


@dataclass(frozen=True)
class Joint:
    """A URDF joint from ``parent`` to ``child``; ``origin`` is the child frame in the parent frame (m).

    ``lower``/``upper`` are the limits (rad for revolute, m for prismatic); ``damping`` is in N·m·s/rad
    (revolute) or N·s/m (prismatic), ``friction`` in N·m or N.
    """

    name: str
    type: str
    parent: str
    child: str
    origin: Vec3
    axis: Vec3 = (1.0, 0.0, 0.0)
    lower: float = 0.0
    upper: float = 0.0
    damping: float = 0.0
    friction: float = 0.0


@dataclass(frozen=True)
class ArticulatedModel:
    """Links and joints of one object; ``category`` names its generator, ``seed`` its randomisation."""

    name: str
    category: str
    links: tuple[Link, ...]
    joints: tuple[Joint, ...]
    seed: int = 0
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    def link(self, name: str) -> Link:
        """The link called ``name`` (KeyError if absent)."""
        for lk in self.links:
            if lk.name == name:
                return lk
        raise KeyError(name)

    def articulated_joints(self) -> tuple[Joint, ...]:
        """The joints a task can act on, in file order."""
        return tuple(j for j in self.joints if j.type in ARTICULATED_JOINT_TYPES)


def box_inertia(mass: float, size: Vec3) -> Vec3:
    """Principal moments (kg·m²) of a solid box of ``mass`` (kg) and full ``size`` (m)."""
    x, y, z = size
    return (mass * (y * y + z * z) / 12.0, mass * (x * x + z * z) / 12.0, mass * (x * x + y * y) / 12.0)


def link_inertial(link: Link) -> tuple[Vec3, Vec3]:
    """Centre of mass (m) and diagonal inertia (kg·m², about the COM, axis-aligned) of a link.

    The mass is spread over the boxes in proportion to their volume; the parallel-axis theorem gives the
    combined moments (products of inertia are dropped, a small error for these near-symmetric parts).
    """
    vols = [b.size[0] * b.size[1] * b.size[2] for b in link.boxes]
    total = sum(vols) or 1.0
    masses = [link.mass * v / total for v in vols]
    com = tuple(
        sum(m * b.center[i] for m, b in zip(masses, link.boxes, strict=False)) / link.mass for i in range(3)
    )
    inertia = [0.0, 0.0, 0.0]
    for m, b in zip(masses, link.boxes, strict=False):
        own = box_inertia(m, b.size)
        d = [b.center[i] - com[i] for i in range(3)]
        inertia[0] += own[0] + m * (d[1] ** 2 + d[2] ** 2)
        inertia[1] += own[1] + m * (d[0] ** 2 + d[2] ** 2)
        inertia[2] += own[2] + m * (d[0] ** 2 + d[1] ** 2)
    return (com[0], com[1], com[2]), (max(inertia[0], 1e-6), max(inertia[1], 1e-6), max(inertia[2], 1e-6))
