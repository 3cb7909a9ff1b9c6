"""``micropulse train CONFIG.yaml``: train any registered model family with the one generic trainer."""

from __future__ import annotations

import json
from pathlib import Path

import typer


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
    ) -> None:
        """Train a model from a YAML config; checkpoints every epoch and resumes an interrupted run.

        Example config (micro-expression spotting on synthetic videos):

            task: me-spot
            options: {model: me-tst, n_subjects: 8, videos_per_subject: 2}
            train: {epochs: 30, batch_size: 32, lr: 1.0e-3, out_dir: runs/me-tst}
        """
        from rich.console import Console

        from micropulse.train import build_task, fit, load_config

        overrides = {"out_dir": str(out) if out else None, "epochs": epochs, "device": device}
        if no_resume:
            overrides["resume"] = False
        cfg = load_config(config, overrides)
        console = Console(stderr=True)
        console.print(f"[bold]task[/] {cfg.task}  [bold]out[/] {cfg.settings.out_dir}")
        task = build_task(cfg.task, cfg.options)
        result = fit(task, cfg.settings, show_progress=True)
        console.print(f"model: {result.model_path}")
        typer.echo(json.dumps(result.test_metrics, indent=2, default=float))
