"""``vatmart show``: the cloud coloured by actionability with the top proposals drawn (PNG), and
optionally a GIF of the best proposal executed in the simulator (TinyRenderer frames)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vatmart.data.interact import observe_scene
from vatmart.data.scenes import make_scene, open_scene, scene_for_object, set_object_cache
from vatmart.sim.camera import render_depth
from vatmart.sim.tasks import Task
from vatmart.sim.trajectory import to_world
from vatmart.sim.world import Simulator

GIF_SIZE = 192
GIF_EVERY = 10  # simulation steps per frame


def _plot(path: Path, cloud, res: dict, task: Task, top: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p = cloud.points
    fig = plt.figure(figsize=(7, 6))
    ax = fig.add_subplot(projection="3d")
    # camera frame: x forward (depth), y left, z up; draw with depth going into the page
    act = res["actionability"]  # coloured over its own range, so weak contrasts stay visible
    sc = ax.scatter(
        -p[:, 1], p[:, 0], p[:, 2], c=act, cmap="viridis", s=4, vmin=float(act.min()), vmax=float(act.max())
    )
    c = p[res["point"]]
    ax.scatter([-c[1]], [c[0]], [c[2]], c="red", s=60, marker="*")
    for k, traj in enumerate(res["proposals"][:top]):
        w = np.vstack([c, c + traj[1:, :3]])
        ax.plot(
            -w[:, 1],
            w[:, 0],
            w[:, 2],
            "-o",
            ms=2,
            lw=1.5,
            color=plt.cm.autumn(k / max(1, top)),
            label=f"score {res['scores'][k]:.2f}",
        )
    ax.set_xlabel("-y (m)")
    ax.set_ylabel("x, depth (m)")
    ax.set_zlabel("z (m)")
    ax.view_init(elev=25, azim=-70)
    ax.set_title(f"{task.kind} {task.describe_amount(task.amount)}: actionability and top proposals")
    fig.colorbar(sc, ax=ax, shrink=0.6, label="actionability")
    ax.legend(fontsize=7, loc="upper left")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def show(
    out: str | Path,
    *,
    checkpoint: str | Path,
    task: str,
    amount: float | None = None,
    split: str = "novel-instance",
    index: int = 0,
    obj: str | Path | None = None,
    gif: str | Path | None = None,
    top: int = 5,
    seed: int = 0,
    cache_dir: str | Path | None = None,
) -> dict:
    """Write the PNG (and GIF); ``amount`` in degrees (doors) or cm (drawers). Returns what was done."""
    from vatmart.perception.infer import analyse
    from vatmart.perception.train import load_checkpoint

    model, _ = load_checkpoint(checkpoint)
    if cache_dir is not None:
        set_object_cache(cache_dir)
    amt = None if amount is None else Task.from_user_units(task, amount).amount
    sim = Simulator()
    scene = (
        scene_for_object(sim, obj, task, seed=seed, amount=amt)
        if obj
        else make_scene(split, task, index, seed=seed, amount=amt)
    )
    cloud = observe_scene(sim, scene)
    res = analyse(model, cloud, scene.task, seed=seed)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    _plot(out, cloud, res, scene.task, top)
    info = {
        "png": str(out),
        "task": scene.task_kind,
        "amount": scene.task.describe_amount(scene.amount),
        "point_on_target": bool(cloud.target[res["point"]]),
        "best_score": float(res["scores"][0]),
    }
    frames: list = []
    if gif is not None:
        sim.on_step = lambda n: (
            frames.append(render_depth(sim.bc, scene.camera, GIF_SIZE)[2]) if n % GIF_EVERY == 0 else None
        )
    _, part = open_scene(sim, scene)
    outcome = sim.execute(
        to_world(cloud.points[res["point"]], res["proposals"][0], cloud.cam2world),
        part,
        grasp=scene.task.direction > 0,
    )
    sim.on_step = None
    achieved = scene.task.direction * (outcome.q_end - outcome.q_start)
    info["achieved"] = scene.task.describe_amount(achieved)
    if gif is not None:
        from PIL import Image

        imgs = [Image.fromarray(f) for f in frames] or [
            Image.fromarray(render_depth(sim.bc, scene.camera, GIF_SIZE)[2])
        ]
        imgs[0].save(gif, save_all=True, append_images=imgs[1:], duration=60, loop=0)
        info["gif"] = str(gif)
        info["frames"] = len(imgs)
    sim.close()
    return info
