"""MEGC scorer: hand-computed cases and MEAN's published SAMM-LV numbers rebuilt from their counts."""

from __future__ import annotations

import pandas as pd
import pytest

from micropulse.errors import InputError
from micropulse.me.score import (
    SpotCounts,
    interval_iou,
    match_intervals,
    megc_score,
    recognition_score,
)


def _frame(rows: list[tuple], cols: tuple[str, ...] = ("video", "onset", "offset")) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(cols))


def test_iou_inclusive_frames() -> None:
    assert interval_iou(10, 30, 15, 35) == pytest.approx(16 / 26)
    assert interval_iou(15, 35, 10, 30) == pytest.approx(16 / 26)
    assert interval_iou(0, 0, 0, 0) == 1.0
    assert interval_iou(0, 4, 5, 9) == 0.0  # adjacent, no shared frame
    assert interval_iou(0, 4, 4, 9) == pytest.approx(1 / 10)


def test_iou_threshold_is_inclusive_of_half() -> None:
    # [0, 9] vs [0, 19]: IoU exactly 10 / 20 = 0.5 -> TP at the 0.5 criterion
    res = megc_score(_frame([("v", 0, 19)]), _frame([("v", 0, 9)]))
    assert res.spotting.tp == 1
    res = megc_score(_frame([("v", 0, 19)]), _frame([("v", 0, 8)]))
    assert res.spotting.tp == 0 and res.spotting.fp == 1 and res.spotting.fn == 1


def test_one_gt_is_matched_only_once() -> None:
    gt = _frame([("v", 100, 120)])
    pred = _frame([("v", 101, 121), ("v", 100, 120), ("v", 99, 119)])
    res = megc_score(gt, pred)
    assert (res.spotting.tp, res.spotting.fp, res.spotting.fn) == (1, 2, 0)
    # the first prediction in ascending-onset order wins the GT
    assert list(
        match_intervals(pred[["onset", "offset"]].to_numpy(), gt[["onset", "offset"]].to_numpy())
    ) == [
        -1,
        -1,
        0,
    ]


def test_prediction_only_looks_at_its_best_gt() -> None:
    # pred [10, 30] overlaps GT A [10, 29] (IoU 20/21) best and GT B [12, 32] (19/23) second; A is taken
    # by an earlier prediction, so the second prediction is an FP although B would qualify (reference rule).
    gt = _frame([("v", 10, 29), ("v", 12, 32)])
    pred = _frame([("v", 9, 29), ("v", 10, 30)])
    res = megc_score(gt, pred)
    assert (res.spotting.tp, res.spotting.fp, res.spotting.fn) == (1, 1, 1)


def test_counts_are_pooled_over_videos_and_types() -> None:
    gt = pd.DataFrame(
        {
            "video": ["a", "a", "b", "b"],
            "onset": [0, 50, 0, 100],
            "offset": [10, 60, 10, 200],
            "type": ["me", "me", "me", "mae"],
        }
    )
    pred = pd.DataFrame(
        {
            "video": ["a", "b", "b", "c"],
            "onset": [0, 0, 100, 5],
            "offset": [10, 10, 190, 9],
            "type": ["me", "mae", "mae", "me"],
        }
    )
    res = megc_score(gt, pred)
    me, mae = res.by_type["me"], res.by_type["mae"]
    assert (me.tp, me.fp, me.fn) == (1, 1, 2)  # b's ME predicted as MaE does not count for ME
    assert (mae.tp, mae.fp, mae.fn) == (1, 1, 0)
    assert (res.spotting.tp, res.spotting.fp, res.spotting.fn) == (2, 2, 2)
    d = res.to_dict()
    assert set(d) == {"spotting", "recognition", "strs"}
    assert set(d["spotting"]) == {"tp", "fp", "fn", "precision", "recall", "f1", "by_type"}
    assert d["recognition"] is None and d["strs"] is None


def test_recognition_f1_is_not_uf1() -> None:
    rec = recognition_score(["negative", "positive", "positive"], ["positive", "positive", "positive"])
    # negative: P 0 (no prediction), R 0; positive: P 2/3, R 1 -> P 1/3, R 1/2
    assert rec.precision == pytest.approx(1 / 3) and rec.recall == pytest.approx(0.5)
    assert rec.f1 == pytest.approx(2 * (1 / 3) * 0.5 / (1 / 3 + 0.5))
    assert rec.uf1 == pytest.approx((0 + 0.8) / 2)
    assert rec.uar == pytest.approx(0.5)
    assert "surprise" not in rec.per_class  # absent from GT and predictions: skipped


def _mean_samm_lv_case() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Interval lists giving MEAN's SAMM-LV counts: 159 GT MEs, 26 TP, 363 FP, 133 FN.

    The 26 TP carry a recognition confusion (negative, positive, surprise; 7 TPs with GT "others"):
      GT negative x2: 1 -> negative, 1 -> positive;  GT positive x14: 13 -> positive, 1 -> surprise;
      GT surprise x3: 3 -> positive.
    Macro P = (1 + 13/17 + 0)/3 = 0.5882, macro R = (1/2 + 13/14 + 0)/3 = 0.4762 (MEAN, spec §7.3).
    """
    tp_pairs = (
        [("negative", "negative"), ("negative", "positive")]
        + [("positive", "positive")] * 13
        + [("positive", "surprise")]
        + [("surprise", "positive")] * 3
        + [("others", "positive")] * 4
        + [("others", "others")] * 3
    )
    assert len(tp_pairs) == 26
    gt_rows, pred_rows = [], []
    n_videos = 10
    for i in range(159):  # 16 GT MEs per video, 200 frames apart
        video, slot = f"{6 + i % n_videos:03d}_1", i // n_videos
        onset = 1000 + 200 * slot
        emotion = tp_pairs[i][0] if i < 26 else ["negative", "positive", "surprise", "others"][i % 4]
        gt_rows.append((video, onset, onset + 12, emotion))
        if i < 26:  # a TP, shifted by one frame: IoU 12/14
            pred_rows.append((video, onset + 1, onset + 13, tp_pairs[i][1]))
    for j in range(363):  # FPs: far from any GT, or near-misses with IoU < 0.5, or duplicates
        video = f"{6 + j % n_videos:03d}_1"
        if j < 20:  # a later start on an already matched GT: IoU 10/16 but the GT is taken -> FP
            src = next(r for r in pred_rows[:26] if r[0] == video)
            pred_rows.append((video, src[1] + 2, src[2] + 2, "positive"))
        elif j < 40:  # near miss on an unmatched GT: [onset + 7, onset + 19] vs [onset, onset + 12] -> 6/20
            onset = 1000 + 200 * 10
            pred_rows.append((video, onset + 7, onset + 19, "negative"))
        else:
            start = 50 + 13 * (j // n_videos)
            pred_rows.append((video, start, start + 10, "surprise"))
    cols = ["video", "onset", "offset", "emotion"]
    return pd.DataFrame(gt_rows, columns=cols), pd.DataFrame(pred_rows, columns=cols)


def test_reproduces_mean_samm_lv_published_numbers() -> None:
    gt, pred = _mean_samm_lv_case()
    res = megc_score(gt, pred.sample(frac=1.0, random_state=3))  # row order must not matter
    assert (res.spotting.tp, res.spotting.fp, res.spotting.fn) == (26, 363, 133)
    assert round(res.spotting.precision, 4) == 0.0668
    assert round(res.spotting.recall, 4) == 0.1635
    assert round(res.spotting.f1, 4) == 0.0949
    rec = res.recognition
    assert rec is not None and rec.n == 19
    assert round(rec.precision, 4) == 0.5882 and round(rec.recall, 4) == 0.4762
    assert round(rec.f1, 4) == 0.5263
    assert round(rec.uf1, 4) == 0.5018 and round(rec.uar, 4) == 0.4762
    assert res.strs is not None and round(res.strs, 4) == 0.0499


def test_raw_dataset_emotions_are_mapped() -> None:
    gt = pd.DataFrame(
        {"video": ["v", "v"], "onset": [0, 50], "offset": [9, 59], "emotion": ["Happiness", "sad"]}
    )
    pred = pd.DataFrame(
        {"video": ["v", "v"], "onset": [0, 50], "offset": [9, 59], "emotion": ["positive", None]}
    )
    rec = megc_score(gt, pred).recognition
    assert rec is not None and rec.n == 2
    assert rec.per_class["positive"]["recall"] == 1.0 and rec.per_class["negative"]["recall"] == 0.0


def test_spot_counts_zero_safe() -> None:
    c = SpotCounts(0, 0, 0)  # nothing to score: undefined, not 0 (issue 11 item 14)
    assert (c.precision, c.recall, c.f1) == (None, None, None)
    assert (SpotCounts(0, 0, 2).precision, SpotCounts(0, 3, 0).recall) == (0.0, 0.0)


def test_bad_frames_raise_named_errors() -> None:
    with pytest.raises(InputError, match="onset 5 > offset 3"):
        megc_score(_frame([("v", 5, 3)]), _frame([("v", 0, 1)]))
    with pytest.raises(InputError, match="lack column"):
        megc_score(pd.DataFrame({"video": ["v"], "onset": [0]}), _frame([("v", 0, 1)]))
    with pytest.raises(InputError, match="unknown emotion label 'joy'"):
        megc_score(
            pd.DataFrame({"video": ["v"], "onset": [0], "offset": [3], "emotion": ["joy"]}),
            pd.DataFrame({"video": ["v"], "onset": [0], "offset": [3], "emotion": ["positive"]}),
        )
    with pytest.raises(InputError, match="IoU threshold"):
        megc_score(_frame([("v", 0, 1)]), _frame([("v", 0, 1)]), iou=0.0)
