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
        as_json: bool = typer.Option(
            False, "--json", help="Print the metrics as JSON on stdout (default: a table)."
        ),
        json_file: Path = typer.Option(None, "--json-file", help="Also write the metrics JSON to this file."),
        plot: Path = typer.Option(None, "--plot", help="Write a Bland-Altman report PNG here."),
    ) -> None:
        """MAE, RMSE, MAPE, Pearson (with standard errors) from HR tables."""
        import json

        from micropulse.cli.common import out_file
        from micropulse.eval.score import score_tables

        out_file(json_file, "--json-file")
        out_file(plot, "--plot")
        doc = score_tables(pred, gt, recipe=recipe, per_video=per_video, plot=plot)
        text = json.dumps(doc, indent=1)
        if json_file is not None:
            from micropulse.eval.outputs import atomic_write_text

            atomic_write_text(json_file, text)
        if as_json:
            typer.echo(text)
            return
        from micropulse.cli.tables import metrics_table, print_table

        print_table(metrics_table(doc, f"{pred.name}: {doc['n_rows']} rows, {doc['n_videos']} videos"))
