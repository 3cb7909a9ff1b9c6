"""The pybullet (DIRECT, CPU) world: one articulated object with a fixed base and a flying gripper.

The gripper is a small box (the "fingertip", +x forward) driven by a fixed constraint whose target pose is
moved every step, so it pushes by contact. For pulls a point-to-point *grasp* constraint is created when
the tip touches a graspable link (a handle) at the end of the approach: a documented stand-in for closing
the Franka fingers of VAT-Mart. Everything is reset per interaction, so a run is deterministic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from vatmart.objects.partnet import ObjectInfo, PartInfo
from vatmart.sim import quat
from vatmart.sim.trajectory import WorldTrajectory

TIME_STEP = 1.0 / 240.0  # s
GRAVITY = -9.81  # m/s²
GRIPPER_HALF = (0.012, 0.02, 0.012)  # half extents (m): depth along forward, width, height
GRIPPER_MASS = 0.3  # kg
GRIPPER_FORCE = 400.0  # N, the drive constraint's force limit
GRASP_FORCE = 400.0  # N, the grasp constraint's force limit
GRASP_DISTANCE = 0.008  # m, the tip must be this close to a graspable link to grasp it
GRASP_REACH = 0.015  # m, a grasping approach aims this far beyond the contact point
APPROACH_DIST = 0.06  # m, start of the approach in front of the contact point
APPROACH_STEPS = 30
SEGMENT_STEPS = 60  # per waypoint (0.25 s)
SETTLE_STEPS = 40


@dataclass(frozen=True)
class Outcome:
    """The result of one interaction: joint values (rad or m) at the start and end, after each waypoint,
    whether the tip touched the target part and whether a grasp was made."""

    q_start: float
    q_end: float
    q_waypoints: tuple[float, ...]
    touched: bool
    grasped: bool


def _smooth(s: float) -> float:
    return s * s * (3.0 - 2.0 * s)


def _profile(t: float, ease_in: bool, ease_out: bool) -> float:
    """Path fraction at time fraction ``t`` of a segment. Middle segments run at constant speed; the first
    speeds up and the last slows down at a constant rate over twice the time (see :meth:`Simulator.move_to`),
    so a pushed part decelerates with the tip instead of coasting on."""
    if ease_in and ease_out:
        return _smooth(t)
    if ease_in:
        return t * t
    if ease_out:
        return t * (2.0 - t)
    return t


def _quiet(make):
    """Call ``make()`` with file descriptor 1 silenced: pybullet's C code prints ``argv[0]=`` on connect,
    which would corrupt the JSON a command writes to stdout."""
    import os
    import sys

    sys.stdout.flush()
    saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    try:
        return make()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


class Simulator:
    """Owns one pybullet DIRECT client. ``load`` an object, ``observe`` it, then execute trajectories."""

    def __init__(self) -> None:
        import pybullet
        from pybullet_utils.bullet_client import BulletClient

        self.p = pybullet
        self.bc = _quiet(lambda: BulletClient(connection_mode=pybullet.DIRECT))
        self.steps = 0
        self.body = -1
        self.gripper = -1
        self._drive = -1
        self._grasp = -1
        self.info: ObjectInfo | None = None
        self.link_index: dict[str, int] = {}
        self.joint_index: dict[str, int] = {}
        self.on_step: Callable[[int], None] | None = None
        self._saved: tuple | None = None  # (key, pybullet state id) of the last loaded scene
        cid = self.bc._client
        self._step_fn = lambda: pybullet.stepSimulation(physicsClientId=cid)
        self._change = lambda c, pos, orn: pybullet.changeConstraint(
            c, pos, orn, maxForce=GRIPPER_FORCE, physicsClientId=cid
        )

    # ---------------------------------------------------------------- setup
    def load(self, info: ObjectInfo, joint_values: dict[str, float] | None = None) -> None:
        """Reset the world to ``info`` with its joints at ``joint_values`` (default: closed).

        Reloading the scene that is already loaded restores a saved snapshot instead of parsing the URDF
        again; the snapshot holds the full dynamic state, so the result is the same as a fresh load.
        """
        bc = self.bc
        key = (str(info.urdf_path), tuple(sorted((joint_values or {}).items())))
        if self._saved is not None and self._saved[0] == key:
            for c in (self._grasp, self._drive):
                if c >= 0:
                    bc.removeConstraint(c)
            if self.gripper >= 0:
                bc.removeBody(self.gripper)
            self.gripper, self._drive, self._grasp = -1, -1, -1
            bc.restoreState(stateId=self._saved[1])
            return
        self._saved = None
        bc.resetSimulation()
        bc.setGravity(0, 0, GRAVITY)
        bc.setTimeStep(TIME_STEP)
        bc.setPhysicsEngineParameter(deterministicOverlappingPairs=1)
        self.body = bc.loadURDF(str(info.urdf_path), useFixedBase=True)
        self.info = info
        self.gripper, self._drive, self._grasp = -1, -1, -1
        self.link_index, self.joint_index = {}, {}
        for j in range(bc.getNumJoints(self.body)):
            ji = bc.getJointInfo(self.body, j)
            self.joint_index[ji[1].decode()] = j
            self.link_index[ji[12].decode()] = j
        values = joint_values or {}
        for part in info.parts:
            j = self.joint_index[part.joint_name]
            ji = bc.getJointInfo(self.body, j)
            bc.resetJointState(self.body, j, float(values.get(part.joint_name, part.lower)))
            bc.changeDynamics(self.body, j, jointDamping=float(ji[6]), linearDamping=0.0, angularDamping=0.0)
            # joint friction as a velocity motor with a force limit (pybullet's usual emulation)
            bc.setJointMotorControl2(
                self.body, j, bc.VELOCITY_CONTROL, targetVelocity=0.0, force=float(ji[7])
            )
        self._saved = (key, bc.saveState())

    def links_of(self, names) -> set[int]:
        """pybullet link indices of link ``names`` (the base is -1)."""
        return {self.link_index.get(n, -1) for n in names}

    def joint_value(self, part: PartInfo) -> float:
        """Current value of ``part``'s joint (rad or m)."""
        return float(self.bc.getJointState(self.body, self.joint_index[part.joint_name])[0])

    def joint_frame(self, part: PartInfo) -> tuple[np.ndarray, np.ndarray]:
        """World (axis unit vector, a point on the axis) of ``part``'s joint at its current value."""
        j = self.joint_index[part.joint_name]
        axis_local = np.asarray(self.bc.getJointInfo(self.body, j)[13], dtype=np.float64)
        pos, orn = self.bc.getLinkState(self.body, j, computeForwardKinematics=True)[4:6]
        rot = Rotation.from_quat(orn).as_matrix()
        return rot @ axis_local, np.asarray(pos, dtype=np.float64)

    def link_pose(self, link: int) -> tuple[np.ndarray, np.ndarray]:
        """World position (3,) and rotation matrix (3, 3) of a link frame (-1 = base)."""
        if link < 0:
            pos, orn = self.bc.getBasePositionAndOrientation(self.body)
        else:
            pos, orn = self.bc.getLinkState(self.body, link, computeForwardKinematics=True)[4:6]
        return np.asarray(pos), Rotation.from_quat(orn).as_matrix()

    # -------------------------------------------------------------- gripper
    def _center(self, tip: np.ndarray, rot: np.ndarray) -> np.ndarray:
        return tip - rot[:, 0] * GRIPPER_HALF[0]

    def _spawn_gripper(self, tip: np.ndarray, rot: np.ndarray) -> None:
        bc = self.bc
        shape = bc.createCollisionShape(bc.GEOM_BOX, halfExtents=GRIPPER_HALF)
        vis = bc.createVisualShape(bc.GEOM_BOX, halfExtents=GRIPPER_HALF, rgbaColor=[0.9, 0.2, 0.2, 1])
        quat = Rotation.from_matrix(rot).as_quat().tolist()
        c = self._center(tip, rot).tolist()
        self.gripper = bc.createMultiBody(GRIPPER_MASS, shape, vis, c, quat)
        bc.changeDynamics(self.gripper, -1, lateralFriction=1.0)
        self._drive = bc.createConstraint(
            self.gripper, -1, -1, -1, bc.JOINT_FIXED, [0, 0, 0], [0, 0, 0], c, childFrameOrientation=quat
        )
        bc.changeConstraint(self._drive, c, quat, maxForce=GRIPPER_FORCE)

    def _drive_to(self, tip: np.ndarray, rot: np.ndarray) -> None:
        self._drive_q(tip, quat.from_matrix(rot))

    def _drive_q(self, tip: np.ndarray, q: np.ndarray) -> None:
        center = tip - quat.forward_axis(q) * GRIPPER_HALF[0]
        self._change(self._drive, center.tolist(), q.tolist())

    def _step(self) -> None:
        self._step_fn()
        self.steps += 1
        if self.on_step is not None:
            self.on_step(self.steps)

    def _move(self, p0, r0, p1, r1, steps: int, ease_in: bool = True, ease_out: bool = True) -> None:
        q0, q1 = quat.from_matrix(r0), quat.from_matrix(r1)
        s = np.array([_profile(i / steps, ease_in, ease_out) for i in range(1, steps + 1)])
        qs = quat.slerp_many(q0, q1, s)
        centers = p0[None, :] + (p1 - p0)[None, :] * s[:, None] - quat.forward_axes(qs) * GRIPPER_HALF[0]
        for c, q in zip(centers.tolist(), qs.tolist(), strict=False):
            self._change(self._drive, c, q)
            self._step()

    def tip(self) -> np.ndarray:
        """World position of the gripper tip (m)."""
        pos, orn = self.bc.getBasePositionAndOrientation(self.gripper)
        rot = Rotation.from_quat(orn).as_matrix()
        return np.asarray(pos) + rot[:, 0] * GRIPPER_HALF[0]

    def _near(self, links: set[int]) -> list:
        pts = self.bc.getClosestPoints(self.gripper, self.body, GRASP_DISTANCE)
        return [c for c in pts if c[4] in links]

    # ------------------------------------------------------------ execution
    def begin(
        self, contact: np.ndarray, rot: np.ndarray, part: PartInfo, *, grasp: bool
    ) -> tuple[bool, bool]:
        """Spawn the gripper in front of ``contact`` (world, m) and approach it with orientation ``rot``.

        With ``grasp``, the approach stops as soon as the tip is within :data:`GRASP_DISTANCE` of a
        graspable link of ``part`` and a grasp is made there (the fingers close on first touch).
        Returns (touched the part, grasped).
        """
        contact = np.asarray(contact, dtype=np.float64)
        start = contact - rot[:, 0] * APPROACH_DIST
        self._spawn_gripper(start, rot)
        goal = contact + rot[:, 0] * GRASP_REACH if grasp else contact
        grasp_links = self.links_of(part.grasp_links)
        grasped = False
        reached = start
        q = quat.from_matrix(rot)
        for i in range(1, APPROACH_STEPS + 1):
            reached = start + (goal - start) * _smooth(i / APPROACH_STEPS)
            self._drive_q(reached, q)
            self._step()
            if grasp and i % 2 == 0 and self._near(grasp_links):
                grasped = self._attach(grasp_links)
                break
        if grasp and not grasped and self._near(grasp_links):
            grasped = self._attach(grasp_links)
        touched = grasped or bool(self._near(self.links_of(part.part_links)))
        if grasped:  # continue from where the tip actually is: the commanded pose may be inside the handle
            reached = self.tip()
            self._drive_to(reached, rot)
        self._last = (reached, rot)
        return touched, grasped

    def _attach(self, grasp_links: set[int]) -> bool:
        near = self._near(grasp_links)
        if not near:
            return False
        link = min(near, key=lambda x: x[8])[4]
        # constraint frames are relative to the link's centre-of-mass frame, not its URDF frame
        lpos, lorn = self.bc.getLinkState(self.body, link, computeForwardKinematics=True)[0:2]
        lpos, lrot = np.asarray(lpos), Rotation.from_quat(lorn).as_matrix()
        pivot = lrot.T @ (self.tip() - lpos)
        self._grasp = self.bc.createConstraint(
            self.gripper,
            -1,
            self.body,
            link,
            self.bc.JOINT_POINT2POINT,
            [0, 0, 0],
            [GRIPPER_HALF[0], 0, 0],
            pivot.tolist(),
        )
        self.bc.changeConstraint(self._grasp, maxForce=GRASP_FORCE)
        return True

    def move_to(
        self,
        tip: np.ndarray,
        rot: np.ndarray,
        steps: int = SEGMENT_STEPS,
        *,
        first: bool = True,
        last: bool = True,
    ) -> None:
        """Drive the tip to ``tip`` (world, m) with orientation ``rot`` over ``steps`` steps; ``first``/``last``
        say whether this segment starts/ends the trajectory (speed ramps up/down there only)."""
        p0, r0 = self._last
        if first != last:  # a ramp at one end only takes twice as long, to join the constant speed
            steps *= 2
        self._move(p0, r0, np.asarray(tip, dtype=np.float64), rot, steps, first, last)
        self._last = (np.asarray(tip, dtype=np.float64), rot)

    def settle(self, steps: int = SETTLE_STEPS) -> None:
        """Hold the last pose for ``steps`` steps."""
        for _ in range(steps):
            self._step()

    def execute(self, wt: WorldTrajectory, part: PartInfo, *, grasp: bool) -> Outcome:
        """Run a whole world-frame trajectory on ``part`` (after :meth:`load`) and report the outcome."""
        q0 = self.joint_value(part)
        touched, grasped = self.begin(wt.contact, wt.orientation, part, grasp=grasp)
        # waypoints are relative to where the tip made contact (a grasp may stop the approach early)
        offset = self._last[0] - np.asarray(wt.contact, dtype=np.float64)
        qs = []
        n = len(wt.positions)
        for k in range(n):
            self.move_to(wt.positions[k] + offset, wt.orientations[k], first=k == 0, last=k == n - 1)
            qs.append(self.joint_value(part))
        self.settle()
        return Outcome(q0, self.joint_value(part), tuple(qs), touched, grasped)

    def close(self) -> None:
        """Disconnect the pybullet client."""
        try:
            self.bc.disconnect()
        except Exception:  # noqa: BLE001 - already disconnected
            pass
