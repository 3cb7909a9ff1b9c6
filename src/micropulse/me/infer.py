"""Model outputs per window -> per-video score and intervals with emotions (specs §4), shared by
training evaluation and ``micropulse spot``."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

from micropulse.errors import InputError
from micropulse.me import decode as D


@dataclass(frozen=True)
class DecodeSettings:
    """How scores become intervals.

    Attributes:
        decoder: ``"peak"`` (MEAN / ME-TST, §4.2) or ``"extensible"`` (BoostingVRME, §4.3).
        k_p: half-width of the expected expression (frames on the model's grid).
        p: Moilanen threshold fraction (0.55; 0.65 for SAMM test).
        synergy: 0, 1 or 2 (§4.4); with 1 the neutral filter removes intervals voted neutral.
        min_peak: absolute floor on the smoothed score at a peak (0 = the published relative rule only);
            on a video without any expression the relative threshold always finds peaks in the noise.
    """

    decoder: str = "peak"
    k_p: int = 6
    p: float = D.DEFAULT_P
    synergy: int = 1
    min_peak: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


@torch.no_grad()
def window_outputs(
    model: torch.nn.Module, windows: np.ndarray, batch_size: int = 256
) -> tuple[np.ndarray, np.ndarray]:
    """Run a model on (W, C, k) windows -> spot scores (W, k) and recognition logits (W, k, 5)."""
    model.eval()
    device = next(model.parameters()).device
    spots, logits = [], []
    x = torch.as_tensor(np.ascontiguousarray(windows), dtype=torch.float32)
    for i in range(0, len(x), batch_size):
        s, r = model(x[i : i + batch_size].to(device))
        spots.append(s.cpu().numpy())
        logits.append(r.cpu().numpy())
    if not spots:
        return np.zeros((0, windows.shape[-1])), np.zeros((0, windows.shape[-1], 5))
    return np.concatenate(spots), np.concatenate(logits)


def decode_video(
    spot_windows: np.ndarray, logit_windows: np.ndarray, settings: DecodeSettings = DecodeSettings()
) -> tuple[np.ndarray, list[D.SpottedInterval]]:
    """Stitch window outputs of one video (§4.1, per video), find intervals and vote their emotions.

    Returns the per-frame score (n,) and the intervals (frames on the model's grid, clipped to the video).
    """
    if len(spot_windows) == 0:
        return np.zeros(0), []
    scores = D.stitch_windows(spot_windows)
    labels = D.frame_labels(D.stitch_windows(logit_windows), synergy=settings.synergy)
    if settings.decoder == "peak":
        found = D.peak_intervals(scores, settings.k_p, p=settings.p, clip=True)
    elif settings.decoder == "extensible":
        found = D.extensible_intervals(scores, settings.k_p, p=settings.p)
    else:
        raise InputError(f"unknown decoder {settings.decoder!r}; known: peak, extensible")
    if settings.min_peak > 0:
        found = [iv for iv in found if iv.score >= settings.min_peak]
    found = D.assign_emotions(found, labels)
    if settings.synergy == 1:
        found = D.neutral_filter(found)
    return scores, found
