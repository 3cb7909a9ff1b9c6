"""Contact frames: exact round trip, the same push reads the same in every frame, smoothed frame normals."""

from __future__ import annotations

import numpy as np

from vatmart.perception.frames import camera_up, contact_frames, from_local, to_local
from vatmart.sim.camera import CameraPose
from vatmart.sim.trajectory import matrix_to_rot6d, orientation_from, rot6d_to_matrix


def test_round_trip_and_push_is_frame_independent():
    rng = np.random.default_rng(0)
    normals = rng.normal(size=(6, 3))
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    up = camera_up(CameraPose(azimuth=20.0, elevation=30.0, distance=2.0, target=(0, 0, 0.5)).cam2world())
    frames = contact_frames(normals, up)
    assert np.allclose(frames.transpose(0, 2, 1) @ frames, np.eye(3), atol=1e-9)
    traj = rng.normal(size=(6, 5, 6))
    assert np.allclose(from_local(to_local(traj, frames), frames), traj, atol=1e-12)
    # push 4 cm into each surface with the gripper facing it: one and the same local trajectory
    push = np.zeros((6, 5, 6))
    for m, n in enumerate(normals):
        push[m, 0] = matrix_to_rot6d(orientation_from(-n, up))
        push[m, 1:, :3] = -n[None, :] * 0.01 * np.arange(1, 5)[:, None]
    local = to_local(push, frames)
    assert np.allclose(local, local[:1], atol=1e-9)
    assert np.allclose(rot6d_to_matrix(local[0, 0]), np.eye(3), atol=1e-9)
    assert np.allclose(local[0, 1:, 0], [0.01, 0.02, 0.03, 0.04]) and np.allclose(local[0, 1:, 1:3], 0)


def test_frame_normals_follow_the_surrounding_face():
    from vatmart.perception.frames import frame_normals

    g = np.stack(np.meshgrid(np.linspace(0, 0.3, 8), np.linspace(0, 0.3, 8)), -1).reshape(-1, 2)
    pts = np.concatenate([np.full((len(g), 1), 1.0), g], axis=1)  # a face at x = 1 seen from the origin
    normals = np.tile([-1.0, 0.0, 0.0], (len(pts), 1))
    normals[27] = [-0.3, 0.95, 0.0]  # a handle-like point with a sideways normal
    out = frame_normals(pts, normals / np.linalg.norm(normals, axis=1, keepdims=True))
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0)
    assert out[27] @ np.array([-1.0, 0.0, 0.0]) > 0.95 > normals[27] @ np.array([-1.0, 0.0, 0.0])
