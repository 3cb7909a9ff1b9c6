"""``micropulse score``: metrics from heart-rate tables, so anyone's published outputs can be scored."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("score")
    def score(
        pred: Path = typer.Option(..., "--pred", help="CSV with video, hr_pred [, hr_gt] [, time_s]."),
        gt: Path = typer.Option(None, "--gt", help="CSV with video, hr_gt [, time_s] (if not in --pred)."),
        recipe: str = typer.Option(
            "unspecified", "--recipe", help="Recipe that produced the HRs (recorded)."
        ),
        per_video: bool = typer.Option(False, "--per-video", help="Average windowed rows per video first."),
        out: Path = typer.Option(None, "--out", help="Write metrics JSON here (default: print)."),
        plot: Path = typer.Option(None, "--plot", help="Write a Bland-Altman report PNG here."),
    ) -> None:
        """MAE, RMSE, MAPE, Pearson (with standard errors) from HR tables."""
        import json

        from micropulse.eval.score import score_tables

        doc = score_tables(pred, gt, recipe=recipe, per_video=per_video, plot=plot)
        text = json.dumps(doc, indent=1)
        if out is not None:
            from micropulse.eval.outputs import atomic_write_text

            atomic_write_text(out, text)
        typer.echo(text)
