"""``micropulse train CONFIG.yaml``: train any registered model family with the one generic trainer."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from micropulse.errors import InputError


def register(app: typer.Typer) -> None:
    @app.command("train")
    def train(
        config: Path = typer.Argument(..., help="Training YAML: task, options, train settings."),
        out: Path | None = typer.Option(None, "--out", help="Output folder (overrides train.out_dir)."),
        epochs: int | None = typer.Option(None, "--epochs", help="Override train.epochs."),
        device: str | None = typer.Option(
            None, "--device", help="auto | cpu | cuda (overrides train.device)."
        ),
        no_resume: bool = typer.Option(False, "--no-resume", help="Start over even if a checkpoint exists."),
        threads: int | None = typer.Option(
            None, "--threads", help="torch threads (1 is fastest for small models)."
        ),
        loso: bool = typer.Option(
            False, "--loso", help="me-spot only: leave-one-subject-out, one model per subject, pooled score."
        ),
        nproc: int = typer.Option(
            1,
            "--nproc",
            help="Data-parallel processes (DistributedDataParallel; gloo on CPU, NCCL on GPUs); "
            "with --loso: folds trained in parallel.",
        ),
    ) -> None:
        """Train a model from a YAML config; checkpoints every epoch and resumes an interrupted run.

        Example config (micro-expression spotting on synthetic videos):

            task: me-spot
            options: {model: me-tst, n_subjects: 8, videos_per_subject: 2}
            train: {epochs: 30, batch_size: 32, lr: 1.0e-3, out_dir: runs/me-tst}

        With --nproc N (or under torchrun) the global batch stays train.batch_size, split over N processes.
        """
        from rich.console import Console

        from micropulse.train import create_task, fit, load_config

        overrides = {
            "out_dir": str(out) if out else None,
            "epochs": epochs,
            "device": device,
            "threads": threads,
        }
        if no_resume:
            overrides["resume"] = False
        cfg = load_config(config, overrides)
        from micropulse.cli.common import out_dir

        out_dir(Path(cfg.settings.out_dir), "--out" if out else "train.out_dir")  # before any training
        console = Console(stderr=True)
        console.print(f"[bold]task[/] {cfg.task}  [bold]out[/] {cfg.settings.out_dir}")
        if loso:
            if cfg.task != "me-spot":
                raise InputError(f"--loso is for the me-spot task, not {cfg.task!r}")
            from micropulse.train.me_task import run_loso

            pooled = run_loso(
                cfg.options, cfg.settings, show_progress=nproc == 1, workers=nproc
            )  # folds in parallel
            out_file = Path(cfg.settings.out_dir) / "metrics_loso.json"
            out_file.write_text(json.dumps(pooled, indent=2, default=float))
            console.print(f"pooled leave-one-subject-out metrics: {out_file}")
            typer.echo(json.dumps(pooled, indent=2, default=float))
            return
        from micropulse.train.distributed import from_env, launch

        task = create_task(cfg.task, cfg.options)  # bad options fail here, before any process starts
        if nproc > 1:
            if cfg.settings.batch_size % nproc:
                raise InputError(
                    f"train.batch_size {cfg.settings.batch_size} must be divisible by --nproc {nproc}"
                )
            launch(nproc, train_in_group, str(config), overrides)
            metrics = json.loads((Path(cfg.settings.out_dir) / "metrics.json").read_text())
            console.print(f"model: {Path(cfg.settings.out_dir) / 'model.pt'} ({nproc} processes)")
            typer.echo(json.dumps(metrics, indent=2, default=float))
            return
        ctx = from_env(cfg.settings.device)  # under torchrun: this process's place in the group
        result = fit(task, cfg.settings, show_progress=True, on_epoch=_epoch_printer(console), dist=ctx)
        if ctx is not None and not ctx.is_main:
            return
        console.print(f"model: {result.model_path}")
        if result.loss_curve is not None:
            console.print(f"loss curve: {result.loss_curve}")
        typer.echo(json.dumps(result.test_metrics, indent=2, default=float))


def train_in_group(config: str, overrides: dict) -> None:
    """One process of ``--nproc N``: join the group, build the task, train (module level: spawned)."""
    from micropulse.train import create_task, fit, load_config
    from micropulse.train.distributed import from_env

    cfg = load_config(config, overrides)
    ctx = from_env(cfg.settings.device)
    fit(create_task(cfg.task, cfg.options), cfg.settings, show_progress=False, dist=ctx)


def _epoch_printer(console):  # noqa: ANN001, ANN202 - rich Console, imported lazily
    """A ``fit(on_epoch=...)`` callback printing one line per epoch (train and validation loss) on stderr,
    above the progress bar."""

    def show(row: dict, epochs: int) -> None:
        val = row.get("val_loss")
        console.print(
            f"epoch {int(row['epoch'])}/{epochs}  loss {row['loss']:.4g}"
            + ("" if val is None else f"  val_loss {val:.4g}")
            + f"  ({row['seconds']:.1f} s)"
        )

    return show
