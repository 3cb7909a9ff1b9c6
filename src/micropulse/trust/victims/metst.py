"""micropulse's own served classifier as a victim: the ME-TST recognition head, attacked in its input
feature space (the ROI optical-flow windows, (10 channels, k frames)), not in pixels.

The classifier maps one window (1, 10, k) to the 5 emotion logits of its centre frame (negative,
positive, surprise, others, neutral). The windows come from synthetic expression videos rendered and
featurised once (cached). Labels are the undefended model's own predictions (there is no per-window
ground truth), so its clean accuracy is 1 by construction; an attack succeeds when the served label
changes. eps is in feature units (pixels of flow, as in the features).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from micropulse.trust.store import cache_dir, settings_key, write_npz
from micropulse.trust.victims.base import VICTIMS, Victim

log = logging.getLogger(__name__)

DEFAULT_CLIPS = {"n_clips": 2, "seconds": 20.0, "n_micro": 6, "n_macro": 1, "seed": 11}


def recognition_head(net: Any, frame: int | None = None) -> Any:
    """A torch module (N, 1, C, k) -> (N, 5): the recognition logits of frame ``frame`` (default k // 2)."""
    from torch import nn  # optional dependency: ME-TST is a torch model

    class _Head(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, x):
            _, logits = self.net(x[:, 0])
            return logits[:, logits.shape[1] // 2 if frame is None else frame, :]

    return _Head().eval()


def feature_windows(
    info: Any, n_clips: int, seconds: float, n_micro: int, n_macro: int, seed: int
) -> np.ndarray:
    """Render ``n_clips`` synthetic expression videos (one face variant each) -> windows (W, C, k)."""
    from micropulse.io import open_video
    from micropulse.me.extract import FeatureConfig, extract_me_features
    from micropulse.synth.me import MESettings, material_with_landmarks, render_me_clip, subject_variant

    cfg = FeatureConfig(roi_set=info.roi_set, k=info.k, flow=info.flow)
    img, lm = material_with_landmarks()
    out = []
    for i in range(n_clips):
        face, face_lm = subject_variant(img, lm, i)
        clip = render_me_clip(face, face_lm, MESettings(seconds=seconds, n_micro=n_micro, n_macro=n_macro,
                                                        seed=seed + i))  # fmt: skip
        out.append(extract_me_features(open_video(clip.frames, fps=clip.fps), cfg).features.windows)
    return np.concatenate(out).astype(np.float64)


def metst_victim(
    cache: str | Path | None = None, seed: int = 0, weights: str | Path | None = None,
    clips: dict[str, Any] | None = None,
) -> Victim:  # fmt: skip
    """The ME-TST recognition head (built-in synthetic-data checkpoint unless ``weights``) and its windows.

    Args:
        cache: cache folder for the rendered windows; seed: unused (the windows are fixed by ``clips``).
        weights: an ME-TST checkpoint (default: the one shipped with micropulse).
        clips: rendering settings (``n_clips``, ``seconds``, ``n_micro``, ``n_macro``, ``seed``).
    """
    from micropulse.me import create_model
    from micropulse.trust.models import TorchLogits

    net = create_model("me-tst", weights="builtin" if weights is None else weights)
    info = net.weights_info
    settings = {**DEFAULT_CLIPS, **(clips or {}), "roi_set": info.roi_set, "k": info.k, "flow": info.flow}
    path = cache_dir(cache) / f"metst-windows-{settings_key(settings)}.npz"
    windows = None
    if path.is_file():
        try:
            with np.load(path) as data:
                windows = data["windows"]
        except (OSError, ValueError, KeyError) as exc:
            log.warning("cannot read the cached %s (%s); rendering again", path, exc)
    if windows is None:
        opts = {k: settings[k] for k in DEFAULT_CLIPS}
        windows = feature_windows(info, **opts)
        write_npz(path, windows=windows)
    x = windows[:, None]
    head = recognition_head(net)
    y = np.argmax(TorchLogits(head)(x), axis=1)
    span = float(np.max(np.abs(x))) if len(x) else 1.0
    meta = {
        "model": info.to_dict(), "windows": settings, "label_source": "the undefended model's prediction",
        "classes": ["negative", "positive", "surprise", "others", "neutral"], "frame": "centre of the window",
        "feature_units": "optical flow, pixels", "class_counts": np.bincount(y, minlength=5).tolist(),
    }  # fmt: skip
    return Victim("me-tst", head, x, y, (-2.0 * span, 2.0 * span), meta)


VICTIMS.register("me-tst")(lambda cache=None, seed=0: metst_victim(cache=cache, seed=seed))
