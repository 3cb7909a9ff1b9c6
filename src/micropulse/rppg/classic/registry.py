"""The registry of classic rPPG methods: RGB trace (or skin pixels) -> BVP.

Each method lives in its own module and registers itself with :func:`register_method`; the
registered object is a :class:`ClassicMethod`, a callable ``method(rgb, fs) -> bvp`` that validates
its input, runs the method and checks that the output is finite and as long as the input.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from micropulse.errors import InputError, SignalError
from micropulse.registry import Registry
from micropulse.rppg.classic._input import as_pixels, as_rgb_trace
from micropulse.signals.filters import check_fs

logger = logging.getLogger(__name__)

#: Length of the BVP every method returns (documented once; see MethodInfo.output_length).
SAME_LENGTH = "T (same number of frames as the input)"


@dataclass(frozen=True)
class MethodInfo:
    """What a classic method is and how it behaves.

    Attributes:
        name: registry name (lower case).
        title: human-readable name.
        paper: the publication the method comes from.
        needs_pixels: True if the input must be skin pixels (T, N, 3) instead of an RGB trace (T, 3).
        window: the analysis window ("whole trace" or its length rule in frames).
        band_hz: band (low, high) in Hz of the method's own band-pass filter, or None if it has none;
            the sampling rate must exceed twice the high edge.
        filtering: what filtering the method applies itself. Methods without a filter return a raw
            BVP that still needs the evaluation post-processing (spec rppg.md section 4.2).
        output_length: length rule of the returned BVP.
        notes: where this implementation departs from the reference code, and why.
    """

    name: str
    title: str
    paper: str
    needs_pixels: bool = False
    window: str = "whole trace"
    band_hz: tuple[float, float] | None = None
    filtering: str = "none (raw BVP: detrend and band-pass it before estimating HR, spec 4.2)"
    output_length: str = SAME_LENGTH
    notes: str = ""

    def to_dict(self) -> dict:
        out = asdict(self)
        out["band_hz"] = None if self.band_hz is None else list(self.band_hz)
        return out


@dataclass(frozen=True)
class ClassicMethod:
    """A registered method: call it as ``method(rgb, fs)`` to get the BVP (T,).

    Attributes:
        info: the method's metadata.
        compute: the core function on validated input ((T, 3) trace or (T, N, 3) pixels plus the
            (T, N) mask of usable pixels for pixel methods; fs in Hz).
        min_frames: shortest accepted input in frames, as a function of fs in Hz.
    """

    info: MethodInfo
    compute: Callable[..., np.ndarray]
    min_frames: Callable[[float], int]

    @property
    def name(self) -> str:
        return self.info.name

    def __call__(self, rgb: np.ndarray, fs: float) -> np.ndarray:
        """BVP of shape (T,) from an RGB trace (T, 3) — or pixels (T, N, 3) — sampled at ``fs`` Hz."""
        name = self.info.name.upper()
        try:
            fs = check_fs(fs)
        except InputError as exc:
            raise InputError(f"{name}: {exc.message}") from None
        if self.info.band_hz is not None and self.info.band_hz[1] >= fs / 2:
            lo, hi = self.info.band_hz
            raise InputError(
                f"{name}: its {lo}-{hi} Hz band-pass needs a sampling rate above {2 * hi:g} Hz, got fs={fs:g} Hz"
            )
        min_n = self.min_frames(fs)
        if self.info.needs_pixels:
            pixels, valid = as_pixels(rgb, name, min_n)
            n_frames = pixels.shape[0]
            bvp = self.compute(pixels, valid, fs)
        else:
            trace = as_rgb_trace(rgb, name, min_n)
            n_frames = trace.shape[0]
            bvp = self.compute(trace, fs)
        bvp = np.asarray(bvp, dtype=np.float64)
        if bvp.shape != (n_frames,):
            raise SignalError(f"{name}: produced shape {bvp.shape}, expected ({n_frames},)")  # a bug guard
        if not np.all(np.isfinite(bvp)):
            raise SignalError(f"{name}: the input is degenerate for this method (non-finite BVP)")
        logger.debug("%s: %d frames at %.3f Hz", name, n_frames, fs)
        return bvp


METHODS: Registry[ClassicMethod] = Registry("classic rPPG method")


def register_method(
    info: MethodInfo, min_frames: Callable[[float], int]
) -> Callable[[Callable[..., np.ndarray]], ClassicMethod]:
    """Decorator: wrap a core function into a :class:`ClassicMethod` and register it by ``info.name``."""

    def deco(compute: Callable[..., np.ndarray]) -> ClassicMethod:
        method = ClassicMethod(info=info, compute=compute, min_frames=min_frames)
        METHODS.register(info.name)(method)
        return method

    return deco


def list_methods() -> list[str]:
    """Names of the registered classic methods, sorted."""
    return METHODS.names()


def list_trace_methods() -> list[str]:
    """The methods that run on mean skin colour per frame (every method but those needing skin pixels):
    what the video front end, ``pulse``, ``evaluate`` and ``live`` can use."""
    return [n for n in METHODS.names() if not METHODS.get(n).info.needs_pixels]


def get_method(name: str) -> ClassicMethod:
    """The method registered as ``name`` (case-insensitive); an unknown name lists the known ones."""
    return METHODS.get(name)


def apply_method(name: str, rgb: np.ndarray, fs: float) -> np.ndarray:
    """Run the method ``name`` on an RGB trace (T, 3) — pixels (T, N, 3) for SSR — at ``fs`` Hz.

    Returns the BVP, shape (T,), in arbitrary units.
    """
    return get_method(name)(rgb, fs)
