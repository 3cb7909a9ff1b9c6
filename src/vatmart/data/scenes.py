"""Scenes: an object, the part to act on, a task, the part's start value and a camera — all from a seed.

A scene is plain data (it travels to worker processes and into shard files); :func:`open_scene` builds the
object file once per process and loads it into a :class:`~vatmart.sim.world.Simulator`.
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from vatmart.errors import TaskRangeError
from vatmart.objects.partnet import ObjectInfo, PartInfo, load_object_folder
from vatmart.objects.splits import materialise, object_for
from vatmart.sim.camera import CameraPose
from vatmart.sim.tasks import TASK_RANGES, Task
from vatmart.sim.world import Simulator

#: Margin (rad, m) kept between a task's end and the joint limits.
LIMIT_MARGIN = {"door": math.radians(4.0), "drawer": 0.01}
#: Doors to push start open by at most this much (rad), so their outer face stays in view.
PUSH_DOOR_MAX_START = math.radians(85.0)
#: Camera ranges: azimuth (deg), elevation (deg), distance as a multiple of the object's largest side.
CAMERA_AZIMUTH = (-35.0, 35.0)
CAMERA_ELEVATION = (10.0, 40.0)
CAMERA_DISTANCE = (1.8, 2.3)


@dataclass(frozen=True)
class Scene:
    """``split``/``index`` name a generated object (or ``object_path`` a shape folder); ``part`` indexes
    :attr:`ObjectInfo.parts`; ``q0`` is the part's start value (rad or m); ``seed`` seeds everything random
    about observing and acting in this scene."""

    split: str
    index: int
    task_kind: str
    amount: float
    part: int
    q0: float
    camera: CameraPose
    seed: int
    object_path: str = ""

    @property
    def task(self) -> Task:
        return Task(self.task_kind, self.amount)

    def to_json(self) -> str:
        d = asdict(self)
        return json.dumps(d)

    @classmethod
    def from_json(cls, text: str) -> Scene:
        d = json.loads(text)
        d["camera"] = CameraPose(**{**d["camera"], "target": tuple(d["camera"]["target"])})
        return cls(**d)


def _kind_seed(kind: str) -> int:
    return zlib.crc32(kind.encode()) & 0xFFFF


def start_value(task: Task, part: PartInfo, rng: np.random.Generator) -> float:
    """A random start value for ``part`` from which ``task`` stays inside the joint limits."""
    margin = LIMIT_MARGIN[task.part_kind]
    lo, hi = part.lower, part.upper
    if task.direction > 0:  # pull: start closed half of the time, else partly open
        top = hi - task.amount - margin
        if top < lo:
            raise TaskRangeError(
                f"{task.kind} of {task.describe_amount(task.amount)} exceeds the joint range of {part.joint_name}"
            )
        return lo if rng.random() < 0.5 else float(rng.uniform(lo, lo + 0.5 * (top - lo)))
    bottom = lo + task.amount + margin
    top = min(hi, lo + PUSH_DOOR_MAX_START) if task.part_kind == "door" else min(hi, bottom + 0.1)
    if bottom > hi:
        raise TaskRangeError(
            f"{task.kind} of {task.describe_amount(task.amount)} exceeds the joint range of {part.joint_name}"
        )
    return float(rng.uniform(bottom, max(bottom, top)))


def random_camera(
    info_size: tuple[float, float, float], rng: np.random.Generator, *, side: float = 0.0
) -> CameraPose:
    """A camera in front of an object of (depth, width, height) metres, looking at its centre; ``side``
    = -1 or +1 keeps the camera on that side of the front (negative or positive azimuth), 0 = either."""
    depth, width, height = info_size
    target = (float(rng.uniform(-0.03, 0.03)), float(rng.uniform(-0.03, 0.03)), height / 2.0)
    az = float(rng.uniform(*CAMERA_AZIMUTH))
    if side != 0.0:
        az = side * (5.0 + abs(az) * (CAMERA_AZIMUTH[1] - 5.0) / CAMERA_AZIMUTH[1])
    return CameraPose(
        azimuth=az,
        elevation=float(rng.uniform(*CAMERA_ELEVATION)),
        distance=float(rng.uniform(*CAMERA_DISTANCE)) * max(width, height, 0.5),
        target=target,
    )


def _scene(
    info: ObjectInfo,
    size,
    split: str,
    index: int,
    task_kind: str,
    rng: np.random.Generator,
    amount: float | None,
    object_path: str = "",
) -> Scene:
    task_part = task_kind.split("-")[1]
    choices = [i for i, p in enumerate(info.parts) if p.kind == task_part]
    if not choices:
        raise TaskRangeError(f"{info.name} has no {task_part} for the task {task_kind}", info.urdf_path)
    part = int(rng.choice(choices))
    lo, hi = TASK_RANGES[task_part]
    task = Task(task_kind, float(rng.uniform(lo, hi)) if amount is None else amount)
    q0 = start_value(task, info.parts[part], rng)
    p = info.parts[part]
    # an open door shows its outer face (where pushes and handles are) to the hinge side of the front
    side = float(np.sign(p.axis[2])) if p.kind == "door" and q0 > p.lower and abs(p.axis[2]) > 0.5 else 0.0
    cam = random_camera(size, rng, side=side)
    return Scene(split, index, task_kind, task.amount, part, q0, cam, int(rng.integers(2**31)), object_path)


def make_scene(
    split: str, task_kind: str, index: int, *, seed: int = 0, amount: float | None = None
) -> Scene:
    """The ``index``-th scene of ``split`` for ``task_kind``; deterministic in (split, kind, index, seed).
    ``amount`` (rad or m) fixes the task amount instead of drawing it."""
    Task(task_kind, TASK_RANGES[task_kind.split("-")[1]][0] if amount is None else amount)  # validates
    task_part = task_kind.split("-")[1]
    rng = np.random.default_rng([seed, index, _kind_seed(task_kind), _kind_seed(split)])
    model = object_for(split, index, task_part)
    info = _info_for(split, index, task_part)
    base = model.links[0].boxes
    size = (
        max(b.center[0] + b.size[0] / 2 for b in base) * 2,
        max(b.center[1] + b.size[1] / 2 for b in base) * 2,
        max(b.center[2] + b.size[2] / 2 for b in base),
    )
    return _scene(info, size, split, index, task_kind, rng, amount)


def scene_for_object(
    sim: Simulator, folder: str | Path, task_kind: str, *, seed: int = 0, amount: float | None = None
) -> Scene:
    """A scene on a user's shape folder (PartNet-Mobility layout) or URDF; its size comes from the
    loaded object's bounding box (the object should stand on z = 0 facing +x, like generated ones)."""
    Task(task_kind, TASK_RANGES[task_kind.split("-")[1]][0] if amount is None else amount)
    info = load_object_folder(folder)
    sim.load(info)
    lo, hi = np.full(3, np.inf), np.full(3, -np.inf)
    for link in range(-1, sim.bc.getNumJoints(sim.body)):
        a, b = sim.bc.getAABB(sim.body, link)
        lo, hi = np.minimum(lo, a), np.maximum(hi, b)
    size = (float(hi[0] - lo[0]), float(hi[1] - lo[1]), float(hi[2]))
    rng = np.random.default_rng([seed, _kind_seed(task_kind)])
    return _scene(info, size, "object", 0, task_kind, rng, amount, str(Path(folder).resolve()))


#: Where generated shape folders are cached (per process; set by collection workers and the CLI).
_CACHE = {"dir": Path.home() / ".cache" / "vatmart" / "objects"}


def set_object_cache(path: str | Path) -> None:
    """Write generated shape folders under ``path``."""
    _CACHE["dir"] = Path(path)
    _info_for.cache_clear()


@lru_cache(maxsize=256)
def _info_for(split: str, index: int, kind: str) -> ObjectInfo:
    return materialise(object_for(split, index, kind), _CACHE["dir"])


def scene_info(scene: Scene) -> ObjectInfo:
    """The object of ``scene`` (generated and cached, or loaded from its shape folder)."""
    if scene.object_path:
        return load_object_folder(scene.object_path)
    return _info_for(scene.split, scene.index, scene.task_kind.split("-")[1])


def open_scene(sim: Simulator, scene: Scene) -> tuple[ObjectInfo, PartInfo]:
    """Load ``scene`` into ``sim`` with its part at ``q0`` (others closed); returns (object, part)."""
    info = scene_info(scene)
    part = info.parts[scene.part]
    sim.load(info, {part.joint_name: scene.q0})
    return info, part
