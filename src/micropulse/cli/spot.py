"""``micropulse spot VIDEO``: micro-expression intervals (onset, apex, offset, emotion) in a face video."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from micropulse.cli.registry_help import RegistryHelpCommand


def register(app: typer.Typer) -> None:
    """Add the ``spot`` command to ``app``."""

    @app.command("spot", cls=RegistryHelpCommand)
    def spot(
        video: Path = typer.Argument(..., help="Face video (any format OpenCV reads) or a folder of frames."),
        model: str | None = typer.Option(
            None, "--model", help="{me-models} (default: the checkpoint's model, else me-tst)."
        ),
        weights: Path | None = typer.Option(
            None,
            "--weights",
            help="model.pt from `micropulse train` or an official ME-TST state dict (.pkl/.pth). "
            "Default: the built-in weights, trained on synthetic data only.",
        ),
        out: Path = typer.Option(Path("micropulse_out"), "--out", help="Output folder."),
        decoder: str | None = typer.Option(
            None,
            "--decoder",
            help="Interval decoder: {decoders}; default: the checkpoint's. megc-samm also votes emotions as "
            "BoostingVRME's SAMM_test run (negative logit -1, non-negative frames preferred).",
        ),
        p: float | None = typer.Option(None, "--p", help="Threshold fraction p in [0, 1] (default 0.55)."),
        k_p: int | None = typer.Option(None, "--k-p", help="Decoder half-width in frames at ~30 fps."),
        synergy: int | None = typer.Option(
            None,
            "--synergy",
            help="Emotion mode 0/1/2 (1 drops intervals voted neutral; with no ground truth the filter's "
            "placement, before or after matching, changes nothing); default: checkpoint's.",
        ),
        flow: str | None = typer.Option(
            None,
            "--flow",
            help="Optical flow: {flows} (farneback is the published one); default: the checkpoint's.",
        ),
        fps: float | None = typer.Option(None, "--fps", help="Frame rate (Hz) for a folder of frames."),
        as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
    ) -> None:
        """Spot micro-expressions: writes <stem>.intervals.csv, <stem>.json and <stem>.png."""
        import warnings

        from micropulse.cli.common import out_dir
        from micropulse.io import VideoWarning
        from micropulse.pipeline.spot import spot_video

        out_dir(out, "--out")  # before any work: an unwritable folder is a one-line error now
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", VideoWarning)  # io logs them already
            result = spot_video(
                video, model=model, weights=weights, out_dir=out, decoder=decoder, p=p, k_p=k_p,
                synergy=synergy, flow=flow, fps=fps, show_progress=not as_json,
            )  # fmt: skip
        stem = video.stem
        paths = [out / f"{stem}.intervals.csv", out / f"{stem}.json", out / f"{stem}.png"]
        if as_json:
            payload = result.to_dict(include_curve=False)
            payload["outputs"] = [str(x) for x in paths]
            typer.echo(json.dumps(payload, indent=2))
            return
        typer.echo(_summary(result))
        typer.echo("wrote " + ", ".join(str(x) for x in paths))


def _summary(result) -> str:  # noqa: ANN001 - SpotResult, imported lazily
    lines = [
        f"{len(result.intervals)} interval(s) in {result.n_frames * result.frame_skip / result.fps:.1f} s "
        f"({result.model.arch}, {result.decode['decoder']} decoder, face on {100 * result.face_coverage:.0f}% "
        f"of frames; weights: {result.model.weights})"
    ]
    segments = result.face_segments()
    if result.face_coverage < 1.0 and segments:
        spans = ", ".join(f"{s['onset_frame']}-{s['offset_frame']}" for s in segments)
        lines.append(f"face tracked on frames {spans} only: no interval is reported outside them")
    overlaps = {j for _, j in result.overlapping()}
    for i, iv in enumerate(result.intervals):
        lines.append(
            f"  frames {iv.onset_frame}-{iv.offset_frame} (apex {iv.apex_frame}), "
            f"{iv.onset_s:.2f}-{iv.offset_s:.2f} s, {iv.emotion or '-'}, score {iv.score:.3f}"
            + (" (overlaps an earlier interval)" if i in overlaps else "")
        )
    if overlaps:
        lines.append(
            f"note: {result.decode.get('overlaps', '')}; --decoder extensible removes overlaps by NMS"
        )
    return "\n".join(lines)
