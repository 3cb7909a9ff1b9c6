"""The built-in demo video: 20 s of synthetic face with a known pulse, cached so reruns are instant."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from pathlib import Path

from micropulse.synth.pulse_video import META_NAME, VIDEO_NAME, SynthSettings, SynthVideo, make_pulse_video

log = logging.getLogger(__name__)

DEFAULT_CACHE_DIR = Path("~/.cache/micropulse/demo")
#: The demo: a 20-s, 320x240, 30-fps video with head motion and illumination drift.
DEMO = {"seconds": 20.0, "hr_bpm": 67.0, "fps": 30.0, "seed": 2024, "motion": True, "illumination": True}


def _cached(folder: Path) -> SynthVideo | None:
    meta_path, video_path = folder / META_NAME, folder / VIDEO_NAME
    if not (meta_path.is_file() and video_path.is_file()):
        return None
    try:
        meta = json.loads(meta_path.read_text())
        settings = SynthSettings(
            **{**meta["settings"], "pulse_direction": tuple(meta["settings"]["pulse_direction"])}
        )
    except (ValueError, KeyError, TypeError):
        return None
    want = SynthSettings(motion=DEMO["motion"], illumination=DEMO["illumination"])
    if (
        asdict(settings) != asdict(want)
        or meta.get("seed") != DEMO["seed"]
        or meta.get("fps") != DEMO["fps"]
        or meta.get("n_frames") != int(round(DEMO["seconds"] * DEMO["fps"]))
        or abs(float(meta.get("hr_bpm", -1)) - DEMO["hr_bpm"]) > 1e-6
    ):
        return None
    return SynthVideo(
        video_path=video_path,
        bvp_path=folder / "bvp.csv",
        meta_path=meta_path,
        hr_bpm=float(meta["hr_bpm"]),
        fps=float(meta["fps"]),
        n_frames=int(meta["n_frames"]),
        seed=int(meta["seed"]),
        settings=settings,
    )


def demo_video(cache_dir: str | Path | None = None, progress_bar: bool = False) -> tuple[SynthVideo, bool]:
    """The demo video in ``cache_dir`` (default ``~/.cache/micropulse/demo``), made if absent or stale.

    Returns:
        (video, reused): ``reused`` is True when a valid cached copy was found.
    """
    folder = Path(cache_dir if cache_dir is not None else DEFAULT_CACHE_DIR).expanduser()
    cached = _cached(folder)
    if cached is not None:
        log.info("reusing the demo video in %s", folder)
        return cached, True
    video = make_pulse_video(folder, progress_bar=progress_bar, **DEMO)
    return video, False
