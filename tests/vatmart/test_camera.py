"""The depth-camera point sampler: points on the surfaces of their labelled links, labels, FPS, normals."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from vatmart.data.interact import observe_scene
from vatmart.data.scenes import make_scene, open_scene
from vatmart.errors import NoMovablePointsError
from vatmart.sim.camera import farthest_point_sample


def _box_surface_distance(p_local: np.ndarray, half: np.ndarray) -> np.ndarray:
    """Distance of points (in a box frame) to the box surface."""
    q = np.abs(p_local) - half
    outside = np.linalg.norm(np.maximum(q, 0.0), axis=1)
    inside = np.minimum(np.max(q, axis=1), 0.0)
    return np.abs(outside + inside)


def _distance_to_link(sim, link: int, pts_w: np.ndarray) -> np.ndarray:
    best = np.full(len(pts_w), np.inf)
    for shape in sim.bc.getCollisionShapeData(sim.body, link):
        half = np.asarray(shape[3]) / 2.0
        # collision frames are relative to the centre-of-mass frame (the base's pose is its COM frame)
        if link < 0:
            pos, orn = sim.bc.getBasePositionAndOrientation(sim.body)
        else:
            pos, orn = sim.bc.getLinkState(sim.body, link)[0:2]
        wpos, worn = sim.bc.multiplyTransforms(pos, orn, shape[5], shape[6])
        r = Rotation.from_quat(worn).as_matrix()
        local = (pts_w - np.asarray(wpos)) @ r
        best = np.minimum(best, _box_surface_distance(local, half))
    return best


@pytest.mark.parametrize(
    "split,kind,index",
    [("train", "pull-door", 0), ("train", "push-drawer", 2), ("novel-category", "push-door", 1)],
)
def test_points_lie_on_their_links_and_labels_are_right(sim, split, kind, index):
    scene = make_scene(split, kind, index, seed=3)
    cloud = observe_scene(sim, scene, n_points=400)
    info, part = open_scene(sim, scene)
    assert cloud.points.shape == (400, 3) and cloud.link.shape == (400,)
    r, t = cloud.cam2world[:3, :3], cloud.cam2world[:3, 3]
    pts_w = cloud.points @ r.T + t
    for link in np.unique(cloud.link):
        sel = cloud.link == link
        d = _distance_to_link(sim, int(link), pts_w[sel])
        assert np.median(d) < 0.004 and np.quantile(d, 0.95) < 0.015, (link, np.quantile(d, [0.5, 0.95]))
    target = sim.links_of(part.part_links)
    assert np.array_equal(cloud.target, np.isin(cloud.link, list(target)))
    assert cloud.target.any() and (~cloud.target).any()
    movable = set().union(*(sim.links_of(p.part_links) for p in info.parts))
    assert np.array_equal(cloud.movable, np.isin(cloud.link, list(movable)))
    assert not (cloud.grasp & ~cloud.target).any()
    # normals are unit vectors facing the camera (at the origin of the camera frame)
    assert np.allclose(np.linalg.norm(cloud.normals, axis=1), 1.0, atol=1e-4)
    assert (np.sum(cloud.normals * cloud.points, axis=1) <= 1e-6).all()


def test_farthest_point_sampling_spreads_points():
    rng = np.random.default_rng(0)
    pts = np.concatenate([rng.normal(0, 0.01, (900, 3)), rng.normal(1, 0.01, (100, 3))])
    idx = farthest_point_sample(pts, 50, rng)
    assert len(set(idx.tolist())) == 50
    assert (idx >= 900).sum() >= 15  # the small far cluster is not drowned by the big one
    few = farthest_point_sample(pts[:10], 20, rng)
    assert len(few) == 20 and set(few.tolist()) == set(range(10))


def test_cloud_without_movable_points_is_a_named_error(sim):
    cloud = observe_scene(sim, make_scene("train", "pull-door", 0, seed=3), n_points=128)
    from dataclasses import replace

    empty = replace(cloud, target=np.zeros_like(cloud.target))
    with pytest.raises(NoMovablePointsError, match="no point on the movable part"):
        empty.require_target()
