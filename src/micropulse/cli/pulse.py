"""``micropulse pulse VIDEO``: pulse, heart rate, HRV and respiration from a face video (and ``--demo``)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import typer

from micropulse.cli.registry_help import RegistryHelpCommand
from micropulse.errors import InputError


def register(app: typer.Typer) -> None:
    @app.command("pulse", cls=RegistryHelpCommand)
    def pulse(
        videos: list[str] | None = typer.Argument(
            None,
            help="Face video (lossless FFV1/PNG keep the pulse best); several files, folders or globs run as a batch.",
        ),
        method: str = typer.Option("pos", "--method", help="Classic rPPG method ({video-methods})."),
        band: tuple[float, float] | None = typer.Option(
            None, "--band", help="HR search band LO HI in Hz (default: the signal layer's band)."
        ),
        window: float | None = typer.Option(
            None, "--window", help="Window of the HR-over-time series in s (default 10)."
        ),
        face: str = typer.Option("mediapipe", "--face", help="Face backend ({face-backends})."),
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
            None, "--model", help="Deep model instead of --method ({models}); needs --weights."
        ),
        weights: Path | None = typer.Option(
            None, "--weights", help="Weights of --model (micropulse .pt, official .pth, open-rppg .h5)."
        ),
        recipe: str | None = typer.Option(
            None, "--recipe", help="HR by a named evaluation recipe, as `micropulse evaluate` computes it (default: micropulse's estimator)."
        ),
        segment: str = typer.Option(
            "longest", "--segment", help="Frames analysed: the longest face segment, or the whole video (toolbox-style)."
        ),
        crop: str | None = typer.Option(
            None, "--crop", help="Override the weights' crop geometry ({crops}); default: the weights' own."
        ),
        workers: int = typer.Option(1, "--workers", help="Batch: parallel worker processes."),
        engine: str = typer.Option("local", "--engine", help="Batch: local (process pool) or ray."),
        ray_address: str | None = typer.Option(
            None, "--ray-address", help="Batch with --engine ray: an existing cluster (auto or host:port)."
        ),
        plots: bool = typer.Option(False, "--plots", help="Batch: also write a PNG per video."),
    ) -> None:
        """Measure the pulse in a face video: writes <stem>.bvp.csv, <stem>.json and <stem>.png."""
        from micropulse.io import VideoWarning
        from micropulse.pipeline.pulse import analyse_video, write_outputs

        truth = None
        if weights is not None and model is None:
            raise InputError("--weights needs --model (e.g. --model rhythmmamba --weights FILE)")
        settings = {
            "method": method, "band": band, "window_s": window, "face": face, "fps": fps, "model": model,
            "weights": None if weights is None else str(Path(weights).resolve()), "recipe": recipe,
            "segment": segment, "crop": crop,
        }  # fmt: skip
        if videos and _is_batch(videos):
            if demo:
                raise InputError("give either videos or --demo, not both")
            _run_batch(videos, out, settings, workers, engine, ray_address, plots, as_json)
            return
        video = Path(videos[0]) if videos else None
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
        _check_before_work(video, band, window, out)  # issue 11: bad flags and outputs fail before the work
        with warnings.catch_warnings():
            # io logs every VideoWarning already; do not print it twice with a source line
            warnings.simplefilter("ignore", VideoWarning)
            result = analyse_video(video, progress=not as_json, **settings)
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


def _check_before_work(video: Path, band, window, out: Path) -> None:  # noqa: ANN001
    """Flags and the output folder, checked in well under a second, before any frame is read."""
    from micropulse.cli.common import out_dir, positive

    if str(video).isdigit() and not video.exists():
        raise InputError(
            f"{video}: no such file; pulse reads video files. For a camera, use `micropulse live --camera {video}`"
        )
    if band is not None:
        from micropulse.signals import check_hr_band

        try:
            check_hr_band(band, fs=1e9)  # the video's rate is checked later, against Nyquist
        except InputError as exc:
            raise InputError(f"--band: {exc}") from None
    positive(window, "--window")
    out_dir(out, "--out")


def _is_batch(videos: list[str]) -> bool:
    """Several inputs, a folder or a glob run as a batch; one file (or a folder of frames with --fps) alone."""
    if len(videos) > 1:
        return True
    item = videos[0]
    if any(c in item for c in "*?["):
        return True
    path = Path(item)
    if not path.is_dir():
        return False
    from micropulse.pipeline.batch_task import expand_inputs

    jobs = expand_inputs([path])  # a folder of frames is one video; a folder of videos is a batch
    return not (len(jobs) == 1 and Path(jobs[0].path) == path)


def _run_batch(videos, out, settings, workers, engine, ray_address, plots, as_json) -> None:  # noqa: ANN001
    from micropulse.pipeline.batch import run_batch, summary_line

    if out is None:
        raise InputError("a batch needs --out DIR (results are written there as each video finishes)")
    summary = run_batch(
        videos, out, settings=settings, workers=workers, engine=engine, ray_address=ray_address, plots=plots,
        progress=not as_json,
    )  # fmt: skip
    if as_json:
        typer.echo(json.dumps(summary.to_dict(), indent=2))
    else:
        typer.echo(summary_line(summary))
    if summary.n_videos and summary.failed == summary.n_videos:
        raise InputError(f"every one of the {summary.n_videos} videos failed; see {summary.failures_csv}")


def _summary_text(result, truth: float | None) -> str:
    d = result.to_dict()
    verdict = "" if d.get("hr_reliable", True) else f" — UNRELIABLE: {d.get('hr_reason') or 'poor signal'}"
    snr, quality = d["snr_db"], d["quality"]
    detail = [result.method.upper(), f"band {d['band_hz'][0]:g}-{d['band_hz'][1]:g} Hz"]
    if d.get("recipe"):
        detail.append(f"recipe {d['recipe']}")
    if snr is not None:
        detail.append(f"SNR {snr:.1f} dB")
    if quality is not None:
        detail.append(f"quality {quality:.2f}")
    lines = [
        f"heart rate {d['hr_bpm']:.1f} bpm ({', '.join(detail)}){verdict}",
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
