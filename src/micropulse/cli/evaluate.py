"""``micropulse evaluate``: benchmark a classic method or a deep model on a dataset tree."""

from __future__ import annotations

from pathlib import Path

import typer

from micropulse.cli.registry_help import RegistryHelpCommand


def register(app: typer.Typer) -> None:
    @app.command("evaluate", cls=RegistryHelpCommand)
    def evaluate(
        dataset: str = typer.Option(
            ...,
            "--dataset",
            help="Dataset loader: {datasets}.",
        ),
        root: Path = typer.Option(..., "--root", help="Dataset folder as distributed."),
        method: str = typer.Option(None, "--method", help="Classic method ({video-methods})."),
        model: str = typer.Option(None, "--model", help="Deep model ({models}; needs the deep extra, torch and --weights)."),
        weights: Path = typer.Option(None, "--weights", help="Weights file for --model."),
        recipe: str = typer.Option("toolbox-2023", "--recipe", help="Evaluation recipe: {recipes}."),
        window: float = typer.Option(
            None, "--window", help="Evaluation window in seconds (default: whole video)."
        ),
        out: Path = typer.Option(Path("evaluation"), "--out", help="Output folder (resumable)."),
        workers: int = typer.Option(1, "--workers", help="Parallel workers."),
        engine: str = typer.Option("local", "--engine", help="local (process pool) or ray."),
        ray_address: str = typer.Option(
            None, "--ray-address", help="Existing Ray cluster (auto or host:port)."
        ),
        alignment: str = typer.Option("timestamps", "--alignment", help="timestamps or index (the papers')."),
        face: str = typer.Option("mediapipe", "--face", help="Face backend ({face-backends})."),
        segment: str = typer.Option(
            "whole", "--segment", help="Frames evaluated: whole (every frame, as published numbers) or longest face segment."
        ),
        crop: str = typer.Option(
            None, "--crop", help="Override the weights' crop geometry ({crops}); default: the weights' own."
        ),
        gt: str = typer.Option(
            "waveform", "--gt", help="waveform (HR from the label, like the papers) or device."
        ),
        begin: float = typer.Option(
            0.0, "--begin", help="Start fraction of subjects/videos (toolbox BEGIN)."
        ),
        end: float = typer.Option(1.0, "--end", help="End fraction (toolbox END)."),
        protocol: str = typer.Option(
            None, "--protocol", help="Named split protocol (e.g. rhythm-ubfc-intra)."
        ),
        part: str = typer.Option("test", "--part", help="Part of --protocol: test, train or valid."),
        cache: Path = typer.Option(
            None, "--cache", help="Face-crop cache folder for --model (reused across runs)."
        ),
        sqrt2: bool = typer.Option(
            False, "--ba-sqrt2", help="Toolbox Bland-Altman limits (1.96*sqrt(2)*SD)."
        ),
        no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar."),
        as_json: bool = typer.Option(
            False, "--json", help="Print a one-line JSON summary on stdout (the metrics table then goes to stderr)."
        ),
    ) -> None:
        """Per-video HRs, metrics with standard errors (recipe named), Bland-Altman report."""
        import json

        from micropulse.cli.common import out_dir, positive
        from micropulse.errors import InputError

        positive(window, "--window")
        out_dir(out, "--out")
        from micropulse.eval.runner import run_evaluation
        from micropulse.eval.task import EvalConfig
        from micropulse.signals.recipes import get_recipe

        get_recipe(recipe)  # unknown names list the known ones
        if model is not None:
            try:
                import micropulse.rppg.deep  # noqa: F401
            except ImportError as exc:
                raise InputError(
                    f"--model needs the deep extra (pip install 'micropulse[deep]'): {exc}"
                ) from None
        elif method is None:
            method = "pos"
        if method is not None:
            from micropulse.rppg.classic import get_method

            get_method(method)
        cfg = EvalConfig(
            dataset=dataset,
            root=str(root.resolve()),
            method=method if model is None else None,
            model=model,
            weights=None if weights is None else str(weights.resolve()),
            recipe=recipe,
            window_s=window,
            alignment=alignment,
            face=face,
            gt=gt,
            begin=begin,
            end=end,
            cache_dir=None if cache is None else str(cache.resolve()),
            protocol=protocol,
            part=part,
            segment=segment,
            crop=crop,
        )
        summary = run_evaluation(
            cfg,
            out,
            workers=workers,
            engine=engine,
            ray_address=ray_address,
            show_progress=not no_progress,
            bland_altman_sqrt2=sqrt2,
        )
        m = summary.metrics.get("metrics", {})
        brief = {k: m[k]["value"] for k in m}
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "recipe": recipe,
                        "out": str(out),
                        "computed": summary.computed,
                        "skipped": summary.skipped,
                        "failed": len(summary.failed),
                        "metrics": brief,
                    }
                )
            )
        from micropulse.cli.tables import metrics_table, print_table

        title = (
            f"{dataset} · {summary.metrics.get('predictor', '')} · {summary.n_videos} videos "
            f"({summary.computed} computed, {summary.skipped} reused, {len(summary.failed)} failed)"
        )
        print_table(metrics_table(summary.metrics, title), err=as_json)  # stdout stays one JSON line
        if not as_json:
            typer.echo(f"outputs in {out}: per_video.csv, metrics.json, report.png")
