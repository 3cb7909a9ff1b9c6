"""Decoding: stitching independent of batch size, peak decoders, synergy modes, voting, neutral filter."""

from __future__ import annotations

import numpy as np
import pytest

from micropulse.errors import InputError
from micropulse.me.decode import (
    SpottedInterval,
    assign_emotions,
    extensible_intervals,
    find_score_peaks,
    frame_labels,
    megc_samm_intervals,
    neutral_filter,
    nms_intervals,
    peak_intervals,
    smooth_scores,
    stitch_videos,
    stitch_windows,
    vote_emotion,
)


def _windows(seq: np.ndarray, k: int) -> np.ndarray:
    h = k // 2
    n_win = len(seq) // h - 1
    return np.stack([seq[w * h : w * h + k] for w in range(n_win)])


def test_stitch_recovers_the_sequence() -> None:
    seq = np.arange(103.0)
    win = _windows(seq, 10)  # W = 103 // 5 - 1 = 19 windows
    out = stitch_windows(win)
    assert out.shape == (100,)
    np.testing.assert_array_equal(out, seq[:100])
    logits = np.stack([seq, -seq], axis=-1)
    out2 = stitch_windows(_windows(logits, 10))
    assert out2.shape == (100, 2)


def test_stitch_keeps_second_halves_of_later_windows() -> None:
    win = np.stack([np.full(4, w, dtype=float) for w in range(3)])  # each window filled with its index
    np.testing.assert_array_equal(stitch_windows(win), [0, 0, 0, 0, 1, 1, 2, 2])


def _reference_buggy_stitch(batches: list[np.ndarray], counts: list[int], k: int) -> list[np.ndarray]:
    """The original loop (§4.1): 'write the whole window' fires on the first row of every batch."""
    h = k // 2
    out, video, frame = [], 0, 0
    cur = np.zeros((counts[0] + 1) * h)
    for batch in batches:
        for i, row in enumerate(batch):
            if frame == counts[video]:
                out.append(cur)
                video, frame = video + 1, 0
                cur = np.zeros((counts[video] + 1) * h)
            if i == 0:
                cur[frame * h : (frame + 2) * h] = row
            else:
                cur[(frame + 1) * h : (frame + 2) * h] = row[h:]
            frame += 1
    out.append(cur)
    return out


def test_stitch_videos_is_independent_of_batch_size() -> None:
    rng = np.random.default_rng(0)
    k = 10
    counts = [7, 3, 12, 1, 5]
    rows = rng.random((sum(counts), k))
    videos = [(f"v{i}", n) for i, n in enumerate(counts)]
    results = []
    for bs in (1, 4, 7, 256):
        batches = [rows[i : i + bs] for i in range(0, len(rows), bs)]
        results.append(stitch_videos(batches, videos))
    for res in results[1:]:
        for vid, _ in videos:
            np.testing.assert_array_equal(res[vid], results[0][vid])
    start = 0
    for vid, n in videos:  # each video: its own first window in full
        np.testing.assert_array_equal(results[0][vid][:k], rows[start])
        start += n
    # the reference loop is not batch-size independent (trap 4)
    b4 = _reference_buggy_stitch([rows[i : i + 4] for i in range(0, len(rows), 4)], counts, k)
    b256 = _reference_buggy_stitch([rows], counts, k)
    assert any(not np.array_equal(a, b) for a, b in zip(b4, b256, strict=True))


def test_stitch_videos_checks_counts() -> None:
    with pytest.raises(InputError, match="accounts for"):
        stitch_videos([np.zeros((3, 4))], [("a", 2)])
    with pytest.raises(InputError, match="even"):
        stitch_windows(np.zeros((2, 5)))


def _bump(n: int, centre: int, half: int, height: float = 1.0) -> np.ndarray:
    s = np.zeros(n)
    s[centre - half : centre + half + 1] = height
    return s


def test_smoothing_matches_box_convolution() -> None:
    s = _bump(40, 20, 2)
    sm = smooth_scores(s, 3)
    assert sm.shape == s.shape
    assert sm.max() == pytest.approx(5 / 6)  # 5 ones under a 6-wide box
    assert sm[0] == 0.0


def test_peak_intervals_fixed_half_width() -> None:
    k_p = 4
    s = _bump(200, 50, 4) + _bump(200, 140, 4, 0.9) + _bump(200, 100, 4, 0.2)  # the 0.2 bump is below thr
    out = peak_intervals(s, k_p)
    assert len(out) == 2
    for iv, centre in zip(out, (50, 140), strict=True):
        assert abs(iv.apex - centre) <= 1
        assert (iv.onset, iv.offset) == (iv.apex - k_p, iv.apex + k_p)
    assert peak_intervals(np.zeros(50), 3) == []  # no dummy [0, 0] interval (trap 7)


def test_peak_intervals_not_clipped_unless_asked() -> None:
    s = _bump(60, 4, 1)
    assert peak_intervals(s, 5)[0].onset == -1  # apex 4, k_p 5
    assert peak_intervals(s, 5, clip=True)[0].onset == 0


def test_peaks_respect_distance_k_p() -> None:
    s = np.zeros(100)
    s[[40, 43]] = 1.0
    s[41:43] = 0.5
    peaks, _ = find_score_peaks(s, 1, p=0.1)
    assert np.all(np.diff(peaks) >= 1)
    peaks5, _ = find_score_peaks(s + _bump(100, 80, 1), 5, p=0.1)
    assert np.all(np.diff(peaks5) >= 5)


def test_extensible_decoder_places_boundaries_on_raw_score() -> None:
    n, k_p = 120, 4
    raw = np.full(n, 0.05)
    # rise 52..60, plateau above the mean out to 70, fall to 74
    raw[52:61] = np.linspace(0.1, 1.0, 9)
    raw[61:71] = 0.9
    raw[71:75] = np.linspace(0.7, 0.2, 4)
    out = extensible_intervals(raw, k_p)
    assert len(out) == 1
    iv = out[0]
    assert iv.apex == 60  # argmax of the raw score
    mu = raw.mean()  # 0.172
    # no rise inside [q - k_p, q) (plateau) -> start = q - k_p; then widened left until two consecutive
    # frames below the mean (52, 51) -> onset 53 = the first frame at or above the mean
    assert iv.onset == 53 and raw[52] < mu <= raw[53]
    # right: widened until two consecutive below-mean frames (75, 76) -> offset 74
    assert iv.offset == 74 and raw[75] < mu <= raw[74]


def test_extension_keeps_boundary_when_no_low_pair() -> None:
    # the score never has two consecutive below-mean frames left of the peak -> start stays where the
    # rising test put it (trap 6), not at the 5 k_p limit
    k_p = 3
    raw = np.tile([1.0, 0.0], 40)  # alternating: no two consecutive low frames anywhere
    raw[40:43] = [2.0, 3.0, 2.0]
    out = extensible_intervals(raw, k_p, p=0.3)
    apexes = [iv.apex for iv in out]
    assert 41 in apexes
    iv = out[apexes.index(41)]
    assert iv.onset >= 41 - k_p  # never widened to 41 - 5 k_p


def test_nms_drops_close_apexes() -> None:
    a = SpottedInterval(10, 20, 15)
    b = SpottedInterval(12, 22, 17)  # apex within k_p of a
    c = SpottedInterval(40, 50, 45)
    assert nms_intervals([c, b, a], 4) == [a, c]


def test_synergy_modes() -> None:
    logits = np.array(
        [
            [1.0, 0.5, 0.0, 0.0, 5.0],  # neutral dominant
            [-1.0, -2.0, -3.0, -0.5, 1.0],  # every emotion logit < 0
            [0.2, 0.9, 0.1, 0.0, 0.5],
        ]
    )
    np.testing.assert_array_equal(frame_labels(logits, synergy=0), [4, 4, 1])
    np.testing.assert_array_equal(frame_labels(logits, synergy=1), [0, 4, 1])
    np.testing.assert_array_equal(frame_labels(logits, synergy=2), [0, 3, 1])
    np.testing.assert_array_equal(frame_labels(logits, synergy=1, negative_penalty=1.0)[0], 1)
    assert frame_labels(np.zeros((2, 7, 5)), synergy=1).shape == (2, 7)
    with pytest.raises(InputError):
        frame_labels(logits, synergy=3)


def test_vote_slice_and_ties() -> None:
    labels = np.array([2, 0, 0, 1, 1, 3, 3, 3])
    # interval [0, 7]: frames 1..5 -> 0,0,1,1,3 -> tie 0/1 goes to the first seen (0); frame 6 excluded
    assert vote_emotion(labels, 0, 7) == 0
    assert vote_emotion(labels, 2, 8) == 1  # frames 3..6 -> 1,1,3,3: tie, 1 seen first
    assert vote_emotion(labels, 5, 6) == 4  # empty slice -> neutral
    assert vote_emotion(labels, -3, 3) == 0  # onset clipped at 0: frames 1..1


def test_assign_and_neutral_filter() -> None:
    labels = np.array([4] * 10 + [1] * 10 + [4] * 10)
    ivs = [SpottedInterval(9, 20, 15), SpottedInterval(21, 29, 25)]
    voted = assign_emotions(ivs, labels)
    assert [iv.emotion for iv in voted] == ["positive", "neutral"]
    assert neutral_filter(voted) == voted[:1]


def test_megc_samm_variant_boundaries_on_smoothed_score() -> None:
    k_p = 6
    s = np.zeros(120)
    s[57:62] = 1.0  # smoothed: 0.08 at 52, 0.17 at 53, plateau 0.42 on 56..63 (peak 59), 0.17 at 66
    (iv,) = megc_samm_intervals(s, k_p)
    # left: 53 is the first i (from 58 down) with sm[i], sm[i-1] < 0.2; right: the near search covers
    # 60..64 only (no pair < 0.2 there), the far one starts at 66: sm[66], sm[67] < 0.8 -> end 67
    assert (iv.onset, iv.apex, iv.offset) == (53, 59, 67)
    s = np.zeros(120)
    s[55:66] = 1.0  # wider: no pair < 0.2 within k_p of the peak (60) -> the 0.8 searches
    (iv,) = megc_samm_intervals(s, k_p)
    assert (iv.onset, iv.apex, iv.offset) == (53, 60, 68)


def test_vote_prefers_non_negative_when_asked() -> None:
    labels = np.array([9, 0, 0, 0, 0, 1, 1, 9])  # frames 1..6: 0,0,0,0,1,1 -> 1/3 non-negative
    assert vote_emotion(labels, 0, 8) == 0
    assert vote_emotion(labels, 0, 8, prefer_non_negative=True) == 1


def test_targets_to_intervals_to_score_round_trip() -> None:
    """Labels -> per-frame outputs -> windows -> stitch -> decode -> vote -> MEGC score: a perfect model."""
    import pandas as pd

    from micropulse.me.labels import MEInterval, k_p_from_intervals, recognition_target, spotting_target
    from micropulse.me.score import megc_score

    rng = np.random.default_rng(1)
    emotions = ["negative", "positive", "surprise", "others", "positive"]
    gt = [MEInterval(60 + 110 * i, 71 + 110 * i, 65 + 110 * i, emotions[i]) for i in range(5)]
    n, k = 615, 30
    score = spotting_target(n, gt) + rng.normal(0, 0.03, n)
    logits = np.eye(5)[recognition_target(n, gt)] * 3.0 - 1.0
    win = _windows(score, k)
    stitched = stitch_videos([win[:7], win[7:]], [("v", len(win))])["v"]
    k_p = k_p_from_intervals(gt)
    found = assign_emotions(
        peak_intervals(stitched, k_p), frame_labels(stitch_windows(_windows(logits, k)), synergy=1)
    )
    pred = pd.DataFrame(
        [("v", iv.onset, iv.offset, iv.emotion) for iv in found],
        columns=["video", "onset", "offset", "emotion"],
    )
    truth = pd.DataFrame(
        [("v", iv.onset, iv.offset, iv.emotion) for iv in gt], columns=["video", "onset", "offset", "emotion"]
    )
    res = megc_score(truth, pred)
    assert (res.spotting.tp, res.spotting.fp, res.spotting.fn) == (5, 0, 0)
    assert res.recognition is not None and res.recognition.n == 4 and res.recognition.f1 == 1.0
    assert res.strs == 1.0
