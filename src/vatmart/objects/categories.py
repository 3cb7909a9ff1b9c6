"""Seeded generators of furniture categories (a registry: ``list_categories`` / ``create_object``).

Training categories: ``cabinet`` (door rows, double doors, drawer rows) and ``drawer-chest``. Novel
categories held out of training: ``fridge`` (tall, thick doors with long bars, a bottom freezer drawer) and
``microwave`` (a low, wide, side-hinged box with a fixed control panel). Sizes in metres.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from micropulse.registry import Registry
from vatmart.objects.furniture import Cell, build_furniture
from vatmart.objects.model import ArticulatedModel

CATEGORIES: Registry[Callable[[int], ArticulatedModel]] = Registry("object category")

#: Door joint upper limits (rad) and the drawer travel as a fraction of its tray depth.
DOOR_UPPER_RANGE = (math.radians(100.0), math.radians(125.0))
DRAWER_TRAVEL_FRACTION = 0.8
DOOR_DAMPING_RANGE = (0.5, 2.0)  # N·m·s/rad
DOOR_FRICTION_RANGE = (0.5, 2.0)  # N·m (hinge friction: a door stops soon after it is let go)
DRAWER_DAMPING_RANGE = (5.0, 15.0)  # N·s/m
DRAWER_FRICTION_RANGE = (2.0, 8.0)  # N


def list_categories() -> list[str]:
    """Names of the registered categories."""
    return CATEGORIES.names()


def create_object(category: str, seed: int) -> ArticulatedModel:
    """Generate one object of ``category`` from ``seed`` (same seed -> same object)."""
    return CATEGORIES.get(category)(int(seed))


def _u(rng: np.random.Generator, lo_hi: tuple[float, float]) -> float:
    return float(rng.uniform(*lo_hi))


def _door(
    rng,
    y0,
    y1,
    z0,
    z1,
    hinge,
    *,
    thickness=(0.015, 0.03),
    handle=None,
    handle_len=(0.08, 0.18),
    v=(0.35, 0.65),
) -> Cell:
    shape = handle or str(rng.choice(["bar-vertical", "bar-vertical", "knob", "bar-horizontal"]))
    return Cell(
        "door",
        y0,
        y1,
        z0,
        z1,
        hinge=hinge,
        thickness=_u(rng, thickness),
        upper=_u(rng, DOOR_UPPER_RANGE),
        damping=_u(rng, DOOR_DAMPING_RANGE),
        friction=_u(rng, DOOR_FRICTION_RANGE),
        handle=shape,
        handle_u=_u(rng, (0.78, 0.92)),
        handle_v=_u(rng, v),
        handle_len=_u(rng, handle_len),
    )


def _drawer(rng, y0, y1, z0, z1, depth, wall, *, handle=None, handle_len=(0.08, 0.2)) -> Cell:
    shape = handle or str(rng.choice(["bar-horizontal", "bar-horizontal", "knob"]))
    travel = DRAWER_TRAVEL_FRACTION * (depth - wall - 0.02)
    return Cell(
        "drawer",
        y0,
        y1,
        z0,
        z1,
        thickness=_u(rng, (0.015, 0.025)),
        upper=travel,
        damping=_u(rng, DRAWER_DAMPING_RANGE),
        friction=_u(rng, DRAWER_FRICTION_RANGE),
        handle=shape,
        handle_u=_u(rng, (0.4, 0.6)),
        handle_v=_u(rng, (0.45, 0.75)),
        handle_len=min(_u(rng, handle_len), 0.7 * (y1 - y0)),
    )


def _row_cells(rng, kind: str, y0: float, y1: float, z0: float, z1: float, depth: float, wall: float):
    """Cells of one row and the vertical dividers (y, z0, z1) it needs."""
    ym = (y0 + y1) / 2.0
    if kind == "door":
        return [_door(rng, y0, y1, z0, z1, str(rng.choice(["left", "right"])))], []
    if kind == "double-door":
        return [_door(rng, y0, ym, z0, z1, "left"), _door(rng, ym, y1, z0, z1, "right")], [(ym, z0, z1)]
    if kind == "drawer":
        return [_drawer(rng, y0, y1, z0, z1, depth, wall)], []
    if kind == "drawer-pair":
        return [_drawer(rng, y0, ym, z0, z1, depth, wall), _drawer(rng, ym, y1, z0, z1, depth, wall)], [
            (ym, z0, z1)
        ]
    raise ValueError(kind)


def _stack(
    rng, name, category, seed, depth, width, height, rows: list[tuple[str, float]], plinth=0.0, wall=0.018
):
    """Stack rows (kind, height fraction) bottom-up inside the body."""
    y0, y1 = -width / 2 + wall, width / 2 - wall
    z, top = plinth + wall, height - wall
    fr = np.array([f for _, f in rows])
    hs = (top - z) * fr / fr.sum()
    cells, dividers, shelves = [], [], []
    for (kind, _), h in zip(rows, hs, strict=False):
        c, d = _row_cells(rng, kind, y0, y1, z, z + h, depth, wall)
        cells += c
        dividers += d
        z += h
        if z < top - 1e-6:
            shelves.append(z)
    return build_furniture(
        name=name,
        category=category,
        seed=seed,
        depth=depth,
        width=width,
        height=height,
        cells=tuple(cells),
        wall=wall,
        plinth=plinth,
        shelves=tuple(shelves),
        dividers=tuple(dividers),
    )


@CATEGORIES.register("cabinet")
def cabinet(seed: int) -> ArticulatedModel:
    """A storage cabinet: 1-3 rows, at least one door row; drawer rows are shorter."""
    rng = np.random.default_rng([seed, 1])
    depth, width, height = _u(rng, (0.42, 0.58)), _u(rng, (0.45, 0.95)), _u(rng, (0.45, 1.05))
    n = int(rng.integers(1, 4 if height > 0.7 else 3))
    kinds = [
        str(rng.choice(["door", "double-door", "drawer", "drawer-pair"], p=[0.35, 0.25, 0.25, 0.15]))
        for _ in range(n)
    ]
    if not any("door" in k for k in kinds):
        kinds[0] = "door" if width < 0.7 else "double-door"
    rows = [(k, 1.0 if "door" in k else 0.35) for k in kinds]
    plinth = float(rng.choice([0.0, _u(rng, (0.04, 0.08))]))
    return _stack(rng, f"cabinet-{seed}", "cabinet", seed, depth, width, height, rows, plinth)


@CATEGORIES.register("drawer-chest")
def drawer_chest(seed: int) -> ArticulatedModel:
    """A chest of 2-5 drawer rows (the top row sometimes split in two)."""
    rng = np.random.default_rng([seed, 2])
    depth, width, height = _u(rng, (0.42, 0.58)), _u(rng, (0.4, 0.9)), _u(rng, (0.5, 1.1))
    n = int(rng.integers(2, 6))
    rows = [("drawer", 1.0) for _ in range(n)]
    if width > 0.6 and rng.random() < 0.5:
        rows[-1] = ("drawer-pair", 0.8)
    plinth = float(rng.choice([0.0, _u(rng, (0.04, 0.08))]))
    return _stack(rng, f"drawer-chest-{seed}", "drawer-chest", seed, depth, width, height, rows, plinth)


@CATEGORIES.register("fridge")
def fridge(seed: int) -> ArticulatedModel:
    """A tall fridge (novel category): thick tall door(s) with long bars over a freezer drawer."""
    rng = np.random.default_rng([seed, 3])
    depth, width, height = _u(rng, (0.55, 0.7)), _u(rng, (0.55, 0.75)), _u(rng, (1.3, 1.7))
    wall = 0.03
    y0, y1 = -width / 2 + wall, width / 2 - wall
    zf = wall + _u(rng, (0.25, 0.35))
    cells = [_drawer(rng, y0, y1, wall, zf, depth, wall, handle="bar-horizontal", handle_len=(0.25, 0.4))]
    dividers = []
    door_kw = dict(thickness=(0.04, 0.06), handle="bar-vertical", handle_len=(0.25, 0.4), v=(0.2, 0.45))
    if rng.random() < 0.6:
        cells.append(_door(rng, y0, y1, zf, height - wall, str(rng.choice(["left", "right"])), **door_kw))
    else:
        ym = (y0 + y1) / 2
        cells += [
            _door(rng, y0, ym, zf, height - wall, "left", **door_kw),
            _door(rng, ym, y1, zf, height - wall, "right", **door_kw),
        ]
        dividers.append((ym, zf, height - wall))
    return build_furniture(
        name=f"fridge-{seed}",
        category="fridge",
        seed=seed,
        depth=depth,
        width=width,
        height=height,
        cells=tuple(cells),
        wall=wall,
        shelves=(zf,),
        dividers=tuple(dividers),
    )


@CATEGORIES.register("microwave")
def microwave(seed: int) -> ArticulatedModel:
    """A microwave-like box (novel category): low and wide, door hinged on the left, fixed control panel."""
    rng = np.random.default_rng([seed, 4])
    depth, width, height = _u(rng, (0.35, 0.45)), _u(rng, (0.45, 0.6)), _u(rng, (0.26, 0.34))
    wall = 0.015
    y0, y1 = -width / 2 + wall, width / 2 - wall
    yp = y1 - _u(rng, (0.1, 0.14))
    door = _door(
        rng,
        y0,
        yp,
        wall,
        height - wall,
        "left",
        thickness=(0.02, 0.035),
        handle="bar-vertical",
        handle_len=(0.1, 0.16),
        v=(0.4, 0.6),
    )
    door = Cell(**{**door.__dict__, "handle_u": _u(rng, (0.88, 0.95))})
    panel = Cell("panel", yp, y1, wall, height - wall, thickness=0.02)
    return build_furniture(
        name=f"microwave-{seed}",
        category="microwave",
        seed=seed,
        depth=depth,
        width=width,
        height=height,
        cells=(door, panel),
        wall=wall,
        dividers=((yp, wall, height - wall),),
    )
