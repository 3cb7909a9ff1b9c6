"""``micropulse megc-score``: score predicted expression intervals against ground truth (MEGC)."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add the ``megc-score`` command to ``app``."""

    @app.command("megc-score")
    def megc_score_cmd(
        gt: Path = typer.Option(..., "--gt", help="GT CSV: video, onset, offset [, apex, type, emotion]."),
        pred: Path = typer.Option(..., "--pred", help="Predicted intervals CSV, same columns."),
        iou: float = typer.Option(0.5, "--iou", help="IoU threshold for a true positive (inclusive frames)."),
        json_out: Path | None = typer.Option(None, "--json", help="Also write the scores to this JSON file."),
        classes: str = typer.Option(
            "negative,positive,surprise",
            "--classes",
            help="Recognition classes, comma-separated (add 'others' for ME-TST's 4-class CAS(ME)^3 STRS).",
        ),
    ) -> None:
        """Spotting P/R/F1 (ME, MaE, overall), recognition F1/UF1/UAR on spotted TPs, and STRS."""
        from micropulse.errors import InputError
        from micropulse.me.labels import EMOTIONS
        from micropulse.me.score import megc_score, read_intervals_csv

        names = tuple(c.strip().lower() for c in classes.split(",") if c.strip())
        unknown = [c for c in names if c not in EMOTIONS]
        if unknown or not names:
            raise InputError(f"--classes: unknown class(es) {unknown}; choose from {', '.join(EMOTIONS)}")
        result = megc_score(read_intervals_csv(gt), read_intervals_csv(pred), iou=iou, classes=names)
        text = json.dumps(result.to_dict(), indent=2)
        if json_out is not None:
            json_out.parent.mkdir(parents=True, exist_ok=True)
            json_out.write_text(text + "\n")
        typer.echo(text)
