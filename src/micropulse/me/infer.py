"""Model outputs per window -> per-video score and intervals with emotions (specs §4), shared by
training evaluation and ``micropulse spot``. numpy only: running the network is
:func:`micropulse.me.models.inference.window_outputs`.

Decoders are a registry (``list_decoders()``): ``peak`` (MEAN / ME-TST, §4.2) and ``extensible``
(BoostingVRME, §4.3) and ``megc-samm`` (BoostingVRME's MEGC SAMM_test variant), each
``(scores, k_p, p) -> intervals``. A decoder's official run may also vote emotions its own way
(:data:`DECODER_VOTING`: ``megc-samm`` penalises the negative logit and prefers non-negative frames).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from micropulse.errors import InputError
from micropulse.me import decode as D
from micropulse.registry import Registry

Decoder = Callable[[np.ndarray, int, float], list[D.SpottedInterval]]

DECODERS: Registry[Decoder] = Registry("micro-expression decoder")


@DECODERS.register("peak")
def _peak(scores: np.ndarray, k_p: int, p: float) -> list[D.SpottedInterval]:
    """MEAN / ME-TST peak decoder (§4.2), intervals clipped to the video."""
    return D.peak_intervals(scores, k_p, p=p, clip=True)


@DECODERS.register("extensible")
def _extensible(scores: np.ndarray, k_p: int, p: float) -> list[D.SpottedInterval]:
    """BoostingVRME's extensible-interval decoder (§4.3)."""
    return D.extensible_intervals(scores, k_p, p=p)


@DECODERS.register("megc-samm")
def _megc_samm(scores: np.ndarray, k_p: int, p: float) -> list[D.SpottedInterval]:
    """BoostingVRME's MEGC ``SAMM_test`` decoder (§4.3, last paragraph; the official run uses p = 0.65)."""
    return D.megc_samm_intervals(scores, k_p, p=p)


def list_decoders() -> list[str]:
    """Names of the registered interval decoders."""
    return DECODERS.names()


def get_decoder(name: str) -> Decoder:
    """The decoder registered as ``name`` (UnknownNameError lists the known ones)."""
    return DECODERS.get(name)


#: Emotion voting of the decoders whose official run votes differently from the default (§4.4), as
#: ``(negative_penalty, prefer_non_negative)``: BoostingVRME's MEGC ``SAMM_test`` run (the ``megc-samm``
#: decoder) subtracts 1.0 from the negative logit (synergy 1) and, when more than 20 % of an interval's frames
#: are not negative, votes among those only. Every other decoder: ``(0.0, False)``.
DECODER_VOTING: dict[str, tuple[float, bool]] = {"megc-samm": (1.0, True)}


@dataclass(frozen=True)
class DecodeSettings:
    """How scores become intervals.

    Attributes:
        decoder: ``"peak"`` (MEAN / ME-TST, §4.2), ``"extensible"`` (BoostingVRME, §4.3) or ``"megc-samm"``.
        k_p: half-width of the expected expression (frames on the model's grid).
        p: Moilanen threshold fraction (0.55; 0.65 for SAMM test).
        synergy: 0, 1 or 2 (§4.4); with 1 the neutral filter removes intervals voted neutral.
        min_peak: absolute floor on the smoothed score at a peak (0 = the published relative rule only);
            on a video without any expression the relative threshold always finds peaks in the noise.
        negative_penalty: subtracted from the negative logit before the synergy-1 argmax; None = the decoder's
            official value (:data:`DECODER_VOTING`: 1.0 for ``megc-samm``, else 0).
        prefer_non_negative: the ``SAMM_test`` voting rule; None = the decoder's official choice.
        neutral_filter: where scoring places the synergy-1 neutral filter, ``"after-matching"`` (BoostingVRME)
            or ``"before-matching"`` (micropulse's variant); see :data:`micropulse.me.decode.NEUTRAL_FILTERS`.
    """

    decoder: str = "peak"
    k_p: int = 6
    p: float = D.DEFAULT_P
    synergy: int = 1
    min_peak: float = 0.0
    negative_penalty: float | None = None
    prefer_non_negative: bool | None = None
    neutral_filter: str = "after-matching"

    def __post_init__(self) -> None:
        if self.neutral_filter not in D.NEUTRAL_FILTERS:
            raise InputError(
                f"neutral_filter must be one of {', '.join(D.NEUTRAL_FILTERS)}, got {self.neutral_filter!r}"
            )

    def voting(self) -> tuple[float, bool]:
        """``(negative_penalty, prefer_non_negative)`` in effect: the settings', else the decoder's official."""
        penalty, prefer = DECODER_VOTING.get(self.decoder, (0.0, False))
        return (
            penalty if self.negative_penalty is None else float(self.negative_penalty),
            prefer if self.prefer_non_negative is None else bool(self.prefer_non_negative),
        )

    def to_dict(self) -> dict:
        penalty, prefer = self.voting()
        return asdict(self) | {"voting": {"negative_penalty": penalty, "prefer_non_negative": prefer}}


def window_outputs(model: Any, windows: np.ndarray, batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Deprecated alias of :func:`micropulse.me.models.inference.window_outputs` (kept for callers written
    before the network code moved beside the models)."""
    # torch is an optional dependency (extra ``deep``): the model-side module is imported when a model runs
    from micropulse.me.models.inference import window_outputs as run

    return run(model, windows, batch_size)


def decode_intervals(
    spot_windows: np.ndarray, logit_windows: np.ndarray, settings: DecodeSettings = DecodeSettings()
) -> tuple[np.ndarray, list[D.SpottedInterval]]:
    """Stitch window outputs of one video (§4.1, per video), find intervals and vote their emotions; the
    neutral filter is *not* applied (scoring places it, see :attr:`DecodeSettings.neutral_filter`).

    Returns the per-frame score (n,) and the intervals (frames on the model's grid, clipped to the video).
    """
    if len(spot_windows) == 0:
        return np.zeros(0), []
    penalty, prefer = settings.voting()
    scores = D.stitch_windows(spot_windows)
    labels = D.frame_labels(
        D.stitch_windows(logit_windows), synergy=settings.synergy, negative_penalty=penalty
    )
    found = get_decoder(settings.decoder)(scores, settings.k_p, settings.p)
    if settings.min_peak > 0:
        found = [iv for iv in found if iv.score >= settings.min_peak]
    return scores, D.assign_emotions(found, labels, prefer_non_negative=prefer)


def decode_video(
    spot_windows: np.ndarray, logit_windows: np.ndarray, settings: DecodeSettings = DecodeSettings()
) -> tuple[np.ndarray, list[D.SpottedInterval]]:
    """:func:`decode_intervals`, then with synergy 1 the neutral filter: the intervals a user is shown
    (``micropulse spot``; without ground truth both filter placements leave the same intervals)."""
    scores, found = decode_intervals(spot_windows, logit_windows, settings)
    return scores, (D.neutral_filter(found) if settings.synergy == 1 else found)
