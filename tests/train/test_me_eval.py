"""Neutral-filter placement in ME training evaluation (specs/micro-expressions.md §4.4): BoostingVRME deletes
intervals voted neutral after matching; micropulse's variant before it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from micropulse.me.infer import DecodeSettings
from micropulse.me.labels import CLASS_NAMES
from micropulse.me.score import megc_score
from micropulse.train.me_eval import megc_score_neutral_after_matching, score_predictions

COLS = ["video", "onset", "offset", "type", "emotion"]


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLS)


def test_after_matching_and_before_matching_differ_where_a_neutral_interval_took_the_gt():
    gt = _frame([("v", 10, 30, "me", "positive")])
    # A (neutral) comes first in the matching order and takes the GT; B would match it too
    pred = _frame(
        [("v", 10, 30, "me", "neutral"), ("v", 12, 30, "me", "positive"), ("v", 80, 90, "me", "neutral")]
    )
    after = score_predictions(gt, pred, DecodeSettings(neutral_filter="after-matching"))
    before = score_predictions(gt, pred, DecodeSettings(neutral_filter="before-matching"))
    spot = lambda d: tuple(d["spotting"][k] for k in ("tp", "fp", "fn"))  # noqa: E731
    assert spot(after) == (0, 1, 1)  # A deleted: its TP becomes an FN; B stays an FP; the neutral FP vanishes
    assert spot(before) == (1, 0, 0)  # A and C deleted first: B matches the GT
    assert spot(after["before_neutral_filter"]) == (1, 2, 0) == spot(before["before_neutral_filter"])
    assert after["neutral_filter"] == "after-matching" and before["recognition"]["f1"] == 1.0
    # synergy 2 never votes neutral: no filter, one score
    assert spot(score_predictions(gt, pred, DecodeSettings(synergy=2))) == (1, 2, 0)


@pytest.mark.parametrize("seed", range(20))
def test_after_matching_without_neutral_predictions_equals_the_scorer(seed):
    rng = np.random.default_rng(seed)
    emotions = [c for c in CLASS_NAMES if c != "neutral"]

    def rows(n, videos):
        on = rng.integers(0, 200, n)
        return _frame([(f"v{rng.integers(videos)}", int(a), int(a + rng.integers(3, 30)),
                        "me" if rng.random() < 0.8 else "mae", emotions[rng.integers(len(emotions))]) for a in on])  # fmt: skip

    gt, pred = rows(int(rng.integers(1, 12)), 3), rows(int(rng.integers(0, 15)), 4)
    assert megc_score_neutral_after_matching(gt, pred).to_dict() == megc_score(gt, pred).to_dict()
