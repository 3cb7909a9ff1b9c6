"""The ``vatmart`` command: ``collect``, ``train``, ``eval``, ``show`` and ``object``.

Heavy imports (pybullet, torch, ray) happen inside the commands. Every named error becomes a one-line
message on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import typer

try:  # typer >= 0.20 vendors click as typer._click
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - older typer
    from click import ClickException

from vatmart.errors import MicropulseError

app = typer.Typer(
    name="vatmart",
    help="VAT-Mart on a CPU: articulated objects, curiosity-driven interaction "
    "data, actionability + trajectory proposals + scoring.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
OPTIONAL_EXTRAS = {
    "pybullet": "pip install 'micropulse[robot]'",
    "torch": "pip install torch==2.13.0",
    "ray": "pip install 'micropulse[dist]'",
}
ALL_TASKS = "push-door,pull-door,push-drawer,pull-drawer"


def _csv(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _echo(obj) -> None:
    typer.echo(json.dumps(obj, indent=1, default=str))


@app.callback()
def _root(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details.")) -> None:
    """VAT-Mart re-implemented for CPUs with procedural furniture (not a reproduction of the paper's numbers)."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


@app.command()
def collect(
    out: Path = typer.Option(..., "--out", help="Folder for the shards (a rerun resumes)."),
    scenes: int = typer.Option(256, help="Scenes to collect (4 interactions each)."),
    split: str = typer.Option("train", help="train, novel-instance or novel-category."),
    tasks: str = typer.Option(ALL_TASKS, help="Comma-separated task kinds, cycled over the scenes."),
    workers: int = typer.Option(2, help="Worker processes (or Ray actors)."),
    engine: str = typer.Option("pool", help="pool (local processes) or ray."),
    per_shard: int = typer.Option(8, help="Scenes per shard."),
    points: int = typer.Option(512, help="Points per cloud."),
    seed: int = typer.Option(0),
    cache: Path = typer.Option(None, help="Cache of generated shape folders (default: OUT/objects)."),
) -> None:
    """Collect exploration interactions (scripted expert, noisy expert, random) into shards."""
    from vatmart.data.collect import collect as run
    from vatmart.data.collect import plan_jobs
    from vatmart.data.shards import load_dataset, shard_paths

    jobs = plan_jobs(
        out, split=split, tasks=_csv(tasks), scenes=scenes, per_shard=per_shard, seed=seed, n_points=points
    )
    res = run(jobs, engine=engine, workers=workers, show_progress=True, cache_dir=cache or out / "objects")
    _echo({**res, "data": load_dataset(shard_paths(out)).summary()})


@app.command()
def train(
    data: list[Path] = typer.Option(..., "--data", help="Shard folder(s) from `vatmart collect`."),
    out: Path = typer.Option(..., "--out", help="Output folder (model.pt, RL shards, loop state)."),
    rl: bool = typer.Option(
        True, "--rl/--no-rl", help="Run the curiosity-driven RL loop (off = the ablation)."
    ),
    curiosity: bool = typer.Option(
        True, "--curiosity/--no-curiosity", help="The curiosity term in RL rewards."
    ),
    rounds: int = typer.Option(4, help="Interaction-for-perception rounds."),
    rl_scenes: int = typer.Option(48, help="Scenes per round (RL episodes: --episodes each)."),
    episodes: int = typer.Option(4, help="RL episodes per scene."),
    td3_updates: int = typer.Option(300, help="TD3 gradient steps per round."),
    warm_epochs: int = typer.Option(16),
    round_epochs: int = typer.Option(4),
    final_epochs: int = typer.Option(12),
    backbone: str = typer.Option("pointnet", help="pointnet (default, chosen by measurement) or pointnet2."),
    workers: int = typer.Option(2),
    engine: str = typer.Option("pool"),
    seed: int = typer.Option(0),
    threads: int = typer.Option(1, help="Torch threads (0 = torch's default)."),
) -> None:
    """Train the perception networks with the interaction-for-perception loop; writes OUT/model.pt."""
    from vatmart.perception.model import NetConfig
    from vatmart.perception.train import PerceptionSettings
    from vatmart.pipeline import TrainPlan
    from vatmart.pipeline import train as run
    from vatmart.rl.loop import LoopSettings

    plan = TrainPlan(
        net=NetConfig(backbone=backbone),
        perception=PerceptionSettings(seed=seed),
        loop=LoopSettings(
            rounds=rounds,
            scenes=rl_scenes,
            episodes=episodes,
            td3_updates=td3_updates,
            perception_epochs=round_epochs,
            curiosity=curiosity,
            seed=seed,
        ),
        warm_epochs=warm_epochs,
        final_epochs=final_epochs,
        rl=rl,
        threads=threads,
    )
    res = run(
        data, out, plan, engine=engine, workers=workers, cache_dir=data[0] / "objects", show_progress=True
    )
    _echo({k: res[k] for k in ("seconds", "explore", "all")} | {"model": str(out / "model.pt")})


@app.command("eval")
def evaluate(
    checkpoint: Path = typer.Option(
        None, help="model.pt from `vatmart train` (needed by vatmart, scorer-random)."
    ),
    out: Path = typer.Option(..., "--out", help="Folder for per-job results (a rerun resumes)."),
    methods: str = typer.Option("vatmart,random,normal,scorer-random"),
    splits: str = typer.Option("novel-instance,novel-category"),
    tasks: str = typer.Option(ALL_TASKS),
    episodes: int = typer.Option(50, help="Test scenes per (split, task)."),
    workers: int = typer.Option(2),
    cache: Path = typer.Option(None, help="Cache of generated shape folders (default: OUT/objects)."),
) -> None:
    """Sample-success-rate of the pipeline and the baselines on the same test scenes (JSON table)."""
    from vatmart.evaluation.evaluate import plan_eval, run_eval, summarise
    from vatmart.evaluation.methods import NEEDS_MODEL

    labels = _csv(methods)
    if checkpoint is not None and not checkpoint.is_file():
        from vatmart.errors import CheckpointError

        raise CheckpointError("checkpoint not found", checkpoint)
    ckpts = {m: str(checkpoint) for m in labels if m.split("@")[0] in NEEDS_MODEL and checkpoint is not None}
    jobs = plan_eval(
        out,
        methods=labels,
        checkpoints=ckpts,
        splits=_csv(splits),
        tasks=_csv(tasks),
        episodes=episodes,
        cache_dir=str(cache or out / "objects"),
    )
    secs = run_eval(jobs, workers=workers, show_progress=True)
    _echo({"seconds": secs, "table": summarise(out)})


@app.command()
def show(
    out: Path = typer.Option(..., "--out", help="PNG to write."),
    checkpoint: Path = typer.Option(..., help="model.pt from `vatmart train`."),
    task: str = typer.Option("pull-door"),
    amount: float = typer.Option(
        None, help="Task amount: degrees (doors) or cm (drawers); random if omitted."
    ),
    split: str = typer.Option("novel-instance"),
    index: int = typer.Option(0),
    obj: Path = typer.Option(
        None, "--object", help="A PartNet-Mobility shape folder or URDF instead of a split."
    ),
    gif: Path = typer.Option(None, help="Also write a GIF of the executed best proposal."),
    top: int = typer.Option(5, help="Proposals to draw."),
    seed: int = typer.Option(0),
) -> None:
    """A PNG of the cloud coloured by actionability with the top proposals (and an optional GIF)."""
    from vatmart.evaluation.show import show as run

    _echo(
        run(
            out,
            checkpoint=checkpoint,
            task=task,
            amount=amount,
            split=split,
            index=index,
            obj=obj,
            gif=gif,
            top=top,
            seed=seed,
        )
    )


@app.command("object")
def make_object(
    category: str = typer.Option("cabinet", help="cabinet, drawer-chest, fridge or microwave."),
    seed: int = typer.Option(0),
    out: Path = typer.Option(..., "--out", help="Folder to write in the PartNet-Mobility layout."),
    meshes: bool = typer.Option(False, help="Write OBJ meshes (as the dataset does) instead of URDF boxes."),
) -> None:
    """Generate one object as a PartNet-Mobility-style shape folder."""
    from vatmart.objects.categories import create_object
    from vatmart.objects.partnet import load_object_folder
    from vatmart.objects.urdf import write_object_folder

    write_object_folder(create_object(category, seed), out, meshes=meshes)
    info = load_object_folder(out)
    _echo({"folder": str(out), "name": info.name, "parts": [p.__dict__ for p in info.parts]})


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code; named errors become exit code 2."""
    try:
        rv = app(args=argv, standalone_mode=False)
    except MicropulseError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    except ModuleNotFoundError as exc:
        extra = OPTIONAL_EXTRAS.get((exc.name or "").split(".")[0])
        if extra is None:
            raise
        typer.echo(f"error: this command needs {exc.name}, which is not installed: {extra}", err=True)
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except ClickException as exc:
        exc.show()
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("interrupted", err=True)
        return 130
    return rv if isinstance(rv, int) else 0


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
