"""Tasks, their ranges and VAT-Mart's success rule; the trajectory format's frame conversions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vatmart.errors import TaskRangeError, UnknownNameError
from vatmart.sim.tasks import EVAL_TOLERANCE, TASK_KINDS, Task, achieved_amount, is_success
from vatmart.sim.trajectory import (
    WorldTrajectory,
    from_world,
    matrix_to_rot6d,
    orientation_from,
    rot6d_to_matrix,
    to_world,
)


def test_success_rule_is_15_percent_of_the_task():
    assert EVAL_TOLERANCE == 0.15
    t = math.radians(40)
    assert is_success(t, t)
    assert is_success(t, t * 1.149) and is_success(t, t * 0.851)
    assert not is_success(t, t * 1.151) and not is_success(t, t * 0.849)
    assert not is_success(0.10, -0.10)  # moved the wrong way
    assert is_success(0.10, 0.11, tolerance=0.10) and not is_success(0.10, 0.111, tolerance=0.10)
    with pytest.raises(TaskRangeError):
        is_success(0.0, 0.0)


def test_task_direction_and_achieved_amount():
    pull, push = Task("pull-drawer", 0.1), Task("push-door", math.radians(30))
    assert pull.direction == 1 and push.direction == -1
    assert achieved_amount(pull, 0.05, 0.15) == pytest.approx(0.10)
    assert achieved_amount(push, 1.0, 0.5) == pytest.approx(0.5)
    assert achieved_amount(push, 0.5, 1.0) == pytest.approx(-0.5)


@pytest.mark.parametrize(
    "kind,value", [("pull-door", 9.0), ("push-door", 71.0), ("pull-drawer", 4.0), ("push-drawer", 26.0)]
)
def test_task_out_of_range_is_a_named_error(kind, value):
    with pytest.raises(TaskRangeError, match="outside"):
        Task.from_user_units(kind, value)


def test_task_in_range_and_unknown_kind():
    assert Task.from_user_units("pull-door", 70).amount == pytest.approx(math.radians(70))
    assert Task.from_user_units("push-drawer", 5).amount == pytest.approx(0.05)
    assert set(TASK_KINDS) == {"push-door", "pull-door", "push-drawer", "pull-drawer"}
    with pytest.raises(UnknownNameError, match="known: push-door"):
        Task("open-lid", 0.3)


def test_rot6d_round_trip_and_orthonormality():
    rng = np.random.default_rng(0)
    r = rot6d_to_matrix(rng.normal(size=(50, 6)))
    assert np.allclose(r @ np.swapaxes(r, 1, 2), np.eye(3), atol=1e-9)
    assert np.allclose(np.linalg.det(r), 1.0)
    assert np.allclose(rot6d_to_matrix(matrix_to_rot6d(r)), r)
    m = orientation_from(np.array([0.0, 0.0, -1.0]))  # looking down: up falls back to another axis
    assert np.allclose(m[:, 0], [0, 0, -1]) and abs(np.dot(m[:, 2], m[:, 0])) < 1e-9


def test_camera_frame_trajectory_round_trip():
    rng = np.random.default_rng(1)
    cam = np.eye(4)
    cam[:3, :3] = rot6d_to_matrix(rng.normal(size=6))
    cam[:3, 3] = [1.0, -2.0, 0.5]
    from scipy.spatial.transform import Rotation

    r0 = rot6d_to_matrix(rng.normal(size=6))
    wt = WorldTrajectory(
        np.array([0.3, 0.1, 0.4]),
        r0,
        rng.normal(size=(4, 3)),
        np.stack([Rotation.from_rotvec(rng.normal(size=3) * 0.3).as_matrix() @ r0 for _ in range(4)]),
    )
    contact, traj = from_world(wt, cam)
    assert traj.shape == (5, 6)
    back = to_world(contact, traj, cam)
    for a, b in zip(
        (back.contact, back.orientation, back.positions, back.orientations),
        (wt.contact, wt.orientation, wt.positions, wt.orientations),
        strict=False,
    ):
        assert np.allclose(a, b, atol=1e-9)
