"""The MEGC SAMM_test voting rules wired into the ``megc-samm`` decoder (specs/micro-expressions.md §4.3-4.4),
and the neutral-filter placement setting of :class:`micropulse.me.infer.DecodeSettings`."""

from __future__ import annotations

import numpy as np
import pytest

from micropulse.errors import InputError
from micropulse.me import decode as D
from micropulse.me.infer import DecodeSettings, decode_intervals, decode_video
from micropulse.me.labels import CLASS_NAMES

K = 20  # window length (frames)


def _windows(
    n_windows: int, emotion_logits: np.ndarray, bump: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Window outputs whose stitched score is a box on ``bump`` and whose logits are ``emotion_logits`` per frame."""
    n = (n_windows + 1) * K // 2
    score = np.zeros(n)
    score[bump[0] : bump[1]] = 1.0
    spot = np.stack([score[w * K // 2 : w * K // 2 + K] for w in range(n_windows)])
    logits = np.stack([emotion_logits[w * K // 2 : w * K // 2 + K] for w in range(n_windows)])
    return spot, logits


def _logits(n: int, frames_positive: np.ndarray) -> np.ndarray:
    """Negative logit 1.5 (wins plain argmax) except on ``frames_positive`` (positive 2.0); positive 1.0 else."""
    z = np.full((n, len(CLASS_NAMES)), -1.0)
    z[:, 0], z[:, 1] = 1.5, 1.0
    z[frames_positive, 1] = 2.0
    return z


def test_megc_samm_decoder_votes_with_the_penalty_and_the_non_negative_rule():
    n_windows = 11
    n = (n_windows + 1) * K // 2
    spot, logits = _windows(n_windows, _logits(n, np.arange(0)), bump=(50, 62))
    # plain (peak) voting: negative wins every frame
    _, peak = decode_video(spot, logits, DecodeSettings(decoder="peak", k_p=6))
    _, samm = decode_video(spot, logits, DecodeSettings(decoder="megc-samm", k_p=6))
    assert [iv.emotion for iv in peak] == ["negative"] and len(samm) == 1
    # megc-samm: negative 1.5 - 1.0 penalty = 0.5 < positive 1.0 -> positive
    assert samm[0].emotion == "positive"
    # the settings override the decoder's official rule
    _, no_penalty = decode_video(spot, logits, DecodeSettings(decoder="megc-samm", k_p=6, negative_penalty=0.0,
                                                              prefer_non_negative=False))  # fmt: skip
    assert no_penalty[0].emotion == "negative"
    assert DecodeSettings(decoder="megc-samm").to_dict()["voting"] == {"negative_penalty": 1.0,
                                                                       "prefer_non_negative": True}  # fmt: skip
    assert DecodeSettings(decoder="peak").voting() == (0.0, False)


def test_prefer_non_negative_votes_among_the_non_negative_frames_when_over_20_percent():
    n_windows = 11
    n = (n_windows + 1) * K // 2
    iv = decode_intervals(*_windows(n_windows, np.zeros((n, 5)), bump=(50, 62)), DecodeSettings(k_p=6))[1][0]
    inside = np.arange(iv.onset + 1, iv.offset - 1)
    for share, prefer_wins in ((0.3, True), (0.1, False)):
        positive = inside[: int(round(share * inside.size))]
        spot, logits = _windows(n_windows, _logits(n, positive), bump=(50, 62))
        base = DecodeSettings(decoder="peak", k_p=6, negative_penalty=0.0)
        _, plain = decode_intervals(spot, logits, base)
        _, prefer = decode_intervals(spot, logits, DecodeSettings(decoder="peak", k_p=6, negative_penalty=0.0,
                                                                  prefer_non_negative=True))  # fmt: skip
        assert plain[0].emotion == "negative"  # majority of the frames
        assert prefer[0].emotion == ("positive" if prefer_wins else "negative")


def test_neutral_filter_placement_is_validated_and_spot_drops_neutral_intervals_either_way():
    with pytest.raises(InputError, match="neutral_filter must be one of after-matching, before-matching"):
        DecodeSettings(neutral_filter="never")
    n_windows = 11
    n = (n_windows + 1) * K // 2
    z = np.full((n, 5), -1.0)  # every emotion logit < 0: synergy 1 votes neutral
    spot, logits = _windows(n_windows, z, bump=(50, 62))
    _, raw = decode_intervals(spot, logits, DecodeSettings(k_p=6))
    assert [iv.emotion for iv in raw] == ["neutral"]  # decode_intervals leaves the filter to scoring
    for where in D.NEUTRAL_FILTERS:
        assert decode_video(spot, logits, DecodeSettings(k_p=6, neutral_filter=where))[1] == []
    assert len(decode_video(spot, logits, DecodeSettings(k_p=6, synergy=2))[1]) == 1  # mode 2: never neutral
