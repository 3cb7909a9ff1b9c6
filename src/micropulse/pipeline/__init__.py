"""User-facing jobs: analyse a video for its pulse (``pulse``), plots, and later spotting and batches."""

from __future__ import annotations

__all__ = ["analyse_video"]


def __getattr__(name: str):  # noqa: ANN202 - lazy re-export keeps ``import micropulse.pipeline`` light
    if name == "analyse_video":
        from micropulse.pipeline.pulse import analyse_video

        return analyse_video
    raise AttributeError(name)
