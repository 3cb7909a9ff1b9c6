"""Labels: emotion mappings, frame-index conventions, hard-box targets, class weights, k_p."""

from __future__ import annotations

import numpy as np
import pytest

from micropulse.errors import InputError
from micropulse.me.labels import (
    CLASS_NAMES,
    EMOTION_MAPS,
    NEUTRAL_INDEX,
    MEInterval,
    boostingvrme_csv_frame,
    class_weights,
    index_to_label,
    interval_from_label,
    k_p_from_intervals,
    label_to_index,
    normalize_emotion,
    recognition_target,
    spotting_target,
)


def test_class_order() -> None:
    assert CLASS_NAMES == ("negative", "positive", "surprise", "others", "neutral")
    assert NEUTRAL_INDEX == 4


@pytest.mark.parametrize(
    ("dataset", "raw", "cls"),
    [
        ("casme3", "Sad", "negative"),
        ("casme3", "happy", "positive"),
        ("casme3", "others", "others"),
        ("samm", "Contempt", "negative"),
        ("samm", "Happiness", "positive"),
        ("samm", "Other", "others"),
        ("megc_test", "happiness", "positive"),
    ],
)
def test_dataset_mappings(dataset: str, raw: str, cls: str) -> None:
    assert normalize_emotion(raw, dataset) == cls


def test_mappings_are_not_crossed() -> None:
    with pytest.raises(InputError, match="unknown emotion label 'sadness' in dataset 'casme3'"):
        normalize_emotion("sadness", "casme3")  # CAS(ME)^3 says 'sad', SAMM says 'sadness'
    assert normalize_emotion(" Sadness ") == "negative"  # any dataset
    with pytest.raises(InputError, match="known:"):
        normalize_emotion("joy")
    for table in EMOTION_MAPS.values():
        assert set(table.values()) <= set(CLASS_NAMES)


def test_frame_index_conventions() -> None:
    assert label_to_index(1) == 0  # CAS(ME)^3: 1-based labels, array index j = file j + 1
    assert [label_to_index(f, 7) for f in (1, 7, 8, 14, 15)] == [0, 0, 1, 1, 2]  # SAMM-LV on the 1/7 grid
    assert index_to_label(2, 7) == 15 and label_to_index(index_to_label(5, 7), 7) == 5
    with pytest.raises(InputError):
        label_to_index(0)
    # BoostingVRME's MEGC CSV: SAMM idx * 7 - 6 (7 raw frames before index_to_label), CAS(ME)^3 0-based
    assert boostingvrme_csv_frame(3, 7) == 15 and index_to_label(3, 7) == 22
    assert boostingvrme_csv_frame(3, 1) == 3


def test_interval_from_label_rules() -> None:
    iv = interval_from_label(15, 22, 43, skip=7, emotion="positive")
    assert (iv.onset, iv.apex, iv.offset) == (2, 3, 6)
    iv = interval_from_label(10, 12, 0)  # offset 0 -> apex
    assert (iv.onset, iv.offset) == (9, 11)
    assert interval_from_label(0, 5, 9) is None  # onset 0: MEAN drops the row
    assert interval_from_label(3, -1, 9).apex is None  # SAMM "apex not annotated"
    with pytest.raises(InputError):
        MEInterval(5, 3)


def test_spotting_target_is_hard_box_without_boundaries() -> None:
    y = spotting_target(12, [MEInterval(2, 6, apex=3), MEInterval(9, 14)])
    np.testing.assert_array_equal(y, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1])
    assert y.dtype == np.float32


def test_recognition_target_later_rows_win() -> None:
    ivs = [MEInterval(0, 6, emotion="positive"), MEInterval(3, 9, emotion="surprise"), MEInterval(10, 11)]
    y = recognition_target(12, ivs)
    np.testing.assert_array_equal(y, [4, 1, 1, 1, 2, 2, 2, 2, 2, 4, 4, 4])


def test_class_weights_balanced_and_strategies() -> None:
    labels = np.array([0] * 10 + [1] * 20 + [2] * 5 + [3] * 5 + [4] * 60)
    w = class_weights(labels, strategy=1)
    n = labels.size
    np.testing.assert_allclose(w[:4], [n / (5 * 10), n / (5 * 20), n / (5 * 5), n / (5 * 5)])
    assert w[4] == pytest.approx(6 * n / (5 * 60))
    assert class_weights(labels, strategy=0)[4] == 0.0
    w_missing = class_weights(np.array([0, 4, 4]), strategy=2)
    assert w_missing[1] == 0.0 and w_missing[0] == pytest.approx(3 / 5)


def test_k_p_mean_and_upper_median() -> None:
    ivs = [MEInterval(0, d) for d in (4, 6, 10, 20)]
    assert k_p_from_intervals(ivs, statistic="mean") == int((10 + 1) / 2)
    assert k_p_from_intervals(ivs, statistic="median") == int((10 + 1) / 2)  # sorted[len // 2] = 10
    assert k_p_from_intervals([MEInterval(0, 7), MEInterval(0, 9)], statistic="median") == 5
