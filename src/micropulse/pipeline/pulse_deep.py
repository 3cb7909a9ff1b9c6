"""Video -> pulse with a deep model (PhysNet, RhythmFormer, RhythmMamba): the same outputs as the classic path."""

from __future__ import annotations

import logging
from pathlib import Path

from micropulse.pipeline.pulse import PulseResult, input_notes
from micropulse.pipeline.pulse_core import pulse_from_deep_bvp

log = logging.getLogger(__name__)


def analyse_video_deep(
    path: str | Path,
    model: str,
    weights: str | Path | None,
    band: tuple[float, float] | None,
    window_s: float | None,
    face: str,
    progress: bool,
    min_seconds: float,
    fps: float | None,
) -> PulseResult:
    """Face crops -> deep model BVP (:func:`micropulse.pipeline.deep_pulse.deep_bvp`) -> HR, HRV, respiration.

    Arguments as in :func:`micropulse.pipeline.pulse.analyse_video`. Without ``weights`` the model is
    randomly initialised and the result says so (useful only for testing the plumbing).
    """
    from micropulse.pipeline.deep_pulse import deep_bvp

    name = str(path)
    db = deep_bvp(
        path, model=model, weights=weights, face=face, fps=fps, progress=progress, min_seconds=min_seconds
    )
    core = pulse_from_deep_bvp(db.times_s, db.bvp, db.fs, band=band, window_s=window_s, name=name)
    coverage = db.face_frames / max(db.n_frames, 1)
    notes = input_notes(db.lossy, db.codec, coverage) + list(core.notes)
    if weights is None:
        notes.append(f"deep model {model!r} ran with RANDOM weights (no --weights): its pulse is meaningless")
    for note in notes:
        log.warning("%s: %s", name, note)
    return PulseResult(
        source=name,
        bvp=core.bvp,
        times_s=core.times_s,
        fs=core.fs,
        summary=core.summary,
        method=f"deep:{model}",
        face_coverage=coverage,
        segment_s=(float(db.times_s[0]), float(db.times_s[-1])),
        fps=db.fs,
        n_frames=db.n_frames,
        lossy_input=db.lossy,
        codec=db.codec,
        thumbnail=db.thumbnail,
        warnings=tuple(notes),
        model_info=db.to_dict(),
    )
