"""Procedural URDFs: joint types and limits as generated; seeded; PartNet-Mobility folders; bad files."""

from __future__ import annotations

import math

import pytest

from vatmart.errors import FileFormatError, NoArticulationError
from vatmart.objects.categories import DOOR_UPPER_RANGE, create_object, list_categories
from vatmart.objects.partnet import load_object_folder, load_urdf_info
from vatmart.objects.splits import SPLITS, list_splits, object_for
from vatmart.objects.urdf import to_urdf, write_object_folder

PB_TYPES = {0: "revolute", 1: "prismatic", 4: "fixed"}


@pytest.mark.parametrize("category", ["cabinet", "drawer-chest", "fridge", "microwave"])
@pytest.mark.parametrize("seed", [0, 7, 123])
def test_generated_urdf_loads_with_expected_joints(category, seed, tmp_path, sim):
    model = create_object(category, seed)
    write_object_folder(model, tmp_path)
    info = load_object_folder(tmp_path)
    assert info.category == category and info.parts
    sim.load(info)
    bc = sim.bc
    for part in info.parts:
        ji = bc.getJointInfo(sim.body, sim.joint_index[part.joint_name])
        assert PB_TYPES[ji[2]] == part.joint_type
        assert ji[8] == pytest.approx(part.lower) and ji[9] == pytest.approx(part.upper)
        link = model.link(part.link)
        if part.kind == "door":
            assert part.joint_type == "revolute" and link.label == "door"
            assert DOOR_UPPER_RANGE[0] - 1e-6 <= part.upper <= DOOR_UPPER_RANGE[1] + 1e-6
            assert abs(ji[13][2]) == pytest.approx(1.0)  # vertical hinge
        else:
            assert part.joint_type == "prismatic" and link.label == "drawer"
            assert 0.25 < part.upper < 0.6 and ji[13] == pytest.approx((1.0, 0.0, 0.0))
        assert part.lower == 0.0
        assert any("handle" in n for n in part.grasp_links)
    # every handle is a separate link fixed to its part
    handles = [j for j in model.joints if j.child.startswith("handle")]
    assert handles and all(j.type == "fixed" for j in handles)


def test_generator_is_seeded():
    assert to_urdf(create_object("cabinet", 5)) == to_urdf(create_object("cabinet", 5))
    assert to_urdf(create_object("cabinet", 5)) != to_urdf(create_object("cabinet", 6))


def test_damping_and_friction_are_randomised():
    joints = [
        j for s in range(10) for j in create_object("cabinet", s).articulated_joints() if j.type == "revolute"
    ]
    assert len({round(j.damping, 6) for j in joints}) > 5 and len({round(j.friction, 6) for j in joints}) > 5


def test_splits_are_disjoint_and_hold_a_novel_category():
    assert set(list_splits()) == {"train", "novel-instance", "novel-category"}
    train, novel = set(SPLITS.get("train").categories), set(SPLITS.get("novel-category").categories)
    assert not train & novel
    names = {s: {object_for(s, i).name for i in range(20)} for s in list_splits()}
    assert not names["train"] & names["novel-instance"]
    assert all(n.startswith(("fridge", "microwave")) for n in names["novel-category"])
    for kind in ("door", "drawer"):
        assert any(lk.label == kind for lk in object_for("novel-category", 3, kind).links)
    assert set(list_categories()) >= train | novel


def test_partnet_folder_with_meshes_loads_like_primitives(tmp_path, sim):
    model = create_object("fridge", 2)
    a = load_object_folder(write_object_folder(model, tmp_path / "boxes").parent)
    b_dir = tmp_path / "mesh"
    write_object_folder(model, b_dir, meshes=True)
    assert (b_dir / "textured_objs").is_dir() and (b_dir / "semantics.txt").is_file()
    b = load_object_folder(b_dir)
    assert [(p.joint_name, p.kind, p.upper) for p in a.parts] == [
        (p.joint_name, p.kind, p.upper) for p in b.parts
    ]
    sim.load(b)
    lo, hi = sim.bc.getAABB(sim.body, sim.link_index[b.parts[0].link])
    assert hi[2] - lo[2] > 0.1  # the meshes were loaded, not empty shapes


def test_semantics_decide_door_or_drawer(tmp_path):
    model = create_object("cabinet", 1)
    write_object_folder(model, tmp_path)
    sem = tmp_path / "semantics.txt"
    lines = [ln.replace(" door", " drawer") for ln in sem.read_text().splitlines()]
    sem.write_text("\n".join(lines) + "\n")
    info = load_object_folder(tmp_path)
    assert all(p.kind == "drawer" for p in info.parts)


def test_urdf_without_articulated_joint_is_a_named_error(tmp_path):
    p = tmp_path / "static.urdf"
    p.write_text(
        '<robot name="box"><link name="base"><visual><geometry><box size="1 1 1"/></geometry></visual>'
        '</link><link name="lid"/><joint name="j" type="fixed"><parent link="base"/><child link="lid"/>'
        "</joint></robot>"
    )
    with pytest.raises(NoArticulationError, match="static.urdf.*no revolute"):
        load_urdf_info(p)


def test_bad_folders_are_named_errors(tmp_path):
    with pytest.raises(FileFormatError, match="no mobility.urdf"):
        load_object_folder(tmp_path)
    write_object_folder(create_object("microwave", 0), tmp_path / "m", meshes=True)
    next((tmp_path / "m" / "textured_objs").glob("*.obj")).unlink()
    with pytest.raises(FileFormatError, match="mesh file .* missing"):
        load_object_folder(tmp_path / "m")
    (tmp_path / "bad.urdf").write_text("<robot><link")
    with pytest.raises(FileFormatError, match="not valid URDF"):
        load_urdf_info(tmp_path / "bad.urdf")


def test_door_opens_outwards(sim, tmp_path):
    """Opening a door (increasing q) moves its free edge out of the front (+x)."""
    model = create_object("microwave", 3)
    info = load_object_folder(write_object_folder(model, tmp_path).parent)
    part = info.parts_of_kind("door")[0]
    x = []
    for q in (0.0, math.radians(60)):
        sim.load(info, {part.joint_name: q})
        x.append(sim.link_pose(sim.link_index[part.grasp_links[0]])[0][0])
    assert x[1] > x[0] + 0.1
