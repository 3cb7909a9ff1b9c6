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
        as_json: bool = typer.Option(
            False, "--json", help="Print the scores as JSON on stdout (default: a table)."
        ),
        json_file: Path | None = typer.Option(
            None, "--json-file", help="Also write the scores to this JSON file."
        ),
        classes: str = typer.Option(
            "negative,positive,surprise",
            "--classes",
            help="Recognition classes, comma-separated (add 'others' for ME-TST's 4-class CAS(ME)^3 STRS).",
        ),
    ) -> None:
        """Spotting P/R/F1 (ME, MaE, overall), recognition F1/UF1/UAR on spotted TPs, and STRS."""
        from micropulse.cli.common import out_file
        from micropulse.errors import InputError
        from micropulse.me.labels import EMOTIONS
        from micropulse.me.score import megc_score, read_intervals_csv

        out_file(json_file, "--json-file")

        names = tuple(c.strip().lower() for c in classes.split(",") if c.strip())
        unknown = [c for c in names if c not in EMOTIONS]
        if unknown or not names:
            raise InputError(f"--classes: unknown class(es) {unknown}; choose from {', '.join(EMOTIONS)}")
        result = megc_score(read_intervals_csv(gt), read_intervals_csv(pred), iou=iou, classes=names)
        doc = result.to_dict()
        text = json.dumps(doc, indent=2)
        if json_file is not None:
            from micropulse.eval.outputs import atomic_write_text

            atomic_write_text(json_file, text + "\n")
        if as_json:
            typer.echo(text)
        else:
            _print_table(doc, iou)


def _print_table(doc: dict, iou: float) -> None:
    """The scores as a rich table; undefined values (nothing to score) are shown as "-"."""
    from rich.console import Console
    from rich.table import Table

    def num(v: object) -> str:
        return "-" if v is None else f"{v:.4f}" if isinstance(v, float) else str(v)

    spot = doc["spotting"]
    t = Table(title=f"MEGC spotting (IoU >= {iou:g})")
    for col in ("type", "tp", "fp", "fn", "precision", "recall", "F1"):
        t.add_column(col, justify="left" if col == "type" else "right")
    for name, c in [("overall", spot), *spot["by_type"].items()]:
        t.add_row(name, *(num(c[k]) for k in ("tp", "fp", "fn", "precision", "recall", "f1")))
    console = Console()
    console.print(t)
    rec = doc["recognition"]
    if rec is None:
        console.print("recognition: not scored (both files need an emotion column)")
    else:
        console.print(
            f"recognition on the {rec['n']} spotted ME(s): F1 {num(rec['f1'])}, UF1 {num(rec['uf1'])}, "
            f"UAR {num(rec['uar'])}; STRS {num(doc['strs'])}"
        )
