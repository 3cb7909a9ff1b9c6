"""micropulse: read face videos and measure the subtle signals in them.

The package is layered so that data flows one way::

    io -> face -> signals <- rppg.classic
                  signals <- rppg.deep <- nn -> me.models

Heavy or optional dependencies (torch, mediapipe, ray) are imported lazily, so
``import micropulse`` stays fast and works where torch is absent.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "list_methods", "analyse_video", "spot_video"]


def list_methods() -> list[str]:
    """Names of the registered classic rPPG methods (RGB trace -> BVP)."""
    from micropulse.rppg.classic import list_methods as _list

    return _list()


def analyse_video(*args: Any, **kwargs: Any):  # noqa: ANN201 - re-exported
    """Analyse a face video for its pulse; see :func:`micropulse.pipeline.pulse.analyse_video`."""
    from micropulse.pipeline.pulse import analyse_video as _analyse

    return _analyse(*args, **kwargs)


def spot_video(*args: Any, **kwargs: Any):  # noqa: ANN201 - re-exported
    """Spot micro-expressions in a video; see :func:`micropulse.pipeline.spot.spot_video`."""
    from micropulse.pipeline.spot import spot_video as _spot

    return _spot(*args, **kwargs)
