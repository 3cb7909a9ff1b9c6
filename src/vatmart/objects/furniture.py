"""Build an :class:`ArticulatedModel` of box furniture from a front layout (cells with doors or drawers).

The body is an open box (back, sides, top, bottom, dividers); each cell of the front holds a revolute door
(hinged left or right) or a prismatic drawer (front panel + tray), each with a handle link fixed to it.
All lengths in metres, angles in radians, masses in kg.
"""

from __future__ import annotations

from dataclasses import dataclass

from vatmart.objects.model import ArticulatedModel, Box, Joint, Link

#: Gap between a moving part and its cell edges (m).
PART_GAP = 0.004
#: Density used for the panels' masses (kg/m³), a light wood.
PANEL_DENSITY = 500.0
#: Handle standoff from the part's front face (m) and bar cross-section (m).
HANDLE_STANDOFF = 0.035
HANDLE_BAR = 0.016

BODY_RGBA = (0.72, 0.62, 0.5, 1.0)
DOOR_RGBA = (0.55, 0.42, 0.3, 1.0)
DRAWER_RGBA = (0.5, 0.45, 0.38, 1.0)
HANDLE_RGBA = (0.25, 0.25, 0.28, 1.0)


@dataclass(frozen=True)
class Cell:
    """One opening in the front face: ``y0..y1`` (m, across) × ``z0..z1`` (m, up).

    ``kind`` is ``"door"``, ``"drawer"`` or ``"panel"`` (a fixed cover). Doors use ``hinge`` (``"left"``
    = at y0, ``"right"`` = at y1) and ``upper`` (rad); drawers use ``upper`` (m). ``handle`` is
    ``"bar-vertical"``, ``"bar-horizontal"`` or ``"knob"``; ``handle_u``/``handle_v`` place it as fractions
    of the part's width (from the hinge for doors, from y0 for drawers) and height; ``handle_len`` in m.
    """

    kind: str
    y0: float
    y1: float
    z0: float
    z1: float
    hinge: str = "left"
    thickness: float = 0.02
    upper: float = 1.9
    damping: float = 0.2
    friction: float = 0.1
    handle: str = "bar-vertical"
    handle_u: float = 0.85
    handle_v: float = 0.5
    handle_len: float = 0.12


def _slab(lo: tuple[float, float, float], hi: tuple[float, float, float]) -> Box:
    size = tuple(b - a for a, b in zip(lo, hi, strict=True))
    center = tuple((a + b) / 2.0 for a, b in zip(lo, hi, strict=True))
    return Box(size=size, center=center)  # type: ignore[arg-type]


def _handle_boxes(shape: str, length: float) -> tuple[Box, ...]:
    """Handle geometry in the handle link frame (origin on the part's face, +x out of it)."""
    s, t = HANDLE_STANDOFF, HANDLE_BAR
    if shape == "knob":
        return (_slab((0.0, -t, -t), (s, t, t)),)
    if shape == "bar-vertical":
        bar = _slab((s - t, -t / 2, -length / 2), (s, t / 2, length / 2))
        posts = tuple(
            _slab((0.0, -t / 3, z - t / 3), (s - t, t / 3, z + t / 3)) for z in (-length / 2.5, length / 2.5)
        )
        return (bar, *posts)
    if shape == "bar-horizontal":
        bar = _slab((s - t, -length / 2, -t / 2), (s, length / 2, t / 2))
        posts = tuple(
            _slab((0.0, y - t / 3, -t / 3), (s - t, y + t / 3, t / 3)) for y in (-length / 2.5, length / 2.5)
        )
        return (bar, *posts)
    raise ValueError(f"unknown handle shape {shape!r}; known: bar-vertical, bar-horizontal, knob")


def _handle_mass(boxes: tuple[Box, ...]) -> float:
    return max(0.05, sum(b.size[0] * b.size[1] * b.size[2] for b in boxes) * 2700.0)


def build_furniture(
    *,
    name: str,
    category: str,
    seed: int,
    depth: float,
    width: float,
    height: float,
    cells: tuple[Cell, ...],
    wall: float = 0.018,
    plinth: float = 0.0,
    shelves: tuple[float, ...] = (),
    dividers: tuple[tuple[float, float, float], ...] = (),
) -> ArticulatedModel:
    """Assemble the body, parts and handles.

    Args:
        depth, width, height: outer size of the body (m), along x, y, z.
        cells: the front layout; their rectangles must lie inside the body's front.
        wall: panel thickness (m).
        plinth: height of the floor of the body above the ground (m).
        shelves: z (m) of horizontal dividers spanning the width.
        dividers: (y, z0, z1) of vertical dividers (m).
    """
    d2, w2 = depth / 2.0, width / 2.0
    body = [
        _slab((-d2, -w2, plinth), (-d2 + wall, w2, height)),  # back
        _slab((-d2, -w2, plinth), (d2, -w2 + wall, height)),  # left side (y = -w/2)
        _slab((-d2, w2 - wall, plinth), (d2, w2, height)),  # right side
        _slab((-d2, -w2, height - wall), (d2, w2, height)),  # top
        _slab((-d2, -w2, plinth), (d2, w2, plinth + wall)),  # bottom
    ]
    if plinth > 0:
        body.append(_slab((-d2 + 0.03, -w2 + 0.03, 0.0), (d2 - 0.03, w2 - 0.03, plinth)))
    body += [_slab((-d2, -w2, z - wall / 2), (d2, w2, z + wall / 2)) for z in shelves]
    body += [_slab((-d2, y - wall / 2, z0), (d2, y + wall / 2, z1)) for y, z0, z1 in dividers]
    area = sum(2 * (b.size[0] * b.size[1] + b.size[1] * b.size[2] + b.size[0] * b.size[2]) for b in body)
    links: list[Link] = [
        Link("base", tuple(body), mass=max(5.0, area * wall * PANEL_DENSITY / 2), rgba=BODY_RGBA)
    ]
    joints: list[Joint] = []
    for i, c in enumerate(cells):
        w = c.y1 - c.y0 - 2 * PART_GAP
        h = c.z1 - c.z0 - 2 * PART_GAP
        part = f"part_{i}"
        t = c.thickness
        if c.kind == "panel":
            links.append(
                Link(
                    part,
                    (
                        _slab(
                            (d2, c.y0 + PART_GAP, c.z0 + PART_GAP), (d2 + t, c.y1 - PART_GAP, c.z1 - PART_GAP)
                        ),
                    ),
                    0.5,
                    BODY_RGBA,
                    "panel",
                )
            )
            joints.append(Joint(f"joint_{i}", "fixed", "base", part, (0.0, 0.0, 0.0)))
            continue
        if c.kind == "door":
            sign = (
                1.0 if c.hinge == "left" else -1.0
            )  # the door extends from its hinge towards +y (left) or -y
            hinge_y = c.y0 + PART_GAP if c.hinge == "left" else c.y1 - PART_GAP
            origin = (d2, hinge_y, c.z0 + PART_GAP)
            y_lo, y_hi = sorted((0.0, sign * w))
            panel = _slab((0.0, y_lo, 0.0), (t, y_hi, h))
            mass = max(0.3, w * h * t * PANEL_DENSITY)
            links.append(Link(part, (panel,), mass, DOOR_RGBA, "door"))
            axis = (0.0, 0.0, -1.0) if c.hinge == "left" else (0.0, 0.0, 1.0)
            joints.append(
                Joint(
                    f"joint_{i}", "revolute", "base", part, origin, axis, 0.0, c.upper, c.damping, c.friction
                )
            )
            handle_origin = (t, sign * c.handle_u * w, c.handle_v * h)
        elif c.kind == "drawer":
            origin = (d2, (c.y0 + c.y1) / 2.0, c.z0 + PART_GAP)
            tray_d = depth - wall - 0.02
            tw, ft = w - 2 * 0.012, 0.012
            tray_h = max(0.04, h * 0.75)
            boxes = (
                _slab((0.0, -w / 2, 0.0), (t, w / 2, h)),  # front panel
                _slab((-tray_d, -tw / 2, 0.0), (0.0, tw / 2, ft)),  # tray bottom
                _slab((-tray_d, -tw / 2, 0.0), (0.0, -tw / 2 + ft, tray_h)),  # tray sides
                _slab((-tray_d, tw / 2 - ft, 0.0), (0.0, tw / 2, tray_h)),
                _slab((-tray_d, -tw / 2, 0.0), (-tray_d + ft, tw / 2, tray_h)),  # tray back
            )
            mass = max(0.4, (w * h * t + tray_d * tw * ft * 2 + tray_d * tray_h * ft * 2) * PANEL_DENSITY)
            links.append(Link(part, boxes, mass, DRAWER_RGBA, "drawer"))
            joints.append(
                Joint(
                    f"joint_{i}",
                    "prismatic",
                    "base",
                    part,
                    origin,
                    (1.0, 0.0, 0.0),
                    0.0,
                    c.upper,
                    c.damping,
                    c.friction,
                )
            )
            handle_origin = (t, (c.handle_u - 0.5) * w, c.handle_v * h)
        else:
            raise ValueError(f"unknown cell kind {c.kind!r}; known: door, drawer, panel")
        hb = _handle_boxes(c.handle, c.handle_len)
        links.append(Link(f"handle_{i}", hb, _handle_mass(hb), HANDLE_RGBA, "handle"))
        joints.append(Joint(f"handle_joint_{i}", "fixed", part, f"handle_{i}", handle_origin))
    return ArticulatedModel(name=name, category=category, links=tuple(links), joints=tuple(joints), seed=seed)
