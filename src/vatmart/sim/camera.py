"""Partial point clouds from a CPU depth camera (pybullet's TinyRenderer) with per-point labels.

The camera frame has +x forward (viewing direction), +y left, +z up, like Where2Act/VAT-Mart. Points,
normals and trajectories given to the networks are in this frame; ``cam2world`` maps them back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vatmart.errors import NoMovablePointsError

#: Default image size (pixels) and number of points kept per cloud.
IMAGE_SIZE = 224
N_POINTS = 512
NEAR, FAR = 0.05, 10.0
#: Neighbours used to estimate each point's normal.
NORMAL_NEIGHBOURS = 12


@dataclass(frozen=True)
class CameraPose:
    """A camera looking at ``target`` (m) from ``distance`` (m) at ``azimuth`` (deg, 0 = straight in front
    of the object, +x) and ``elevation`` (deg above the horizon); ``fov`` vertical field of view (deg)."""

    azimuth: float
    elevation: float
    distance: float
    target: tuple[float, float, float]
    fov: float = 50.0

    def eye(self) -> np.ndarray:
        az, el = math.radians(self.azimuth), math.radians(self.elevation)
        d = np.array([math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el)])
        return np.asarray(self.target) + self.distance * d

    def cam2world(self) -> np.ndarray:
        """4×4 pose of the camera frame (x forward, y left, z up) in the world."""
        eye = self.eye()
        fwd = np.asarray(self.target) - eye
        fwd /= np.linalg.norm(fwd)
        left = np.cross(np.array([0.0, 0.0, 1.0]), fwd)
        left /= np.linalg.norm(left)
        up = np.cross(fwd, left)
        m = np.eye(4)
        m[:3, 0], m[:3, 1], m[:3, 2], m[:3, 3] = fwd, left, up, eye
        return m


@dataclass(frozen=True)
class PointCloud:
    """``points`` and ``normals`` (N, 3) in the camera frame (m); ``link`` (N,) pybullet link index of each
    point (-1 = base); ``movable`` (N,) on any moving part; ``target`` (N,) on the task's part; ``grasp`` (N,)
    on a graspable link (a handle) of the task's part; ``cam2world`` (4, 4)."""

    points: np.ndarray
    normals: np.ndarray
    link: np.ndarray
    movable: np.ndarray
    target: np.ndarray
    grasp: np.ndarray
    cam2world: np.ndarray

    def require_target(self, what: str = "point cloud") -> np.ndarray:
        """Indices of the target-part points; :class:`NoMovablePointsError` when there are none."""
        idx = np.flatnonzero(self.target)
        if idx.size == 0:
            raise NoMovablePointsError(
                f"the {what} has no point on the movable part (of {len(self.points)} points)"
            )
        return idx


def farthest_point_sample(points: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``n`` points chosen by farthest-point sampling from a random start (with repeats when
    fewer than ``n`` points exist)."""
    m = len(points)
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    if m <= n:
        extra = rng.choice(m, n - m, replace=True) if n > m else np.zeros(0, dtype=np.int64)
        return np.concatenate([np.arange(m), extra])
    idx = np.empty(n, dtype=np.int64)
    idx[0] = rng.integers(m)
    xs, ys, zs = (np.ascontiguousarray(points[:, k], dtype=np.float64) for k in range(3))
    dist = np.full(m, np.inf)
    tmp, acc = np.empty(m), np.empty(m)
    for i in range(1, n):
        j = idx[i - 1]
        np.subtract(xs, xs[j], out=acc)
        np.multiply(acc, acc, out=acc)
        np.subtract(ys, ys[j], out=tmp)
        acc += tmp * tmp
        np.subtract(zs, zs[j], out=tmp)
        acc += tmp * tmp
        np.minimum(dist, acc, out=dist)
        idx[i] = int(dist.argmax())
    return idx


def render_depth(bc, pose: CameraPose, size: int = IMAGE_SIZE) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Render with TinyRenderer; returns (eye-space depth (H, W) in m, segmentation (H, W), rgb (H, W, 3))."""
    eye, target = pose.eye(), np.asarray(pose.target)
    view = bc.computeViewMatrix(eye.tolist(), target.tolist(), [0, 0, 1])
    proj = bc.computeProjectionMatrixFOV(pose.fov, 1.0, NEAR, FAR)
    _, _, rgb, depth, seg = bc.getCameraImage(
        size,
        size,
        view,
        proj,
        renderer=bc.ER_TINY_RENDERER,
        flags=bc.ER_SEGMENTATION_MASK_OBJECT_AND_LINKINDEX,
    )
    depth = np.asarray(depth, dtype=np.float64).reshape(size, size)
    z = FAR * NEAR / (FAR - (FAR - NEAR) * depth)
    return (
        z,
        np.asarray(seg, dtype=np.int64).reshape(size, size),
        np.asarray(rgb, dtype=np.uint8).reshape(size, size, 4)[..., :3],
    )


def unproject(z: np.ndarray, pose: CameraPose) -> np.ndarray:
    """Eye-space depth (H, W) -> points (H, W, 3) in the camera frame (x forward, y left, z up)."""
    h, w = z.shape
    f = (h / 2.0) / math.tan(math.radians(pose.fov) / 2.0)
    u = np.arange(w) + 0.5 - w / 2.0
    v = np.arange(h) + 0.5 - h / 2.0
    uu, vv = np.meshgrid(u, v)
    return np.stack([z, -uu * z / f, -vv * z / f], axis=-1)


def estimate_normals(points: np.ndarray, link: np.ndarray, *, k: int = NORMAL_NEIGHBOURS) -> np.ndarray:
    """Unit normals (N, 3) by PCA over each point's ``k`` nearest neighbours on the same link, turned to
    face the camera at the origin of the points' frame."""
    from scipy.spatial import cKDTree

    n = len(points)
    p = points.astype(np.float64)
    kk = min(k, n)
    # separate links by shifting each far away along x, so neighbours never cross links
    shifted = p + np.asarray(link, dtype=np.float64)[:, None] * np.array([1000.0, 0.0, 0.0])
    dist, nb = cKDTree(shifted).query(shifted, k=kk)
    nb = nb.reshape(n, kk)
    valid = dist.reshape(n, kk) < 100.0
    q = p[nb]  # (N, k, 3)
    w = valid[..., None].astype(np.float64)
    mean = (q * w).sum(1) / np.maximum(w.sum(1), 1.0)
    c = q - mean[:, None, :]
    cov = np.einsum("nki,nkj->nij", c * w, c)
    _, vecs = np.linalg.eigh(cov)
    nrm = vecs[:, :, 0]
    few = valid.sum(1) < 3  # isolated points: face the camera
    nrm[few] = -p[few] / np.maximum(np.linalg.norm(p[few], axis=1, keepdims=True), 1e-9)
    flip = np.sum(nrm * p, axis=1) > 0
    nrm[flip] *= -1
    return nrm


def point_cloud(
    bc,
    body: int,
    pose: CameraPose,
    *,
    movable_links: set[int],
    target_links: set[int],
    grasp_links: set[int],
    n_points: int = N_POINTS,
    size: int = IMAGE_SIZE,
    rng: np.random.Generator,
) -> PointCloud:
    """Render the object ``body`` and keep ``n_points`` of its visible surface points (FPS)."""
    z, seg, _ = render_depth(bc, pose, size)
    pts = unproject(z, pose)
    obj = (seg >= 0) & ((seg & ((1 << 24) - 1)) == body)
    links = (seg >> 24) - 1
    p, lk = pts[obj], links[obj]
    pre = rng.permutation(len(p))[: 3 * n_points]
    idx = pre[farthest_point_sample(p[pre], n_points, rng)]
    link = lk[idx].astype(np.int16)
    return PointCloud(
        points=p[idx].astype(np.float32),
        normals=estimate_normals(p[idx], link).astype(np.float32),
        link=link,
        movable=np.isin(link, list(movable_links)),
        target=np.isin(link, list(target_links)),
        grasp=np.isin(link, list(grasp_links)),
        cam2world=pose.cam2world(),
    )
