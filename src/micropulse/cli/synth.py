"""``micropulse synth OUT_DIR``: write a synthetic face video with a known pulse."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("synth")
    def synth(
        out_dir: Path = typer.Argument(..., help="Folder for video.mkv (FFV1), bvp.csv and meta.json."),
        seconds: float = typer.Option(20.0, "--seconds", help="Duration in seconds."),
        hr: float = typer.Option(72.0, "--hr", help="Mean heart rate in bpm."),
        seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same video)."),
        motion: bool = typer.Option(False, "--motion", help="Add head motion."),
        illumination: bool = typer.Option(
            False, "--illumination", help="Add illumination drift and flicker."
        ),
        fps: float = typer.Option(30.0, "--fps", help="Frame rate in Hz."),
        material: str = typer.Option(
            "astronaut", "--material", help="Face material: astronaut, carphone, or an image file."
        ),
        width: int = typer.Option(320, "--width", help="Frame width in pixels."),
        height: int = typer.Option(240, "--height", help="Frame height in pixels."),
        noise: float = typer.Option(2.0, "--noise", help="Sensor noise std in 8-bit grey levels."),
        me: bool = typer.Option(
            False, "--me", help="Write a micro-expression video instead (square, --width px; intervals.csv)."
        ),
    ) -> None:
        """Write a synthetic face video (lossless FFV1) whose pulse is known, with its truth files."""
        from micropulse.cli.common import out_dir as check_out_dir

        check_out_dir(out_dir, "OUT_DIR")  # before any frame is made
        if me:  # micro-/macro-expressions with known intervals (micropulse.synth.me_dataset)
            from micropulse.synth.me_dataset import make_me_video

            truth = make_me_video(
                out_dir, seconds=seconds, fps=fps, seed=seed, material=material, size=width, noise_std=noise
            )
            typer.echo(
                f"wrote {truth.path} ({truth.n_frames} frames, {len(truth.intervals)} synthetic expressions), intervals.csv"
            )
            return
        from micropulse.synth import make_pulse_video

        video = make_pulse_video(
            out_dir,
            seconds=seconds,
            hr_bpm=hr,
            fps=fps,
            seed=seed,
            motion=motion,
            illumination=illumination,
            material=material,
            size=(width, height),
            noise=noise,
            progress_bar=True,
        )
        typer.echo(
            f"wrote {video.video_path} ({video.n_frames} frames at {video.fps:g} fps, "
            f"synthetic HR {video.hr_bpm:.1f} bpm), {video.bvp_path.name}, {video.meta_path.name}"
        )
