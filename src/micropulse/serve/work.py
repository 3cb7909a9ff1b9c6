"""What a job process runs: probe an upload by decoding it, measure its pulse, spot its micro-expressions.

These run in a child process (:mod:`micropulse.serve.jobs`), so a decoder crash or a runaway job never
takes the server down. Each sends ``("progress", fraction)`` messages and ends with ``("done", payload)``
or ``("error", code, detail)`` on ``conn``. The pulse JSON is :meth:`PulseResult.to_dict` — exactly what
``micropulse pulse --json`` prints — with the client's file name as ``source``.
"""

from __future__ import annotations

import base64
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from micropulse.errors import MicropulseError
from micropulse.io import FileVideo, Frame

log = logging.getLogger(__name__)

#: Spectrum shown on the page: frequencies in this band, Hz (36-240 bpm).
SPECTRUM_HZ = (0.6, 4.0)
#: Progress messages at most every this many frames.
PROGRESS_EVERY = 15


class ProgressVideo(FileVideo):
    """A video file that reports the fraction of frames decoded to ``report(fraction)``."""

    def __init__(self, path: str | Path, report) -> None:  # noqa: ANN001 - a callable(float)
        super().__init__(path)
        self._report = report

    def _frames(self) -> Iterator[Frame]:
        total = self.n_frames or 0
        for frame in super()._frames():
            if total and frame.index % PROGRESS_EVERY == 0:
                self._report(min(0.99, frame.index / total))
            yield frame


def probe(path: str, min_seconds: float) -> dict[str, Any]:
    """Decode the start of ``path``: a video of at least ``min_seconds`` seconds, or a MicropulseError."""
    from micropulse.errors import VideoReadError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        src = FileVideo(path)
    try:
        duration = src.n_frames / src.fps if src.n_frames and src.fps else None
        if duration is not None and duration < min_seconds:
            raise VideoReadError(
                f"video is only {duration:.2f} s long; at least {min_seconds:g} s are needed for a heart rate"
            )
        return {"fps": src.fps, "n_frames": src.n_frames, "width": src.width, "height": src.height,
                "codec": src.codec, "lossy": src.lossy, "duration_s": duration}  # fmt: skip
    finally:
        src.close()


def _png_b64(rgb: np.ndarray | None, max_side: int = 160) -> str | None:
    """A small PNG of ``rgb`` as base64 text (the face thumbnail on the page)."""
    if rgb is None:
        return None
    import cv2

    scale = min(1.0, max_side / max(rgb.shape[:2]))
    img = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else rgb
    ok, buf = cv2.imencode(".png", cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    return base64.b64encode(buf.tobytes()).decode() if ok else None


def pulse_plots(result) -> dict[str, Any]:  # noqa: ANN001 - a PulseResult
    """The arrays the page draws: the BVP, its spectrum (bpm) and the face thumbnail."""
    from micropulse.signals.spectrum import periodogram

    freqs, power = periodogram(result.bvp, result.fs)
    band = (freqs >= SPECTRUM_HZ[0]) & (freqs <= SPECTRUM_HZ[1])
    peak = float(power[band].max()) if band.any() and power[band].max() > 0 else 1.0
    return {
        "bvp": {"time_s": np.round(result.times_s, 4).tolist(), "value": np.round(result.bvp, 5).tolist()},
        "spectrum": {
            "bpm": np.round(60 * freqs[band], 3).tolist(),
            "power": np.round(power[band] / peak, 5).tolist(),
        },
        "thumbnail_png": _png_b64(result.thumbnail),
    }


def pulse_job(path: str, name: str, options: dict[str, Any], report) -> dict[str, Any]:  # noqa: ANN001
    """Measure the pulse of the upload at ``path`` (``options``: method, window_s) by ``analyse_video``."""
    from micropulse.pipeline.pulse import analyse_video

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = analyse_video(
            ProgressVideo(path, report), method=options.get("method", "pos"), window_s=options.get("window_s")
        )
    payload = result.to_dict()
    payload["source"] = name
    return {"result": payload, "plots": pulse_plots(result), "csv": bvp_csv(result)}


def bvp_csv(result) -> str:  # noqa: ANN001 - a PulseResult
    """The BVP as CSV text (time_s, bvp), as ``micropulse pulse`` writes it."""
    rows = "\n".join(f"{t:.4f},{v:.6g}" for t, v in zip(result.times_s, result.bvp, strict=True))
    return "time_s,bvp\n" + rows + "\n"


def spot_job(path: str, name: str, options: dict[str, Any], report) -> dict[str, Any]:  # noqa: ANN001
    """Spot micro-expressions in the upload with the built-in checkpoint (``micropulse spot``'s JSON)."""
    from micropulse.pipeline.spot import spot_video

    report(0.05)
    result = spot_video(path, name=Path(name).stem, threads=1)
    payload = result.to_dict()
    payload["video"] = name
    return {"result": payload, "plots": {"thumbnail_png": _png_b64(result.thumbnail)}, "csv": None}


KINDS = {"pulse": pulse_job, "spot": spot_job}


def child_main(kind: str, path: str, name: str, options: dict[str, Any], conn) -> None:  # noqa: ANN001
    """Entry point of a job process: run ``kind`` and send its messages on ``conn``."""
    logging.basicConfig(level=logging.WARNING)

    def report(fraction: float) -> None:
        conn.send(("progress", float(fraction)))

    try:
        if kind == "probe":
            conn.send(("done", probe(path, float(options["min_seconds"]))))
        else:
            conn.send(("done", KINDS[kind](path, name, options, report)))
    except MicropulseError as exc:
        detail = exc.message.replace(path, name)
        conn.send(("error", type(exc).__name__, detail))
    except Exception as exc:  # the server answers a generic message; the details go to the server log
        log.exception("job %s on %s failed", kind, name)
        conn.send(("error", "internal_error", f"the analysis failed ({type(exc).__name__})"))
    finally:
        conn.close()
