"""``micropulse live``: heart rate as it happens, from a webcam or a replayed video file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from micropulse.cli.registry_help import RegistryHelpCommand

if TYPE_CHECKING:
    import numpy as np

#: Characters of the terminal sparkline, lowest to highest.
SPARK = "▁▂▃▄▅▆▇█"
#: Width of the sparkline of the pulse wave, characters.
SPARK_WIDTH = 60


def sparkline(values: np.ndarray, width: int = SPARK_WIDTH) -> str:
    """The last part of a wave as a line of block characters (``width`` points, resampled)."""
    import numpy as np  # lazy: `micropulse --help` does not need numpy

    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if v.size < 2:
        return ""
    v = np.interp(np.linspace(0, v.size - 1, min(width, v.size)), np.arange(v.size), v)
    lo, hi = float(v.min()), float(v.max())
    if hi <= lo:
        return SPARK[0] * v.size
    idx = np.round((v - lo) / (hi - lo) * (len(SPARK) - 1)).astype(int)
    return "".join(SPARK[i] for i in idx)


def _panel(update, source: str):  # noqa: ANN001, ANN202 - rich renderables imported lazily
    from rich.panel import Panel
    from rich.table import Table

    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold")
    table.add_column()
    if update is None:
        table.add_row("status", "waiting for the first window...")
    else:
        d = update.to_dict(include_bvp=False)
        hr = "—" if d["hr_bpm"] is None else f"{d['hr_bpm']:.1f} bpm"
        style = "green" if d["reliable"] else "yellow"
        table.add_row(
            "heart rate",
            f"[{style}]{hr}[/]" + ("" if d["reliable"] else f"  ({d['reason'] or 'unreliable'})"),
        )
        table.add_row("quality", "—" if d["quality"] is None else f"{d['quality']:.2f}")
        table.add_row(
            "face",
            ("found" if d["face_found"] else "[red]not found[/]")
            + f"  ({100 * d['coverage']:.0f}% of window)",
        )
        table.add_row("fps", f"{d['fps']:.1f}")
        table.add_row("latency", f"{d['latency_ms']:.0f} ms")
        table.add_row("time", f"{d['time_s']:.1f} s")
        table.add_row("pulse", f"[red]{sparkline(update.bvp)}[/]")
    return Panel(table, title=f"micropulse live — {source}", expand=False)


def register(app: typer.Typer) -> None:
    @app.command("live", cls=RegistryHelpCommand)
    def live(
        camera: int | None = typer.Option(None, "--camera", help="Camera index (0: the default webcam)."),
        video: Path | None = typer.Option(
            None, "--video", help="Replay a video file (at its own frame rate)."
        ),
        method: str = typer.Option("pos", "--method", help="Classic rPPG method ({video-methods})."),
        window: float = typer.Option(
            10.0, "--window", help="Sliding window of the heart rate, s (updated every second)."
        ),
        record: Path | None = typer.Option(
            None, "--record", help="Folder to append live.bvp.csv and live.hr.csv to as the stream runs."
        ),
        as_fast_as_possible: bool = typer.Option(
            False,
            "--as-fast-as-possible",
            help="Replay --video as fast as it can be processed (not at its frame rate).",
        ),
        face: str = typer.Option("mediapipe", "--face", help="Face backend ({face-backends})."),
        seconds: float | None = typer.Option(
            None, "--seconds", help="Stop after this many seconds of stream."
        ),
        as_json: bool = typer.Option(
            False, "--json", help="No display; print one JSON line per update and a summary at the end."
        ),
    ) -> None:
        """Show the heart rate live from a webcam (--camera) or a replayed video (--video); Ctrl-C stops."""
        from micropulse.frontend import FrontEndSettings
        from micropulse.pipeline.live import LiveEstimator, open_live_source, run_live

        source = open_live_source(camera, video)
        try:
            estimator = LiveEstimator(method=method, window_s=window, settings=FrontEndSettings(face=face))
        except BaseException:
            source.close()
            raise
        realtime = not as_fast_as_possible
        try:
            if as_json:

                def emit(update) -> None:  # noqa: ANN001
                    typer.echo(json.dumps(update.to_dict(include_bvp=False)))

                summary = run_live(
                    source, estimator, realtime=realtime, on_update=emit, record=record, max_seconds=seconds
                )
                typer.echo(json.dumps({"summary": summary.to_dict()}))
                return
            from rich.console import Console
            from rich.live import Live

            console = Console()
            with Live(
                _panel(None, source.name), console=console, refresh_per_second=4, transient=False
            ) as screen:
                summary = run_live(
                    source, estimator, realtime=realtime, record=record, max_seconds=seconds,
                    on_update=lambda u: screen.update(_panel(u, source.name)),
                )  # fmt: skip
            lat = summary.latency_ms_median
            console.print(
                f"{summary.frames} frames ({summary.dropped} dropped), {summary.updates} updates, "
                f"processing {summary.processing_fps:.1f} fps"
                + ("" if lat is None else f", frame->HR latency median {lat:.0f} ms")
            )
            if record is not None:
                console.print(f"recorded to {record}")
        finally:
            estimator.close()
