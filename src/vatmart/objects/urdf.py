"""Write an :class:`ArticulatedModel` as URDF, optionally as a PartNet-Mobility-style shape folder.

A PartNet-Mobility shape folder holds ``mobility.urdf`` whose visual/collision geometry points at
``textured_objs/*.obj`` meshes, a ``semantics.txt`` (one line per link: ``link_name joint_kind label`` with
joint kinds ``hinge``/``slider``/``static``/``heavy``) and a ``meta.json`` with ``model_cat``.
:func:`write_object_folder` writes that layout (one OBJ per box when ``meshes=True``, else URDF box
primitives, which load faster) so the same loader serves generated objects and the real dataset.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

from vatmart.objects.model import ArticulatedModel, Box, Joint, Link, link_inertial

URDF_NAME = "mobility.urdf"
MESH_DIR = "textured_objs"
_SEMANTIC_KIND = {"revolute": "hinge", "continuous": "hinge", "prismatic": "slider", "fixed": "static"}


def _f(v: float) -> str:
    return f"{v:.6g}"


def _v(xs) -> str:
    return " ".join(_f(x) for x in xs)


def _geometry(box: Box, mesh: str | None) -> str:
    if mesh is None:
        return f'<geometry><box size="{_v(box.size)}"/></geometry>'
    return f"<geometry><mesh filename={quoteattr(mesh)}/></geometry>"


def _link_xml(link: Link, meshes: list[str] | None) -> str:
    com, inertia = link_inertial(link)
    out = [f"  <link name={quoteattr(link.name)}>"]
    out.append(
        f'    <inertial><origin xyz="{_v(com)}"/><mass value="{_f(link.mass)}"/>'
        f'<inertia ixx="{_f(inertia[0])}" iyy="{_f(inertia[1])}" izz="{_f(inertia[2])}" ixy="0" ixz="0" iyz="0"/></inertial>'
    )
    for k, box in enumerate(link.boxes):
        mesh = None if meshes is None else meshes[k]
        origin = (
            "0 0 0" if mesh is not None else _v(box.center)
        )  # mesh vertices are already in the link frame
        geom = _geometry(box, mesh)
        out.append(
            f'    <visual><origin xyz="{origin}"/>{geom}<material name="m_{link.name}">'
            f'<color rgba="{_v(link.rgba)}"/></material></visual>'
        )
        out.append(f'    <collision><origin xyz="{origin}"/>{geom}</collision>')
    out.append("  </link>")
    return "\n".join(out)


def _joint_xml(j: Joint) -> str:
    out = [f"  <joint name={quoteattr(j.name)} type={quoteattr(j.type)}>"]
    out.append(f"    <parent link={quoteattr(j.parent)}/><child link={quoteattr(j.child)}/>")
    out.append(f'    <origin xyz="{_v(j.origin)}" rpy="0 0 0"/>')
    if j.type != "fixed":
        out.append(f'    <axis xyz="{_v(j.axis)}"/>')
        out.append(f'    <limit lower="{_f(j.lower)}" upper="{_f(j.upper)}" effort="1000" velocity="10"/>')
        out.append(f'    <dynamics damping="{_f(j.damping)}" friction="{_f(j.friction)}"/>')
    out.append("  </joint>")
    return "\n".join(out)


def box_obj(box: Box) -> str:
    """Wavefront OBJ text of a box (vertices in the link frame, outward-facing triangles)."""
    cx, cy, cz = box.center
    sx, sy, sz = (s / 2.0 for s in box.size)
    verts = [(cx + a * sx, cy + b * sy, cz + c * sz) for a in (-1, 1) for b in (-1, 1) for c in (-1, 1)]
    quads = [(1, 2, 4, 3), (5, 7, 8, 6), (1, 5, 6, 2), (3, 4, 8, 7), (1, 3, 7, 5), (2, 6, 8, 4)]
    lines = [f"v {_v(p)}" for p in verts]
    for a, b, c, d in quads:
        lines += [f"f {a} {b} {c}", f"f {a} {c} {d}"]
    return "\n".join(lines) + "\n"


def to_urdf(model: ArticulatedModel, *, mesh_files: dict[str, list[str]] | None = None) -> str:
    """The URDF text of ``model``; ``mesh_files`` maps a link name to one mesh path per box."""
    links = "\n".join(
        _link_xml(lk, None if mesh_files is None else mesh_files[lk.name]) for lk in model.links
    )
    joints = "\n".join(_joint_xml(j) for j in model.joints)
    return f'<?xml version="1.0"?>\n<robot name={quoteattr(model.name)}>\n{links}\n{joints}\n</robot>\n'


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def write_object_folder(model: ArticulatedModel, folder: str | Path, *, meshes: bool = False) -> Path:
    """Write ``model`` in the PartNet-Mobility layout under ``folder``; returns the URDF path."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    mesh_files = None
    if meshes:
        (root / MESH_DIR).mkdir(exist_ok=True)
        mesh_files = {}
        for lk in model.links:
            names = []
            for k, box in enumerate(lk.boxes):
                rel = f"{MESH_DIR}/{lk.name}-{k}.obj"
                _atomic_write(root / rel, box_obj(box))
                names.append(rel)
            mesh_files[lk.name] = names
    parent_joint = {j.child: j for j in model.joints}
    sem = []
    for lk in model.links:
        j = parent_joint.get(lk.name)
        kind = "heavy" if j is None else _SEMANTIC_KIND.get(j.type, "static")
        sem.append(f"{lk.name} {kind} {lk.label}")
    _atomic_write(root / "semantics.txt", "\n".join(sem) + "\n")
    meta = {"model_cat": model.category, "model_id": model.name, "seed": model.seed, "generator": "vatmart"}
    _atomic_write(root / "meta.json", json.dumps(meta, indent=1))
    urdf = root / URDF_NAME
    _atomic_write(urdf, to_urdf(model, mesh_files=mesh_files))
    return urdf
