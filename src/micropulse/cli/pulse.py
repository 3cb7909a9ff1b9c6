"""``micropulse pulse VIDEO``: pulse, heart rate, HRV and respiration from a face video (and ``--demo``)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import typer

from micropulse.errors import InputError


def register(app: typer.Typer) -> None:
    @app.command("pulse")
    def pulse(
        video: Path | None = typer.Argument(None, help="Face video (lossless FFV1/PNG keep the pulse best)."),
        method: str = typer.Option("pos", "--method", help="Classic rPPG method (pos, chrom, green, ...)."),
        band: tuple[float, float] | None = typer.Option(
            None, "--band", help="HR search band LO HI in Hz (default: the signal layer's band)."
        ),
        window: float | None = typer.Option(
            None, "--window", help="Window of the HR-over-time series in s (default 10)."
        ),
        face: str = typer.Option("mediapipe", "--face", help="Face backend (mediapipe, haar)."),
        out: Path | None = typer.Option(
            None, "--out", help="Output folder (default: micropulse_out/ here; for --demo: in the cache dir)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout."),
        demo: bool = typer.Option(
            False, "--demo", help="Run on a built-in 20-s synthetic video (no download)."
        ),
        cache_dir: Path | None = typer.Option(
            None, "--cache-dir", help="Where --demo keeps its video (default ~/.cache/micropulse/demo)."
        ),
        no_plot: bool = typer.Option(False, "--no-plot", help="Skip the PNG plot."),
        fps: float | None = typer.Option(
            None, "--fps", help="Frame rate in Hz (required for a folder of frames; overrides a file's)."
        ),
        model: str | None = typer.Option(
            None, "--model", help="Deep model instead of --method (physnet, rhythmformer, rhythmmamba)."
        ),
        weights: Path | None = typer.Option(
            None, "--weights", help="Weights of --model (micropulse .pt, official .pth, open-rppg .h5)."
        ),
    ) -> None:
        """Measure the pulse in a face video: writes <stem>.bvp.csv, <stem>.json and <stem>.png."""
        from micropulse.io import VideoWarning
        from micropulse.pipeline.pulse import analyse_video, write_outputs

        truth = None
        if demo:
            if video is not None:
                raise InputError("give either a VIDEO or --demo, not both")
            from micropulse.synth.demo import demo_video

            synth, reused = demo_video(cache_dir, progress_bar=not as_json)
            if not as_json:
                typer.echo(
                    ("reusing" if reused else "made")
                    + f" a {synth.n_frames / synth.fps:.0f}-s synthetic face video with head motion and "
                    f"illumination drift: {synth.video_path}"
                )
            video, truth = synth.video_path, synth.hr_bpm
            out = out if out is not None else synth.video_path.parent / "out"
        elif video is None:
            raise InputError("give a VIDEO to analyse, or --demo to run on a built-in synthetic video")
        out = out if out is not None else Path("micropulse_out")
        with warnings.catch_warnings():
            # io logs every VideoWarning already; do not print it twice with a source line
            warnings.simplefilter("ignore", VideoWarning)
            if weights is not None and model is None:
                raise InputError("--weights needs --model (e.g. --model rhythmmamba --weights FILE)")
            result = analyse_video(
                video, method=method, band=band, window_s=window, face=face, progress=not as_json, fps=fps,
                model=model, weights=weights,
            )  # fmt: skip
        paths = write_outputs(result, out, plot=not no_plot)
        if as_json:
            payload = result.to_dict()
            payload["outputs"] = {k: str(v) for k, v in paths.items()}
            if truth is not None:
                payload["synthetic_truth_hr_bpm"] = truth
            typer.echo(json.dumps(payload, indent=2))
            return
        typer.echo(_summary_text(result, truth))
        typer.echo("wrote " + ", ".join(str(p) for p in paths.values()))


def _summary_text(result, truth: float | None) -> str:
    d = result.to_dict()
    lines = [
        f"heart rate {d['hr_bpm']:.1f} bpm ({result.method.upper()}, band {d['band_hz'][0]:g}-"
        f"{d['band_hz'][1]:g} Hz, SNR {d['snr_db']:.1f} dB, quality {d['quality']:.2f})"
        if d["snr_db"] is not None and d["quality"] is not None
        else f"heart rate {d['hr_bpm']:.1f} bpm ({result.method.upper()})",
        f"face in {100 * result.face_coverage:.0f}% of {result.n_frames} frames at {result.fps:.2f} fps"
        + ("; lossy input" if result.lossy_input else ""),
    ]
    if d["respiration_bpm"] is not None:
        lines.append(f"respiration {d['respiration_bpm']:.1f} breaths/min")
    hrv = d.get("hrv") or {}
    if hrv.get("rmssd_ms") is not None:
        lines.append(
            f"HRV: RMSSD {hrv['rmssd_ms']:.0f} ms, SDNN {hrv.get('sdnn_ms') or float('nan'):.0f} ms"
            + ("" if hrv.get("reliable") else " (not reliable)")
        )
    if truth is not None:
        err = d["hr_bpm"] - truth
        lines.append(f"synthetic truth {truth:.1f} bpm: found {d['hr_bpm']:.1f} bpm, error {err:+.1f} bpm")
    return "\n".join(lines)
