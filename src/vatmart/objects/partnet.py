"""Load an articulated object from a URDF or a PartNet-Mobility shape folder (``mobility.urdf`` + meshes).

The loader reads the joints (revolute/continuous -> doors, prismatic -> drawers unless ``semantics.txt``
says otherwise), the links rigidly attached to each moving part (fixed joints below it) and which of them
are handles (label ``handle`` in ``semantics.txt``, or a link name containing ``handle``). Real PartNet
shapes have no separate handle links; there the whole moving link is graspable.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from vatmart.errors import FileFormatError, NoArticulationError
from vatmart.objects.model import ARTICULATED_JOINT_TYPES
from vatmart.objects.urdf import URDF_NAME


@dataclass(frozen=True)
class PartInfo:
    """One movable part: its joint (``revolute`` or ``prismatic``), ``kind`` (``door``/``drawer``), limits
    (rad or m; closed at ``lower``), the links that move with it and the ones a pull may grasp."""

    joint_name: str
    joint_type: str
    kind: str
    link: str
    lower: float
    upper: float
    part_links: tuple[str, ...]
    grasp_links: tuple[str, ...]
    axis: tuple[float, float, float] = (1.0, 0.0, 0.0)


@dataclass(frozen=True)
class ObjectInfo:
    """What the simulator needs to know about an object file."""

    urdf_path: Path
    name: str
    category: str
    parts: tuple[PartInfo, ...]

    def parts_of_kind(self, kind: str) -> tuple[PartInfo, ...]:
        """The parts whose ``kind`` is ``door`` or ``drawer``."""
        return tuple(p for p in self.parts if p.kind == kind)


def _read_semantics(folder: Path) -> dict[str, tuple[str, str]]:
    path = folder / "semantics.txt"
    if not path.is_file():
        return {}
    out = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) < 3:
            raise FileFormatError(f"line {n}: expected 'link_name joint_kind label', got {line!r}", path)
        out[fields[0]] = (fields[1], fields[2])
    return out


def load_urdf_info(
    path: str | Path, *, category: str | None = None, semantics: dict | None = None
) -> ObjectInfo:
    """Parse a URDF into an :class:`ObjectInfo`; raises :class:`NoArticulationError` if nothing can move."""
    p = Path(path)
    if not p.is_file():
        raise FileFormatError("URDF file not found", p)
    try:
        root = ET.parse(p).getroot()
    except ET.ParseError as exc:
        raise FileFormatError(f"not valid URDF XML: {exc}", p) from None
    if root.tag != "robot":
        raise FileFormatError(f"top-level element is <{root.tag}>, expected <robot>", p)
    semantics = semantics or {}
    for mesh in root.iter("mesh"):
        fname = mesh.get("filename", "")
        if fname and not fname.startswith("package://") and not (p.parent / fname).is_file():
            raise FileFormatError(f"mesh file {fname!r} referenced by the URDF is missing", p)
    children: dict[str, list[tuple[str, str]]] = {}
    joints = []
    for j in root.findall("joint"):
        parent, child = j.find("parent"), j.find("child")
        if parent is None or child is None:
            raise FileFormatError(f"joint {j.get('name')!r} lacks <parent> or <child>", p)
        children.setdefault(parent.get("link"), []).append((child.get("link"), j.get("type", "")))
        joints.append(j)
    parts = []
    for j in joints:
        jtype = j.get("type", "")
        if jtype not in ARTICULATED_JOINT_TYPES:
            continue
        link = j.find("child").get("link")
        lim = j.find("limit")
        if jtype == "continuous" or lim is None:
            lower, upper = 0.0, 2 * math.pi
        else:
            lower, upper = float(lim.get("lower", 0.0)), float(lim.get("upper", 0.0))
        ax = j.find("axis")
        axis = tuple(float(v) for v in (ax.get("xyz", "1 0 0") if ax is not None else "1 0 0").split())
        if len(axis) != 3:
            raise FileFormatError(f"joint {j.get('name')!r} has a malformed <axis xyz>", p)
        attached, stack = [link], [link]
        while stack:  # links rigidly attached below the part
            for c, t in children.get(stack.pop(), []):
                if t == "fixed":
                    attached.append(c)
                    stack.append(c)
        label = semantics.get(link, ("", ""))[1].lower()
        kind = (
            "drawer"
            if "drawer" in label
            else "door"
            if "door" in label
            else ("drawer" if jtype == "prismatic" else "door")
        )
        handles = tuple(
            n for n in attached if semantics.get(n, ("", ""))[1].lower() == "handle" or "handle" in n.lower()
        )
        parts.append(
            PartInfo(
                joint_name=j.get("name", ""),
                joint_type="prismatic" if jtype == "prismatic" else "revolute",
                kind=kind,
                link=link,
                lower=lower,
                upper=upper,
                part_links=tuple(attached),
                grasp_links=handles or tuple(attached),
                axis=axis,
            )
        )
    if not parts:
        raise NoArticulationError("no revolute, continuous or prismatic joint: nothing to open or close", p)
    return ObjectInfo(
        urdf_path=p, name=root.get("name", p.stem), category=category or "unknown", parts=tuple(parts)
    )


def load_object_folder(folder: str | Path) -> ObjectInfo:
    """Load a PartNet-Mobility-style shape folder (``mobility.urdf``, optional ``semantics.txt`` and
    ``meta.json``); a path to a ``.urdf`` file is accepted too."""
    f = Path(folder)
    if f.is_file() and f.suffix == ".urdf":
        return load_urdf_info(f, semantics=_read_semantics(f.parent))
    if not f.is_dir():
        raise FileFormatError("shape folder not found", f)
    urdf = f / URDF_NAME
    if not urdf.is_file():
        raise FileFormatError(f"no {URDF_NAME} in the shape folder (PartNet-Mobility layout expected)", f)
    category = None
    meta = f / "meta.json"
    if meta.is_file():
        try:
            category = json.loads(meta.read_text()).get("model_cat")
        except json.JSONDecodeError as exc:
            raise FileFormatError(f"meta.json is not JSON: {exc}", meta) from None
    return load_urdf_info(urdf, category=category, semantics=_read_semantics(f))
